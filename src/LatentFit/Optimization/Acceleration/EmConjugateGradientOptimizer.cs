using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Acceleration;

/// <summary>Jamshidian &amp; Jennrich's (1993) conjugate gradient with the EM step as the generalised gradient.</summary>
public sealed class EmConjugateGradientOptimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "em-cg";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("TODO(issue 12): em-cg");
}
