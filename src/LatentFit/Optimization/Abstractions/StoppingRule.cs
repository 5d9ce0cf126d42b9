namespace LatentFit.Optimization.Abstractions;

/// <summary>
/// The rule on the sequence ℓ₀, ℓ₁, … that ends a run at the tolerance tol = <see cref="FitOptions.RelativeTolerance"/>;
/// the gradient and parameter rules hold beside it under either choice. Both compare with tol·|ℓₜ|, so one --tol means
/// the same relative accuracy whichever rule is chosen.
/// </summary>
public enum StoppingRule
{
    /// <summary>
    /// Aitken's Δ² extrapolation of ℓ (Böhning, Dietz, Schaub, Schlattmann &amp; Lindsay 1994; McNicholas, Murphy,
    /// McDaid &amp; Frost 2010, who compare ℓ∞ with ℓₜ₋₁ instead of ℓₜ): with aₜ = (ℓₜ − ℓₜ₋₁)/(ℓₜ₋₁ − ℓₜ₋₂) and ℓ∞ = ℓₜ₋₁ + (ℓₜ − ℓₜ₋₁)/(1 − aₜ),
    /// stop when ℓ∞ − ℓₜ ≤ tol·|ℓₜ|. Used only where both increments are positive and 0 ≤ aₜ &lt; 1; a run whose
    /// increments have fallen to the rounding level of ℓ stops with <see cref="TerminationReason.RoundingLevel"/>.
    /// </summary>
    Aitken,

    /// <summary>|ℓₜ − ℓₜ₋₁| ≤ tol·|ℓₜ|: a small step, which at a linear rate a near 1 is still about tol/(1 − a) from the end.</summary>
    RelativeChange,
}
