using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Categorical;

/// <summary>
/// A K-component mixture of categorical distributions p(x = c) = Σₖ πₖ p_kc over C categories (a latent class model
/// of one categorical variable): mixing weights and a <see cref="CategoricalEmissionFamily"/>, composed by
/// <see cref="MixtureOfEmissions{TEmission, TStatistics}"/>, with optional row frequency weights.
/// η = (a₁..a_{K−1}, then each component's C − 1 log-ratios) with aₖ = log πₖ − log π_K.
/// </summary>
/// <remarks>
/// With one categorical variable the mixture is not identifiable (any π and p with Σₖ πₖ p_kc equal to the observed
/// shares fit equally well); it is here because the composition costs nothing and serves as the simplest model in
/// which to compare EM with gradient methods on a flat maximum.
/// </remarks>
public sealed class CategoricalMixtureModel :
    ILatentVariableModel<CategoricalMixtureParameters, CategoricalMixtureStatistics>,
    INaturalParameterization<CategoricalMixtureParameters>,
    ICompleteDataModel<CategoricalMixtureParameters, CategoricalMixtureStatistics>,
    IPortableModel<CategoricalMixtureParameters>
{
    private readonly MixtureOfEmissions<CategoricalEmissionParameters, CategoricalEmissionStatistics> _mixture;

    /// <summary>A model with K components over C categories; <paramref name="labels"/>, when given, name them.</summary>
    public CategoricalMixtureModel(int components, int categories, IReadOnlyList<string>? labels = null)
    {
        Emission = new CategoricalEmissionFamily(components, categories, labels);
        _mixture = new(Emission);
    }

    /// <summary>The components' emission family.</summary>
    public CategoricalEmissionFamily Emission { get; }

    /// <summary>K.</summary>
    public int Components => Emission.Components;

    /// <inheritdoc/>
    public int ParameterCount => _mixture.ParameterCount;

    /// <inheritdoc/>
    public GradientSupport GradientSupport => GradientSupport.Exact;

    /// <inheritdoc/>
    public IReadOnlyList<string> NaturalParameterNames => _mixture.NaturalParameterNames;

    /// <inheritdoc/>
    /// <remarks>Kind <c>mixture</c>, with the emission family's recipe as <c>emission</c>.</remarks>
    public ModelRecipe Recipe => _mixture.Recipe;

    /// <inheritdoc/>
    /// <remarks>The K weights, then the emission family's values.</remarks>
    public double[] WriteParameters(CategoricalMixtureParameters theta) => _mixture.WriteParameters(theta.Weights, theta.Emission);

    /// <inheritdoc/>
    public CategoricalMixtureParameters ReadParameters(ReadOnlySpan<double> values)
    {
        var (weights, emission) = _mixture.ReadParameters(values);
        return CategoricalMixtureParameters.Own(weights, emission);
    }

    /// <inheritdoc/>
    public CategoricalMixtureStatistics CreateStatistics() => new(Components, Emission.Categories);

    /// <inheritdoc/>
    public void Accumulate(CategoricalMixtureParameters theta, DataBlock rows, CategoricalMixtureStatistics into) =>
        _mixture.Accumulate(theta.Weights, theta.Emission, rows, into);

    /// <inheritdoc/>
    public CategoricalMixtureParameters Maximize(CategoricalMixtureParameters current, CategoricalMixtureStatistics stats)
    {
        var (weights, emission) = _mixture.Maximize(current.Emission, stats);
        return CategoricalMixtureParameters.Own(weights, emission);
    }

    /// <inheritdoc/>
    public void Gradient(CategoricalMixtureParameters current, CategoricalMixtureStatistics stats, Span<double> gradient) =>
        _mixture.Gradient(current.Weights, current.Emission, stats, gradient);

    /// <inheritdoc/>
    public double CompleteDataLogLikelihood(CategoricalMixtureParameters theta, CategoricalMixtureParameters at, CategoricalMixtureStatistics stats, Span<double> gradient) =>
        _mixture.CompleteDataLogLikelihood(theta.Weights, theta.Emission, at.Emission, stats, gradient);

    /// <inheritdoc/>
    public void ToUnconstrained(CategoricalMixtureParameters theta, Span<double> eta) =>
        _mixture.ToUnconstrained(theta.Weights, theta.Emission, eta);

    /// <inheritdoc/>
    public CategoricalMixtureParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        var (weights, emission) = _mixture.FromUnconstrained(eta);
        return CategoricalMixtureParameters.Own(weights, emission);
    }

    /// <inheritdoc/>
    public void ToNatural(CategoricalMixtureParameters theta, Span<double> natural) =>
        _mixture.ToNatural(theta.Weights, theta.Emission, natural);

    /// <inheritdoc/>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out CategoricalMixtureParameters theta)
    {
        bool valid = _mixture.TryFromNatural(natural, out var weights, out var emission);
        theta = valid ? CategoricalMixtureParameters.Own(weights, emission) : null!;
        return valid;
    }
}
