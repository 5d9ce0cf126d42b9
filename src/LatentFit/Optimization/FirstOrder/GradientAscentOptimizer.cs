using System.Numerics.Tensors;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.FirstOrder;

/// <summary>
/// Steepest ascent on ℓ(η) with a backtracking line search that accepts the first step meeting Armijo's
/// sufficient-increase condition ℓ(η + αg) ≥ ℓ(η) + c₁α‖g‖² (Nocedal &amp; Wright, 2nd ed., Alg. 3.1, c₁ = 10⁻⁴).
/// The trial step starts at twice the last accepted one, so the search adapts to the problem's scale.
/// </summary>
public sealed class GradientAscentOptimizer : IOptimizer
{
    private const double SufficientIncrease = 1e-4;
    private const int MaxHalvings = 60;

    /// <inheritdoc/>
    public string Name => "gradient";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var (recorder, eta, gradient, value, norm, finished) = GradientStart.Begin(Name, problem, start, options, sink);
        if (finished is not null)
        {
            return finished;
        }

        var trial = new double[eta.Length];

        // First trial: a unit move in η.
        double step = norm > 0 ? 1 / norm : 1;
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(eta, value, iteration - 1, TerminationReason.Cancelled);
            }

            double squaredNorm = norm * norm;
            if (squaredNorm == 0)
            {
                return recorder.Finish(eta, value, iteration - 1, TerminationReason.GradientConverged);
            }

            bool accepted = false;
            for (int halving = 0; halving < MaxHalvings; halving++)
            {
                for (int i = 0; i < eta.Length; i++)
                {
                    trial[i] = eta[i] + step * gradient[i];
                }

                double candidate = problem.Value(trial);
                if (candidate >= value + SufficientIncrease * step * squaredNorm)
                {
                    accepted = true;
                    break;
                }

                step *= 0.5;
            }

            if (!accepted)
            {
                return recorder.Finish(eta, value, iteration - 1, TerminationReason.LineSearchFailed);
            }

            (eta, trial) = (trial, eta);
            double previous = value;
            value = problem.ValueAndGradient(eta, gradient);
            norm = TensorPrimitives.Norm(gradient);
            recorder.Record(iteration, value, norm);
            if (recorder.Check(previous, value, norm, trial, eta) is { } reason)
            {
                return recorder.Finish(eta, value, iteration, reason);
            }

            step *= 2;
        }

        return recorder.Finish(eta, value, options.MaxIterations, TerminationReason.IterationLimit);
    }
}
