using LatentFit.Data;

namespace LatentFit.Models.Abstractions;

/// <summary>
/// A model whose E-step can also accumulate the observed-data Hessian ∇²ℓ with respect to η, by Louis' (1982)
/// identity per observation: ∇² log p(x) = E[∇² log p(x,z) | x] + Cov[∇ log p(x,z) | x]. The sum over rows is
/// additive, like the statistics. Models without it get a Hessian from finite differences of the gradient.
/// </summary>
/// <typeparam name="TParams">Natural parameters θ.</typeparam>
public interface IObservedInformationModel<TParams>
{
    /// <summary>Adds Σₙ wₙ ∇²_η log p(xₙ | θ) for the rows to <paramref name="hessian"/> (P×P, row-major).</summary>
    void AccumulateHessian(TParams theta, DataBlock rows, Span<double> hessian);
}

/// <summary>A model that names its natural parameters, for standard errors reported on the scale users read.</summary>
/// <typeparam name="TParams">Natural parameters θ.</typeparam>
public interface INaturalParameterization<TParams>
{
    /// <summary>Names of the natural parameters, in the order of <see cref="ToNatural"/>.</summary>
    IReadOnlyList<string> NaturalParameterNames { get; }

    /// <summary>Writes the natural parameters of θ (e.g. every weight, mean and variance).</summary>
    void ToNatural(TParams theta, Span<double> natural);

    /// <summary>
    /// θ from natural parameters, or false when they are not valid (a weight ≤ 0, a rate ≤ 0, a covariance that
    /// is not positive definite): accelerators that extrapolate in these coordinates fall back to EM then.
    /// Weights are renormalised to sum to 1.
    /// </summary>
    bool TryFromNatural(ReadOnlySpan<double> natural, out TParams theta);
}

/// <summary>
/// A model that knows the natural scale of each coordinate of η (e.g. a mean's standard deviation), so that
/// finite differences step by a fraction of that scale rather than of the coordinate's size: a mean of 10⁵ with a
/// spread of 6 needs a step of 10⁻⁴·6, not 10⁻⁴·10⁵.
/// </summary>
/// <typeparam name="TParams">Natural parameters θ.</typeparam>
public interface IParameterScales<TParams>
{
    /// <summary>Writes a positive scale for each coordinate of η at θ.</summary>
    void Scales(TParams theta, Span<double> scales);
}

/// <summary>
/// A model whose statistics are moments about a centre (the current means), which lose precision in the M-step
/// when the centre moves far in one step (S/n − ΔμΔμᵀ with |Δμ| ≫ σ). It can ask for the E-step again, with the
/// same responsibilities (those of θₜ) but moments about the new centre, which makes the update exact.
/// </summary>
/// <typeparam name="TParams">Natural parameters θ.</typeparam>
/// <typeparam name="TStats">The statistics.</typeparam>
public interface IRecentringModel<TParams, TStats>
{
    /// <summary>A factory of empty statistics centred where the M-step from <paramref name="stats"/> moves the means, or null when the update is precise as it is.</summary>
    Func<TStats>? Recentre(TParams current, TStats stats);
}
