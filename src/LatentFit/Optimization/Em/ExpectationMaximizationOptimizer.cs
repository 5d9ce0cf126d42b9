using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Em;

/// <summary>
/// The EM algorithm (Dempster, Laird &amp; Rubin 1977): iterate the EM map η ↦ η' = M(E(η)). Each iteration is
/// one pass over the data, which also gives ℓ and ∇ℓ at the current point for the trace.
/// </summary>
public sealed class ExpectationMaximizationOptimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "em";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = new RunRecorder(Name, problem, options, sink);
        var eta = start.ToArray();
        var next = new double[eta.Length];
        var gradient = new double[eta.Length];
        double value = problem.ValueAndGradientIfAny(eta, gradient, out double norm);
        if (recorder.Begin(value, norm))
        {
            return recorder.Finish(eta, value, 0, TerminationReason.GradientConverged);
        }

        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(eta, value, iteration - 1, TerminationReason.Cancelled);
            }

            problem.EmMap(eta, next);
            (eta, next) = (next, eta);
            double previous = value;
            value = problem.ValueAndGradientIfAny(eta, gradient, out norm);
            recorder.Record(iteration, value, norm);
            if (recorder.Check(previous, value, norm, next, eta) is { } reason)
            {
                return recorder.Finish(eta, value, iteration, reason);
            }
        }

        return recorder.Finish(eta, value, options.MaxIterations, TerminationReason.IterationLimit);
    }
}
