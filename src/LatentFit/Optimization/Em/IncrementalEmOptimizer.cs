using LatentFit.Models.Abstractions;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Em;

/// <summary>
/// Incremental EM (Neal &amp; Hinton 1998, §4): the rows are cut into B groups of blocks whose statistics are kept
/// apart; each step replaces one group's statistics by those at the current θ (an E-step over N/B rows) and takes the
/// M-step from the sum of all groups. Every such step increases the free energy F(q̃, θ) (see
/// <see cref="BlockStatistics"/>), and θ moves B times per pass instead of once.
/// </summary>
/// <remarks>
/// An iteration is one sweep: one step per group in row order. After every m-th sweep (<see cref="FitOptions.MeasureEvery"/>,
/// 1 by default) and after the last, a full E-step at the sweep's end θₛ gives ℓ(θₛ) and its gradient for the trace
/// (each record pairs ℓ with the θ it names) and refreshes every group at θₛ (so F = ℓ(θₛ)); the next sweep begins
/// with the M-step from it (an ordinary EM step, at no further cost). With m = 1 a sweep costs two passes; with larger m,
/// (m + 1)/m, approaching Neal &amp; Hinton's one. Since F only increases and F ≤ ℓ, ℓ at each measurement is at least
/// the last one: ℓ in the trace never decreases. Stopping rules are EM's, applied from one measurement to the next.
/// </remarks>
public sealed class IncrementalEmOptimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "incremental-em";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = new RunRecorder(Name, problem, options, sink);
        var blocks = problem.CreateBlockStatistics(options.Blocks);
        var eta = start.ToArray();
        var next = new double[eta.Length];
        var sweepStart = new double[eta.Length];
        var gradient = new double[eta.Length];
        double value = blocks.Refresh(eta, gradient, out double norm);
        if (recorder.Begin(value, norm))
        {
            return recorder.Finish(eta, value, 0, TerminationReason.GradientConverged);
        }

        int reanchorings = 0, measured = 0;
        eta.CopyTo(sweepStart, 0);
        for (int sweep = 1; sweep <= options.MaxIterations; sweep++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // The last measured point, the one whose ℓ is known.
                return recorder.Finish(sweepStart, value, measured, TerminationReason.Cancelled);
            }

            if (sweep == measured + 1)
            {
                // Every group is at θₛ after a measurement: the M-step from them is EM's step.
                blocks.Maximize(eta, next);
                (eta, next) = (next, eta);
            }

            for (int group = 0; group < blocks.Groups; group++)
            {
                blocks.Replace(group, eta);
                blocks.Maximize(eta, next);
                (eta, next) = (next, eta);
            }

            if (sweep % options.MeasureEvery != 0 && sweep != options.MaxIterations)
            {
                continue;
            }

            double previous = value;
            value = blocks.Refresh(eta, gradient, out norm);
            if (!double.IsFinite(value))
            {
                throw new ModelFailureException("the log-likelihood after an incremental EM sweep is not finite; choose another start or fewer blocks.");
            }

            string? note = blocks.Reanchorings > reanchorings
                ? $"statistics taken again about the moved means {blocks.Reanchorings - reanchorings} time(s) (one pass each)"
                : null;
            reanchorings = blocks.Reanchorings;
            measured = sweep;
            recorder.Record(sweep, value, norm, note);
            if (recorder.Check(previous, value, norm, sweepStart, eta) is { } reason)
            {
                return recorder.Finish(eta, value, sweep, reason);
            }

            eta.CopyTo(sweepStart, 0);
        }

        return recorder.Finish(eta, value, options.MaxIterations, TerminationReason.IterationLimit);
    }
}
