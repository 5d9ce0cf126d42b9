using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Em;

/// <summary>Lange's (1995) EM gradient algorithm: one Newton step on Q, θ + I_oc(θ)⁻¹∇ℓ(θ).</summary>
public sealed class EmGradientOptimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "em-gradient";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("TODO(issue 12): em-gradient");
}
