using LatentFit.Data;

namespace LatentFit.Models.Abstractions;

/// <summary>
/// The contract every latent-variable model provides and every optimiser relies on: one E-step whose
/// statistics serve three consumers — the closed-form M-step, the log-likelihood, and the gradient by
/// Fisher's identity — plus the map between natural parameters θ and a flat unconstrained vector η.
/// </summary>
/// <typeparam name="TParams">Immutable natural parameters θ.</typeparam>
/// <typeparam name="TStats">Expected complete-data sufficient statistics.</typeparam>
public interface ILatentVariableModel<TParams, TStats>
    where TStats : ISufficientStatistics<TStats>
{
    /// <summary>Length of the unconstrained parameter vector η.</summary>
    int ParameterCount { get; }

    /// <summary>Zeroed statistics of the right shape (pure: no reference to the model's state).</summary>
    TStats CreateStatistics();

    /// <summary>E-step on one chunk: adds the expected sufficient statistics and ℓ of <paramref name="rows"/> under θ to <paramref name="into"/>.</summary>
    void Accumulate(TParams theta, DataBlock rows, TStats into);

    /// <summary>
    /// M-step: the θ that maximises Q(θ | θₜ), in closed form, from statistics accumulated at θₜ
    /// (<paramref name="current"/>; statistics may be centred at θₜ, e.g. second moments about μₜ).
    /// </summary>
    TParams Maximize(TParams current, TStats stats);

    /// <summary>
    /// ∇ℓ at θₜ with respect to η, from statistics accumulated at θₜ: Fisher's identity
    /// ∇ℓ(θₜ) = ∇Q(θ | θₜ)|θ=θₜ. Only meaningful when <see cref="GradientSupport"/> is exact.
    /// </summary>
    void Gradient(TParams current, TStats stats, Span<double> gradient);

    /// <summary>Whether <see cref="Gradient"/> is the exact gradient of ℓ, and why not when it is not.</summary>
    GradientSupport GradientSupport { get; }

    /// <summary>Writes η for θ.</summary>
    void ToUnconstrained(TParams theta, Span<double> eta);

    /// <summary>θ for η. Every finite η maps to valid parameters (weights on the simplex, positive-definite covariances).</summary>
    TParams FromUnconstrained(ReadOnlySpan<double> eta);
}
