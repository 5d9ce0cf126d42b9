using LatentFit.Tracing;

namespace LatentFit.Optimization.Abstractions;

/// <summary>The outcome of one optimiser run.</summary>
/// <param name="Algorithm">The optimiser's name.</param>
/// <param name="Parameters">Final η.</param>
/// <param name="LogLikelihood">ℓ at <paramref name="Parameters"/>.</param>
/// <param name="Iterations">Iterations run (updates of η).</param>
/// <param name="Termination">Why it stopped.</param>
/// <param name="Passes">E-step passes over the data in this run, fractional where a method visits blocks of rows.</param>
/// <param name="Seconds">Fitting time.</param>
/// <param name="Trace">One record per iteration, starting with iteration 0.</param>
public sealed record FitResult(
    string Algorithm,
    double[] Parameters,
    double LogLikelihood,
    int Iterations,
    TerminationReason Termination,
    double Passes,
    double Seconds,
    IReadOnlyList<TraceRecord> Trace)
{
    /// <summary>
    /// Estimated distance ℓ∞ − ℓ to the value the run was converging to, from Aitken's extrapolation of its last three
    /// values of ℓ (<see cref="StoppingRule.Aitken"/>); null when they gave none (increments not both positive, a
    /// rate ≥ 1, fewer than three values, or a final point whose ℓ was not the last one checked).
    /// </summary>
    public double? EstimatedGap { get; init; }

    /// <summary>True when a convergence rule held (not when the iteration limit was hit).</summary>
    public bool Converged => Termination.IsConverged();
}
