using System.Globalization;
using System.Text.Json;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Emissions;
using LatentFit.Models.Poisson;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>
/// Poisson emissions of a hidden Markov model (Zucchini &amp; MacDonald 2016, ch. 3): one column of counts, a rate per
/// state. Starts put the rates at the quantiles of the pooled counts, as the Poisson mixture's do
/// (<see cref="PoissonMixtureSpecification"/>); file fields: <c>rates</c>.
/// </summary>
public sealed class PoissonHmmEmission : HmmEmission<PoissonEmissionParameters, PoissonEmissionStatistics>
{
    /// <summary>Poisson emissions; they take no setting of their own.</summary>
    /// <exception cref="SettingException">A covariance structure was asked for.</exception>
    public PoissonHmmEmission(ModelSettings settings)
    {
        if (settings.Covariance is { } covariance)
        {
            throw new SettingException($"a covariance structure ({covariance}) applies to Gaussian emissions, not to Poisson ones; leave it out", FitSetting.Covariance, FitSetting.Emission);
        }
    }

    /// <inheritdoc/>
    public override string Name => "poisson";

    /// <inheritdoc/>
    public override string Description => "Poisson emissions";

    /// <inheritdoc/>
    public override IReadOnlyList<string> TableHeaders { get; } = ["rate"];

    /// <inheritdoc/>
    public override void Validate(DataSet data) => PoissonMixtureModel.ValidateData(data);

    /// <inheritdoc/>
    public override IEmissionFamily<PoissonEmissionParameters, PoissonEmissionStatistics> CreateFamily(int states, int dimension, bool exact) => new PoissonEmissionFamily(states);

    /// <inheritdoc/>
    public override PoissonEmissionParameters Start(DataSet data, int states, int seed, int restart, ExecutionOptions execution) =>
        PoissonMixtureParameters.Create([.. Enumerable.Repeat(1.0 / states, states)], PoissonMixtureSpecification.QuantileRates(data, states, seed, restart, execution)).Emission;

    /// <inheritdoc/>
    public override string StartMethod(int restart) => restart == 0 ? "quantiles" : "perturbed quantiles";

    /// <inheritdoc/>
    public override PoissonEmissionParameters Read(HmmFile file, DataSet data) => HmmJson.PoissonEmission(file);

    /// <inheritdoc/>
    public override void WriteParameters(Utf8JsonWriter json, PoissonEmissionParameters emission) => PoissonMixtureJson.WriteRates(json, emission);

    /// <inheritdoc/>
    public override IEnumerable<string> TableCells(PoissonEmissionParameters emission, int state) => [emission.Rates[state].ToString("F6", CultureInfo.InvariantCulture)];
}
