using LatentFit.Numerics;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Acceleration;

/// <summary>
/// Anderson acceleration of the EM map F (Walker &amp; Ni 2011, "type II"), with restarts and a monotonicity
/// safeguard in the spirit of DAAREM (Henderson &amp; Varadhan 2019): with residuals fₖ = F(xₖ) − xₖ and the last m
/// differences ΔX, ΔF, γ = argmin ‖fₖ − ΔF γ‖ (normal equations with a tiny ridge, Cholesky) and
/// xₖ₊₁ = xₖ + fₖ − (ΔX + ΔF)γ. If that point is invalid or lowers ℓ, the plain EM step F(xₖ) is taken and the
/// history restarts; it also restarts every 2m steps, as DAAREM does, to forget stale curvature.
/// Runs in the natural parameters (see <see cref="FixedPointView"/>).
/// </summary>
public sealed class AndersonOptimizer(int memory = 5) : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "anderson";

    /// <summary>Number of differences kept, m.</summary>
    public int Memory { get; } = memory;

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = new RunRecorder(Name, problem, options, sink);
        var view = new FixedPointView(problem);
        int n = view.Length;
        var x = view.FromEta(start);
        var image = new double[n];
        var residual = new double[n];
        var candidate = new double[n];
        var previousX = new double[n];
        var previousResidual = new double[n];
        var deltaX = new List<double[]>();
        var deltaF = new List<double[]>();
        double value = view.Value(x);
        if (recorder.Begin(value, view.GradientNorm))
        {
            return recorder.Finish(view.ToEta(x), value, 0, TerminationReason.GradientConverged);
        }

        bool havePrevious = false;
        int sinceRestart = 0;
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(view.ToEta(x), value, iteration - 1, TerminationReason.Cancelled);
            }

            view.Map(x, image);
            for (int i = 0; i < n; i++)
            {
                residual[i] = image[i] - x[i];
            }

            if (havePrevious)
            {
                deltaX.Add(Difference(x, previousX));
                deltaF.Add(Difference(residual, previousResidual));
                if (deltaX.Count > Memory)
                {
                    deltaX.RemoveAt(0);
                    deltaF.RemoveAt(0);
                }
            }

            x.CopyTo(previousX, 0);
            residual.CopyTo(previousResidual, 0);
            havePrevious = true;
            string note;
            double candidateValue;
            if (deltaF.Count > 0 && Extrapolate(x, residual, deltaX, deltaF, candidate))
            {
                candidateValue = view.Value(candidate);
                note = $"Anderson step, m = {deltaF.Count}";
                if (!(candidateValue >= value - 1e-12 * Math.Abs(value)))
                {
                    note = "Anderson step would lower ℓ; EM step taken, history restarted";
                    image.CopyTo(candidate, 0);
                    candidateValue = view.Value(candidate);
                    Restart();
                }
            }
            else
            {
                note = "EM step";
                image.CopyTo(candidate, 0);
                candidateValue = view.Value(candidate);
            }

            if (++sinceRestart >= 2 * Memory)
            {
                Restart();
            }

            if (view.Record(recorder, iteration, value, candidateValue, note, x, candidate) is { } result)
            {
                return result;
            }

            value = candidateValue;
            (x, candidate) = (candidate, x);
        }

        return recorder.Finish(view.ToEta(x), value, options.MaxIterations, TerminationReason.IterationLimit);

        void Restart()
        {
            deltaX.Clear();
            deltaF.Clear();
            havePrevious = false;
            sinceRestart = 0;
        }
    }

    private static double[] Difference(double[] a, double[] b)
    {
        var d = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            d[i] = a[i] - b[i];
        }

        return d;
    }

    /// <summary>xₖ + fₖ − (ΔX + ΔF)γ with γ from the ridge-regularised normal equations; false when they cannot be solved.</summary>
    private static bool Extrapolate(double[] x, double[] residual, List<double[]> deltaX, List<double[]> deltaF, double[] candidate)
    {
        int m = deltaF.Count, n = x.Length;
        var gram = new double[m * m];
        var rhs = new double[m];
        double trace = 0;
        for (int a = 0; a < m; a++)
        {
            for (int b = 0; b < m; b++)
            {
                gram[a * m + b] = System.Numerics.Tensors.TensorPrimitives.Dot<double>(deltaF[a], deltaF[b]);
            }

            rhs[a] = System.Numerics.Tensors.TensorPrimitives.Dot<double>(deltaF[a], residual);
            trace += gram[a * m + a];
        }

        // A ridge of 10⁻¹⁰ of the mean diagonal keeps nearly collinear differences solvable.
        for (int a = 0; a < m; a++)
        {
            gram[a * m + a] += 1e-10 * trace / m + double.Epsilon;
        }

        if (!DenseMatrix.TryCholesky(gram, m))
        {
            return false;
        }

        DenseMatrix.SolveLower(gram, m, rhs);
        DenseMatrix.SolveLowerTransposed(gram, m, rhs);
        for (int i = 0; i < n; i++)
        {
            double correction = 0;
            for (int a = 0; a < m; a++)
            {
                correction += (deltaX[a][i] + deltaF[a][i]) * rhs[a];
            }

            candidate[i] = x[i] + residual[i] - correction;
        }

        return candidate.All(double.IsFinite);
    }
}
