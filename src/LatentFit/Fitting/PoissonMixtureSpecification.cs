using System.Globalization;
using System.Text.Json;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>
/// A Poisson mixture fit. Without a fixed start, start 0 puts the rates at the weighted quantiles
/// (k − ½)/K of the counts (plus ½, so no rate is 0) with equal weights; start r &gt; 0 multiplies each of those
/// rates by a seeded random factor e^{0.5 z}, z ~ N(0, 1).
/// </summary>
public sealed class PoissonMixtureSpecification : ModelSpecification
{
    /// <summary>Validates the settings against the data (one column of counts).</summary>
    /// <exception cref="ArgumentException">K or the restarts do not fit the data, or the start has another K.</exception>
    /// <exception cref="DataFormatException">The data are not one column of non-negative integers.</exception>
    public PoissonMixtureSpecification(DataSet data, int components, int seed = 0, int restarts = 1, PoissonMixtureParameters? start = null, ExecutionOptions? execution = null)
        : base(data, components, seed, restarts, execution)
    {
        PoissonMixtureModel.ValidateData(data);
        if (start is not null && start.Components != components)
        {
            throw new ArgumentException($"the initial parameters have K={start.Components}, but the fit asks for K={components}");
        }

        Start = start;
        Model = new PoissonMixtureModel(components);
    }

    /// <summary>The fixed start, or null.</summary>
    public PoissonMixtureParameters? Start { get; }

    /// <summary>The model.</summary>
    public PoissonMixtureModel Model { get; }

    /// <inheritdoc/>
    public override ModelFamily Family => PoissonMixtureFamily.Instance;

    /// <inheritdoc/>
    public override string Description => $"Poisson mixture, K={Components}";

    /// <inheritdoc/>
    public override bool HasFixedStart => Start is not null;

    /// <inheritdoc/>
    public override FitProblem CreateProblem() => new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(Model, Data, Execution);

    /// <inheritdoc/>
    public override double[] InitialParameters(FitProblem problem, int restart) =>
        Typed(problem).ToUnconstrained(Start ?? QuantileStart(restart));

    /// <inheritdoc/>
    public override string StartMethod(int restart) => Start is not null ? "file" : restart == 0 ? "quantiles" : "perturbed quantiles";

    /// <inheritdoc/>
    public override string InitializationLabel => "quantiles";

    /// <inheritdoc/>
    public override void WriteDescription(Utf8JsonWriter json)
    {
    }

    /// <inheritdoc/>
    public override void WriteParameters(Utf8JsonWriter json, FitProblem problem, ReadOnlySpan<double> eta) =>
        PoissonMixtureJson.WriteParameters(json, Typed(problem).ToParameters(eta));

    /// <inheritdoc/>
    public override (string[] Headers, string[][] Rows) ParameterTable(FitProblem problem, ReadOnlySpan<double> eta)
    {
        var theta = Typed(problem).ToParameters(eta);
        var rows = Enumerable.Range(0, theta.Components).Select(k => new[]
        {
            (k + 1).ToString(CultureInfo.InvariantCulture),
            theta.Weights[k].ToString("F6", CultureInfo.InvariantCulture),
            theta.Rates[k].ToString("F6", CultureInfo.InvariantCulture),
        }).ToArray();
        return (["component", "weight", "rate"], rows);
    }

    private PoissonMixtureParameters QuantileStart(int restart)
    {
        int k = Components;
        return PoissonMixtureParameters.Create(Enumerable.Repeat(1.0 / k, k).ToArray(), QuantileRates(Data, k, Seed, restart, Execution));
    }

    /// <summary>
    /// The start's rates: the weighted quantiles (k − ½)/K of the counts plus ½ (so no rate is 0), and for restart
    /// r &gt; 0 each multiplied by a factor e^{0.5 z}, z ~ N(0, 1) seeded with <paramref name="seed"/> + r. A Poisson
    /// hidden Markov model starts its states' rates here too.
    /// </summary>
    internal static double[] QuantileRates(DataSet data, int k, int seed, int restart, ExecutionOptions execution)
    {
        var quantiles = WeightedQuantiles(data, execution, [.. Enumerable.Range(0, k).Select(j => (j + 0.5) / k)]);
        var rates = new double[k];
        for (int j = 0; j < k; j++)
        {
            rates[j] = quantiles[j] + 0.5 + 0.01 * j;
        }

        if (restart > 0)
        {
            var random = new Random(seed + restart);
            for (int j = 0; j < k; j++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                rates[j] *= Math.Exp(0.5 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }
        }

        return rates;
    }

    /// <summary>
    /// The weighted quantiles <paramref name="probabilities"/> of the first column (see <see cref="CountFrequencies.Quantiles"/>):
    /// the weighted frequency of each value, one pass on the backend, and the quantiles from the merged table.
    /// </summary>
    internal static double[] WeightedQuantiles(DataSet data, ExecutionOptions execution, IReadOnlyList<double> probabilities)
    {
        var partition = execution.Partition(data);
        var frequencies = execution.Backend.Reduce(data, partition, Range.All, execution.Threads, () => new CountFrequencies(), (_, rows, into) =>
        {
            for (int n = 0; n < rows.Rows; n++)
            {
                into.Add(rows[n, 0], rows.RowWeight(n));
            }
        });
        return frequencies.Quantiles(probabilities);
    }

    private static FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics> Typed(FitProblem problem) =>
        (FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>)problem;
}
