using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Optimization.SecondOrder;

/// <summary>Fisher scoring with the empirical information (BHHH) and Levenberg–Marquardt damping.</summary>
public sealed class ScoringOptimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "scoring";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("TODO(issue 12): scoring");
}
