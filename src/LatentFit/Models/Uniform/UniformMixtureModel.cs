using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Uniform;

/// <summary>
/// A K-component mixture of uniforms p(x) = Σₖ πₖ 1[aₖ ≤ x ≤ bₖ] / (bₖ − aₖ) on one column: mixing weights and a
/// <see cref="UniformEmissionFamily"/>, composed by <see cref="MixtureOfEmissions{TEmission, TStatistics}"/>.
/// η = (log-ratio weights, a₁..a_K, log(b₁ − a₁)..log(b_K − a_K)). A row outside every interval has ℓ = −∞.
/// </summary>
/// <remarks>
/// The model where Fisher's identity fails (docs/theory.md, "Where Fisher's identity fails"): its E-step gives the EM
/// map, ℓ and Q(θ | θₜ) with ∇Q, but no gradient of ℓ, so every gradient-based optimiser refuses it
/// (<see cref="GradientSupport"/>). EM runs, with the weakness the family documents: endpoints only move inward.
/// </remarks>
public sealed class UniformMixtureModel :
    ILatentVariableModel<UniformMixtureParameters, UniformMixtureStatistics>,
    INaturalParameterization<UniformMixtureParameters>,
    ICompleteDataModel<UniformMixtureParameters, UniformMixtureStatistics>,
    IParameterScales<UniformMixtureParameters>,
    IPortableModel<UniformMixtureParameters>
{
    private readonly MixtureOfEmissions<UniformEmissionParameters, UniformEmissionStatistics> _mixture;

    /// <summary>A model with K components.</summary>
    public UniformMixtureModel(int components)
    {
        Emission = new UniformEmissionFamily(components);
        _mixture = new(Emission);
    }

    /// <summary>The components' emission family.</summary>
    public UniformEmissionFamily Emission { get; }

    /// <summary>K.</summary>
    public int Components => Emission.Components;

    /// <inheritdoc/>
    public int ParameterCount => _mixture.ParameterCount;

    /// <inheritdoc/>
    public GradientSupport GradientSupport { get; } = GradientSupport.NotDefined(UniformEmissionFamily.Reason);

    /// <inheritdoc/>
    public IReadOnlyList<string> NaturalParameterNames => _mixture.NaturalParameterNames;

    /// <inheritdoc/>
    /// <remarks>Kind <c>mixture</c>, with the emission family's recipe as <c>emission</c>.</remarks>
    public ModelRecipe Recipe => _mixture.Recipe;

    /// <inheritdoc/>
    /// <remarks>The K weights, then the emission family's values.</remarks>
    public double[] WriteParameters(UniformMixtureParameters theta) => _mixture.WriteParameters(theta.Weights, theta.Emission);

    /// <inheritdoc/>
    public UniformMixtureParameters ReadParameters(ReadOnlySpan<double> values)
    {
        var (weights, emission) = _mixture.ReadParameters(values);
        return UniformMixtureParameters.Own(weights, emission);
    }

    /// <summary>Checks that the data are one column of finite numbers.</summary>
    /// <exception cref="DataFormatException">Not one column, or a value that is not finite, naming its row and column.</exception>
    public static void ValidateData(DataSet data)
    {
        if (data.Dimension != 1)
        {
            throw new DataFormatException($"{data.Source}: a uniform mixture needs one column of numbers, got {data.Dimension} ({string.Join(", ", data.ColumnNames)}); select one column", data.Source)
            {
                Settings = [FitSetting.Columns],
            };
        }

        for (int n = 0; n < data.Rows; n++)
        {
            double x = data[n, 0];
            if (!double.IsFinite(x))
            {
                throw new DataFormatException($"{data.Source}: data row {n + 1}, column \"{data.ColumnNames[0]}\": {x} is not a finite number", data.Source, null, 1, data.ColumnNames[0]);
            }
        }
    }

    /// <inheritdoc/>
    public UniformMixtureStatistics CreateStatistics() => new(Components);

    /// <inheritdoc/>
    public void Accumulate(UniformMixtureParameters theta, DataBlock rows, UniformMixtureStatistics into) =>
        _mixture.Accumulate(theta.Weights, theta.Emission, rows, into);

    /// <inheritdoc/>
    public UniformMixtureParameters Maximize(UniformMixtureParameters current, UniformMixtureStatistics stats)
    {
        var (weights, emission) = _mixture.Maximize(current.Emission, stats);
        return UniformMixtureParameters.Own(weights, emission);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">Always: there is no gradient of ℓ from the E-step (<see cref="GradientSupport"/>).</exception>
    public void Gradient(UniformMixtureParameters current, UniformMixtureStatistics stats, Span<double> gradient) =>
        throw new InvalidOperationException(UniformEmissionFamily.Reason);

    /// <inheritdoc/>
    public double CompleteDataLogLikelihood(UniformMixtureParameters theta, UniformMixtureParameters at, UniformMixtureStatistics stats, Span<double> gradient) =>
        _mixture.CompleteDataLogLikelihood(theta.Weights, theta.Emission, at.Emission, stats, gradient);

    /// <inheritdoc/>
    public void ToUnconstrained(UniformMixtureParameters theta, Span<double> eta) =>
        _mixture.ToUnconstrained(theta.Weights, theta.Emission, eta);

    /// <inheritdoc/>
    public UniformMixtureParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        var (weights, emission) = _mixture.FromUnconstrained(eta);
        return UniformMixtureParameters.Own(weights, emission);
    }

    /// <inheritdoc/>
    public void ToNatural(UniformMixtureParameters theta, Span<double> natural) =>
        _mixture.ToNatural(theta.Weights, theta.Emission, natural);

    /// <inheritdoc/>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out UniformMixtureParameters theta)
    {
        bool valid = _mixture.TryFromNatural(natural, out var weights, out var emission);
        theta = valid ? UniformMixtureParameters.Own(weights, emission) : null!;
        return valid;
    }

    /// <inheritdoc/>
    public void Scales(UniformMixtureParameters theta, Span<double> scales) => _mixture.Scales(theta.Emission, scales);
}
