using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Optimization.QuasiNewton;

/// <summary>Jamshidian &amp; Jennrich's (1997) QN2: a BFGS-type update combining the EM step and ∇ℓ, with a line search.</summary>
public sealed class Qn2Optimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "qn2";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("TODO(issue 12): qn2");
}
