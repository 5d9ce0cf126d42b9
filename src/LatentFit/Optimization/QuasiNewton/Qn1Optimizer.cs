using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Optimization.QuasiNewton;

/// <summary>Jamshidian &amp; Jennrich's (1997) QN1: Broyden's method on the EM step g̃(θ) = M(θ) − θ.</summary>
public sealed class Qn1Optimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "qn1";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("TODO(issue 12): qn1");
}
