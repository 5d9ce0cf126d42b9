using LatentFit.Objectives;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Abstractions;

/// <summary>Maximises ℓ over η. Sees only the <see cref="FitProblem"/>: it knows nothing of the model.</summary>
public interface IOptimizer
{
    /// <summary>The name used on the command line and in outputs (em, gradient, gradient-em, lbfgs).</summary>
    string Name { get; }

    /// <summary>Runs from <paramref name="start"/> until a stopping rule holds.</summary>
    FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default);
}
