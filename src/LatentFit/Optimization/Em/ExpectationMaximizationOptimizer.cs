using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Em;

/// <summary>
/// The EM algorithm (Dempster, Laird &amp; Rubin 1977): iterate the EM map η ↦ η' = M(E(η)). Each iteration is
/// one pass over the data, which also gives ℓ and ∇ℓ at the current point for the trace.
/// </summary>
public sealed class ExpectationMaximizationOptimizer : IResumableOptimizer
{
    /// <inheritdoc/>
    public string Name => "em";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        Run(problem, start, null, null, options, sink, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>EM's state is η alone: the E-step at η, which the next EM step reuses, is recomputed on resuming.</remarks>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, OptimizerState? resumeFrom, ICheckpointSink? checkpoints, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = RunRecorder.Resumable(Name, problem, options, sink, resumeFrom, checkpoints, out var finished);
        if (finished is not null)
        {
            return finished;
        }

        var eta = (resumeFrom?.Point ?? start).ToArray();
        var next = new double[eta.Length];
        var gradient = new double[eta.Length];
        double value = problem.ValueAndGradientIfAny(eta, gradient, out double norm);
        int first = 1;
        if (resumeFrom is not null)
        {
            recorder.Restore(resumeFrom, value);
            first = resumeFrom.Iteration + 1;
        }
        else if (recorder.Begin(value, norm))
        {
            return recorder.Finish(eta, value, 0, TerminationReason.GradientConverged);
        }
        else
        {
            recorder.Offer(0, value, () => eta);
        }

        for (int iteration = first; iteration <= options.MaxIterations; iteration++)
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

            recorder.Offer(iteration, value, () => eta);
        }

        return recorder.Finish(eta, value, options.MaxIterations, TerminationReason.IterationLimit);
    }
}
