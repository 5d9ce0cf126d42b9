using LatentFit.Models.Abstractions;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.QuasiNewton;

/// <summary>
/// Jamshidian &amp; Jennrich's (1997) QN1: Broyden's method for the zero of the EM step g̃(η) = M(η) − η, with M the
/// EM map. The iteration is ηₖ₊₁ = ηₖ − Aₖg̃ₖ, where A approximates the inverse Jacobian of g̃ (J_M − I)⁻¹; it starts
/// at A₀ = −I, so the first step is exactly EM's, and after each step takes Broyden's rank-one update of the inverse
/// (J&amp;J 1997, §3; Broyden's "good" update B₊ = B + (Δg̃ − BΔη)Δηᵀ/ΔηᵀΔη of Nocedal &amp; Wright, 2nd ed., §11.1,
/// inverted by Sherman–Morrison): A₊ = A + (Δη − AΔg̃)ΔηᵀA / (ΔηᵀAΔg̃). It uses the EM map and ℓ only, so it runs on
/// models without a gradient, as SQUAREM does.
/// </summary>
/// <remarks>
/// <para>
/// Coordinates: η, the unconstrained parameters in which the gradient methods QN2 and EM-CG also work. Broyden's
/// method is invariant under affine changes of variables only, so the coordinates matter through the EM map's
/// curvature alone, not its fixed point or its rate; and in η every finite point is a parameter, so a step leaves the
/// valid region only numerically (ℓ = −∞ from overflow, or an M-step that fails there).
/// </para>
/// <para>
/// Safeguard: J&amp;J's QN1 has no line search and need not raise ℓ, and Broyden's method may head for any zero of g̃
/// (a saddle or a minimum of ℓ as well as a maximum). A Broyden step is therefore accepted only if it keeps ℓ within
/// rounding of its value at ηₖ and the EM map can be applied at the new point; otherwise the iteration takes the EM
/// step M(ηₖ), which cannot lower ℓ, resets A to −I and updates it with that EM step, exactly as a fresh start from
/// ηₖ would (the trace note says so). The cost of a rejection is one more pass; the iteration stays monotone.
/// </para>
/// </remarks>
public sealed class Qn1Optimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "qn1";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = new RunRecorder(Name, problem, options, sink);
        int n = start.Length;
        var x = start.ToArray();
        var gradient = new double[n];
        double value = problem.ValueAndGradientIfAny(x, gradient, out double norm);
        if (recorder.Begin(value, norm))
        {
            return recorder.Finish(x, value, 0, TerminationReason.GradientConverged);
        }

        var inverse = new BroydenInverse(n);
        var image = new double[n];
        var candidate = new double[n];
        var candidateImage = new double[n];
        var step = new double[n];
        var candidateStep = new double[n];
        problem.EmMap(x, image);
        Difference(image, x, step);
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(x, value, iteration - 1, TerminationReason.Cancelled);
            }

            string? note = null;
            double candidateValue;
            if (iteration == 1)
            {
                // A₀ = −I: ηₖ − A₀g̃ₖ = M(ηₖ); taken as M(ηₖ) itself so that the first step is EM's to the bit.
                image.CopyTo(candidate, 0);
                candidateValue = ValueAndImage(problem, candidate, gradient, candidateImage, out norm);
            }
            else
            {
                inverse.Step(x, step, candidate);
                candidateValue = ValueAndImage(problem, candidate, gradient, candidateImage, out norm);

                // Rounding allowance as in SquaremOptimizer: near the maximum ℓ differs between points by a few
                // ulps of the sum, and rejecting on that noise would stall the iteration where it should finish.
                double floor = value - 1e-12 * Math.Abs(value);
                if (!(candidateValue >= floor))
                {
                    note = $"Broyden step rejected ({(double.IsFinite(candidateValue) ? "ℓ would fall" : "invalid parameters")}); EM step taken, A reset to −I";
                    inverse.Reset();
                    image.CopyTo(candidate, 0);
                    candidateValue = ValueAndImage(problem, candidate, gradient, candidateImage, out norm);
                }
            }

            if (!double.IsFinite(candidateValue))
            {
                throw new ModelFailureException("the EM step led to parameters where the log-likelihood is not finite; choose another start.");
            }

            Difference(candidateImage, candidate, candidateStep);
            inverse.Update(x, candidate, step, candidateStep);
            recorder.Record(iteration, candidateValue, norm, note);
            if (recorder.Check(value, candidateValue, norm, x, candidate) is { } reason)
            {
                return recorder.Finish(candidate, candidateValue, iteration, reason);
            }

            value = candidateValue;
            (x, candidate) = (candidate, x);
            (image, candidateImage) = (candidateImage, image);
            (step, candidateStep) = (candidateStep, step);
        }

        return recorder.Finish(x, value, options.MaxIterations, TerminationReason.IterationLimit);
    }

    /// <summary>
    /// ℓ at <paramref name="point"/> (with ∇ℓ's norm where the model has one) and the EM map's image there, from one
    /// pass; −∞ when ℓ is not finite or the M-step fails there.
    /// </summary>
    private static double ValueAndImage(FitProblem problem, double[] point, double[] gradient, double[] image, out double norm)
    {
        double value = problem.ValueAndGradientIfAny(point, gradient, out norm);
        if (!double.IsFinite(value))
        {
            return double.NegativeInfinity;
        }

        try
        {
            problem.EmMap(point, image);
        }
        catch (ModelFailureException)
        {
            return double.NegativeInfinity;
        }

        return value;
    }

    private static void Difference(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> into)
    {
        for (int i = 0; i < into.Length; i++)
        {
            into[i] = a[i] - b[i];
        }
    }

    /// <summary>A ≈ (∂g̃/∂η)⁻¹, dense n × n, row-major, with Broyden's inverse update.</summary>
    private sealed class BroydenInverse
    {
        private readonly int _n;
        private readonly double[] _matrix;
        private readonly double[] _deltaPoint;
        private readonly double[] _deltaStep;
        private readonly double[] _residual;
        private readonly double[] _row;

        public BroydenInverse(int n)
        {
            _n = n;
            _matrix = new double[n * n];
            _deltaPoint = new double[n];
            _deltaStep = new double[n];
            _residual = new double[n];
            _row = new double[n];
            Reset();
        }

        /// <summary>A = −I (J&amp;J's A₀), under which a quasi-Newton step is the EM step.</summary>
        public void Reset()
        {
            Array.Clear(_matrix);
            for (int i = 0; i < _n; i++)
            {
                _matrix[i * _n + i] = -1;
            }
        }

        /// <summary>η − A g̃.</summary>
        public void Step(ReadOnlySpan<double> point, ReadOnlySpan<double> emStep, Span<double> next)
        {
            for (int i = 0; i < _n; i++)
            {
                double sum = 0;
                for (int j = 0; j < _n; j++)
                {
                    sum += _matrix[i * _n + j] * emStep[j];
                }

                next[i] = point[i] - sum;
            }
        }

        /// <summary>
        /// A₊ = A + (Δη − AΔg̃)(ΔηᵀA) / (ΔηᵀAΔg̃); skipped when the denominator vanishes to rounding (the secant
        /// pair then carries no usable information, and dividing by it would blow A up).
        /// </summary>
        public void Update(ReadOnlySpan<double> point, ReadOnlySpan<double> next, ReadOnlySpan<double> step, ReadOnlySpan<double> nextStep)
        {
            for (int i = 0; i < _n; i++)
            {
                _deltaPoint[i] = next[i] - point[i];
                _deltaStep[i] = nextStep[i] - step[i];
            }

            double denominator = 0, pointNorm = 0, productNorm = 0;
            for (int i = 0; i < _n; i++)
            {
                double product = 0, row = 0;
                for (int j = 0; j < _n; j++)
                {
                    product += _matrix[i * _n + j] * _deltaStep[j];
                    row += _deltaPoint[j] * _matrix[j * _n + i];
                }

                _residual[i] = _deltaPoint[i] - product;
                _row[i] = row;
                denominator += _deltaPoint[i] * product;
                pointNorm += _deltaPoint[i] * _deltaPoint[i];
                productNorm += product * product;
            }

            if (!(Math.Abs(denominator) > 1e-12 * Math.Sqrt(pointNorm * productNorm)) || !double.IsFinite(denominator))
            {
                return;
            }

            for (int i = 0; i < _n; i++)
            {
                double scale = _residual[i] / denominator;
                for (int j = 0; j < _n; j++)
                {
                    _matrix[i * _n + j] += scale * _row[j];
                }
            }
        }
    }
}
