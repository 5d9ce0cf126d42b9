using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Proximal;

/// <summary>The Kullback proximal-point algorithm (Chrétien &amp; Hero 2000); β = 1 is EM.</summary>
public sealed class ProximalPointOptimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "proximal";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("TODO(issue 12): proximal");
}
