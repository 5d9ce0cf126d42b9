namespace LatentFit.Optimization.Abstractions;

/// <summary>Why an optimiser stopped.</summary>
public enum TerminationReason
{
    /// <summary>The relative change of ℓ fell to the tolerance: |ℓₜ − ℓₜ₋₁| ≤ tol·|ℓₜ|.</summary>
    Converged,

    /// <summary>
    /// Aitken's extrapolated ℓ∞ is within the tolerance of ℓ: ℓ∞ − ℓₜ ≤ tol·|ℓₜ| (<see cref="StoppingRule.Aitken"/>).
    /// </summary>
    AitkenConverged,

    /// <summary>
    /// The increment of ℓ fell to the rounding level of ℓ (a few units of rounding of |ℓ|) before Aitken's rule held:
    /// ℓ can measure no further progress, so the tolerance asked for more than ℓ resolves (<see cref="StoppingRule.Aitken"/>).
    /// </summary>
    RoundingLevel,

    /// <summary>‖∇ℓ‖ fell to the gradient tolerance.</summary>
    GradientConverged,

    /// <summary>The natural parameters moved by no more than the parameter tolerance in one iteration.</summary>
    ParametersConverged,

    /// <summary>The iteration limit was reached before any convergence rule held; not converged.</summary>
    IterationLimit,

    /// <summary>The line search found no acceptable step along an ascent direction; usually ℓ is flat to rounding at the current point.</summary>
    LineSearchFailed,

    /// <summary>ℓ decreased or became non-finite under a fixed step (gradient EM): the step is too large.</summary>
    StepTooLarge,

    /// <summary>The caller cancelled the run.</summary>
    Cancelled,
}

/// <summary>Helpers on <see cref="TerminationReason"/>.</summary>
public static class TerminationReasonExtensions
{
    /// <summary>True for the cases that mean a convergence rule held.</summary>
    public static bool IsConverged(this TerminationReason reason) =>
        reason is TerminationReason.Converged or TerminationReason.AitkenConverged or TerminationReason.RoundingLevel
            or TerminationReason.GradientConverged or TerminationReason.ParametersConverged;
}
