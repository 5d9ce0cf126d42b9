using System.Globalization;
using System.Text.Json;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Categorical;
using LatentFit.Models.Emissions;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>
/// Categorical emissions of a hidden Markov model (the discrete HMM of Rabiner 1989): one column read as categories
/// (labels coded 0 … C − 1, <see cref="DataSet.Categories"/>), a probability per state and category. A model file stores
/// the labels with the probabilities (<c>categories</c>, <c>probabilities</c>); data fitted or decoded from a file are
/// coded against the file's labels, so that a label the file does not know is refused, naming its row.
/// </summary>
public sealed class CategoricalHmmEmission : HmmEmission<CategoricalEmissionParameters, CategoricalEmissionStatistics>
{
    private IReadOnlyList<string> _categories = [];

    /// <summary>Categorical emissions; they take no setting of their own.</summary>
    /// <exception cref="SettingException">A covariance structure was asked for.</exception>
    public CategoricalHmmEmission(ModelSettings settings)
    {
        if (settings.Covariance is { } covariance)
        {
            throw new SettingException($"a covariance structure ({covariance}) applies to Gaussian emissions, not to categorical ones; leave it out", FitSetting.Covariance, FitSetting.Emission);
        }
    }

    /// <inheritdoc/>
    public override string Name => "categorical";

    /// <inheritdoc/>
    public override string Description => $"categorical emissions over {_categories.Count} categories";

    /// <inheritdoc/>
    public override IReadOnlyList<string> TableHeaders => [.. _categories.Select(label => $"p({label})")];

    /// <inheritdoc/>
    /// <remarks>The data's one column must have been read as categories; with a start file, its codes are re-made against the file's labels.</remarks>
    public override DataSet Prepare(DataSet data, HmmFile? start)
    {
        if (data.Dimension != 1 || data.Categories(0) is null)
        {
            throw new DataFormatException(
                $"{data.Source}: categorical emissions need one column read as categories, got {data.Dimension} column{(data.Dimension == 1 ? string.Empty : "s")} ({string.Join(", ", data.ColumnNames)}); select one column",
                data.Source)
            {
                Settings = [FitSetting.Columns],
            };
        }

        if (start is not null)
        {
            var stored = CategoricalEmissionJson.Read(start.Root, start.Source, start.States);
            data = data.WithCategories(0, stored.Categories);
        }

        _categories = data.Categories(0)!;
        if (_categories.Count < 2)
        {
            throw new DataFormatException($"{data.Source}: column \"{data.ColumnNames[0]}\" holds one category ({_categories[0]}); categorical emissions need at least 2", data.Source, null, 1, data.ColumnNames[0]);
        }

        return data;
    }

    /// <inheritdoc/>
    public override void Validate(DataSet data) => new CategoricalEmissionFamily(1, _categories.Count, _categories).ValidateData(data);

    /// <inheritdoc/>
    public override IEmissionFamily<CategoricalEmissionParameters, CategoricalEmissionStatistics> CreateFamily(int states, int dimension, bool exact) =>
        new CategoricalEmissionFamily(states, _categories.Count, _categories);

    /// <inheritdoc/>
    /// <remarks>
    /// The pooled frequencies of the categories (plus ½ each, so none is 0), each state's row multiplied by its own
    /// seeded factors e^{z}, z ~ N(0, 1), and normalised: the states start apart (equal rows would be a stationary point
    /// of EM that it never leaves) and near the data.
    /// </remarks>
    public override CategoricalEmissionParameters Start(DataSet data, int states, int seed, int restart, ExecutionOptions execution)
    {
        int c = _categories.Count;
        var frequencies = new double[c];
        for (int n = 0; n < data.Rows; n++)
        {
            if (!data.IsMissing(n, 0))
            {
                frequencies[(int)data[n, 0]]++;
            }
        }

        var random = new Random(seed + restart);
        var probabilities = new double[states * c];
        for (int k = 0; k < states; k++)
        {
            for (int j = 0; j < c; j++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                double z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                probabilities[k * c + j] = (frequencies[j] + 0.5) * Math.Exp(z);
            }
        }

        return CategoricalEmissionParameters.Create(c, probabilities);
    }

    /// <inheritdoc/>
    public override string StartMethod(int restart) => "random";

    /// <inheritdoc/>
    public override CategoricalEmissionParameters Read(HmmFile file, DataSet data) =>
        CategoricalEmissionJson.Read(file.Root, file.Source, file.States).Parameters;

    /// <inheritdoc/>
    public override void WriteParameters(Utf8JsonWriter json, CategoricalEmissionParameters emission) =>
        CategoricalEmissionJson.WriteFields(json, _categories, emission);

    /// <inheritdoc/>
    public override IEnumerable<string> TableCells(CategoricalEmissionParameters emission, int state) =>
        [.. emission.Row(state).ToArray().Select(p => p.ToString("F6", CultureInfo.InvariantCulture))];
}
