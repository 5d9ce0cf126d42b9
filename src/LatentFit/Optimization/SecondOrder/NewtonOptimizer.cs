using System.Numerics.Tensors;
using LatentFit.Numerics;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.SecondOrder;

/// <summary>
/// Newton's method on ℓ(η) with a Levenberg–Marquardt safeguard (Nocedal &amp; Wright, 2nd ed., §3.4 and §10.3):
/// the step solves (−∇²ℓ + μI) d = ∇ℓ by Cholesky, with μ ≥ 0 raised until the matrix is positive definite and
/// the step raises ℓ, and lowered tenfold after each success, so the method never steps downhill and becomes
/// pure Newton (quadratic convergence) near a maximum. The Hessian is analytic where the model provides it
/// (one pass), otherwise central differences of the analytic gradient (2P passes), which the trace notes.
/// </summary>
public sealed class NewtonOptimizer : IOptimizer
{
    private const int MaxDampingIncreases = 60;

    /// <inheritdoc/>
    public string Name => "newton";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var (recorder, x, gradient, value, _, finished) = GradientStart.Begin(Name, problem, start, options, sink);
        if (finished is not null)
        {
            return finished;
        }

        int n = x.Length;

        string hessianKind = problem.HasAnalyticHessian ? "analytic Hessian" : "Hessian from finite differences of the gradient";
        var hessian = new double[n * n];
        var system = new double[n * n];
        var step = new double[n];
        var trial = new double[n];
        double damping = 0;
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(x, value, iteration - 1, TerminationReason.Cancelled);
            }

            problem.Hessian(x, hessian);
            double scale = 0;
            for (int i = 0; i < n; i++)
            {
                scale = Math.Max(scale, Math.Abs(hessian[i * n + i]));
            }

            double floor = 1e-12 * Math.Max(scale, 1e-300);
            bool accepted = false;
            double trialValue = double.NegativeInfinity;
            for (int attempt = 0; attempt < MaxDampingIncreases; attempt++)
            {
                for (int i = 0; i < n * n; i++)
                {
                    system[i] = -hessian[i];
                }

                for (int i = 0; i < n; i++)
                {
                    system[i * n + i] += damping;
                }

                if (DenseMatrix.TryCholesky(system, n))
                {
                    gradient.CopyTo(step, 0);
                    DenseMatrix.SolveLower(system, n, step);
                    DenseMatrix.SolveLowerTransposed(system, n, step);
                    for (int i = 0; i < n; i++)
                    {
                        trial[i] = x[i] + step[i];
                    }

                    trialValue = problem.Value(trial);
                    if (trialValue >= value - 1e-12 * Math.Abs(value))
                    {
                        accepted = true;
                        break;
                    }
                }

                damping = Math.Max(10 * damping, floor);
            }

            if (!accepted)
            {
                return recorder.Finish(x, value, iteration - 1, TerminationReason.LineSearchFailed);
            }

            string note = damping > 0 ? $"{hessianKind}; damping μ = {damping:G3}" : hessianKind;
            damping = damping > floor ? damping / 10 : 0;
            (x, trial) = (trial, x);
            double previous = value;
            value = problem.ValueAndGradient(x, gradient);
            double norm = TensorPrimitives.Norm(gradient);
            recorder.Record(iteration, value, norm, note);
            if (recorder.Check(previous, value, norm, trial, x) is { } reason)
            {
                return recorder.Finish(x, value, iteration, reason);
            }
        }

        return recorder.Finish(x, value, options.MaxIterations, TerminationReason.IterationLimit);
    }
}
