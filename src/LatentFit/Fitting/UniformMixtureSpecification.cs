using System.Globalization;
using System.Text.Json;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Uniform;
using LatentFit.Objectives;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>
/// A uniform mixture fit. Without a fixed start, start 0 gives component k the window between the weighted quantiles
/// (k − 1 − ½)/K and (k + ½)/K of the data (clipped to the minimum and the maximum), with equal weights: K overlapping
/// windows, each reaching half a window into its neighbours, that cover every row. Start r &gt; 0 draws each overlap
/// (seeded) between 0.1 and 0.9 of a window. The windows are wide on purpose: EM can shrink an interval to its data but
/// never widen it (<see cref="UniformEmissionFamily"/>), so a start narrower than the maximum stays narrower.
/// </summary>
public sealed class UniformMixtureSpecification : ModelSpecification
{
    /// <summary>Validates the settings against the data (one column of finite numbers).</summary>
    /// <exception cref="ArgumentException">K or the restarts do not fit the data, the start has another K, or the start leaves a row outside every interval.</exception>
    /// <exception cref="DataFormatException">The data are not one column of finite numbers.</exception>
    public UniformMixtureSpecification(DataSet data, int components, int seed = 0, int restarts = 1, UniformMixtureParameters? start = null, ExecutionOptions? execution = null)
        : base(data, components, seed, restarts, execution)
    {
        UniformMixtureModel.ValidateData(data);
        if (start is not null && start.Components != components)
        {
            throw new ArgumentException($"the initial parameters have K={start.Components}, but the fit asks for K={components}");
        }

        Start = start;
        Model = new UniformMixtureModel(components);
    }

    /// <summary>The fixed start, or null.</summary>
    public UniformMixtureParameters? Start { get; }

    /// <summary>The model.</summary>
    public UniformMixtureModel Model { get; }

    /// <inheritdoc/>
    public override ModelFamily Family => UniformMixtureFamily.Instance;

    /// <inheritdoc/>
    public override string Description => $"uniform mixture, K={Components}";

    /// <inheritdoc/>
    public override bool HasFixedStart => Start is not null;

    /// <inheritdoc/>
    public override FitProblem CreateProblem() => new FitProblem<UniformMixtureParameters, UniformMixtureStatistics>(Model, Data, Execution);

    /// <inheritdoc/>
    public override double[] InitialParameters(FitProblem problem, int restart) =>
        Typed(problem).ToUnconstrained(Start ?? WindowStart(restart, widen: false));

    /// <inheritdoc/>
    public override string StartMethod(int restart) => Start is not null ? "file" : restart == 0 ? "quantile windows" : "random quantile windows";

    /// <inheritdoc/>
    public override string InitializationLabel => HasFixedStart ? "file" : "quantile windows";

    /// <inheritdoc/>
    public override string RandomParametersDescription => "random quantile windows, each endpoint moved outward by a random fraction of the data's range, so no endpoint is on a data point";

    /// <inheritdoc/>
    /// <remarks>
    /// Widened windows: at start 1's endpoints (data points) Fisher's identity fails and EM's first step would already be
    /// at its fixed point; from wider windows the monotonicity check sees EM shrink them.
    /// </remarks>
    public override double[] RandomParameters(FitProblem problem) =>
        Typed(problem).ToUnconstrained(Start ?? WindowStart(1, widen: true));

    /// <inheritdoc/>
    public override void WriteDescription(Utf8JsonWriter json)
    {
    }

    /// <inheritdoc/>
    public override void WriteParameters(Utf8JsonWriter json, FitProblem problem, ReadOnlySpan<double> eta) =>
        UniformMixtureJson.WriteParameters(json, Typed(problem).ToParameters(eta));

    /// <inheritdoc/>
    public override (string[] Headers, string[][] Rows) ParameterTable(FitProblem problem, ReadOnlySpan<double> eta)
    {
        var theta = Typed(problem).ToParameters(eta);
        var rows = Enumerable.Range(0, theta.Components).Select(k => new[]
        {
            (k + 1).ToString(CultureInfo.InvariantCulture),
            theta.Weights[k].ToString("F6", CultureInfo.InvariantCulture),
            theta.Lower[k].ToString("G8", CultureInfo.InvariantCulture),
            theta.Upper[k].ToString("G8", CultureInfo.InvariantCulture),
        }).ToArray();
        return (["component", "weight", "lower", "upper"], rows);
    }

    /// <summary>
    /// The quantile windows of start <paramref name="restart"/>; with <paramref name="widen"/> each endpoint is then moved
    /// outward by a seeded random fraction (up to a tenth) of the data's range.
    /// </summary>
    /// <exception cref="ModelFailureException">A window holds a single distinct value (too few distinct values for K components).</exception>
    private UniformMixtureParameters WindowStart(int restart, bool widen)
    {
        int k = Components;
        var random = new Random(Seed + restart);
        var probabilities = new double[2 * k];
        for (int j = 0; j < k; j++)
        {
            double below = restart == 0 ? 0.5 : 0.1 + 0.8 * random.NextDouble();
            double above = restart == 0 ? 0.5 : 0.1 + 0.8 * random.NextDouble();
            probabilities[j] = Math.Max(0, (j - below) / k);
            probabilities[k + j] = Math.Min(1, (j + 1 + above) / k);
        }

        // The first window starts at the minimum and the last ends at the maximum, whatever the draws.
        probabilities[0] = 0;
        probabilities[2 * k - 1] = 1;
        var quantiles = PoissonMixtureSpecification.WeightedQuantiles(Data, Execution, probabilities);
        var lower = quantiles[..k];
        var upper = quantiles[k..];
        double range = upper[k - 1] - lower[0];
        for (int j = 0; j < k; j++)
        {
            if (!(upper[j] > lower[j]))
            {
                throw new ModelFailureException(
                    $"the start's window for component {j + 1} holds the single value {lower[j].ToString("G6", CultureInfo.InvariantCulture)}: the data have too few distinct values for {k} uniform components. Reduce the number of components.",
                    FitSetting.Components);
            }

            if (widen)
            {
                lower[j] -= 0.1 * range * random.NextDouble();
                upper[j] += 0.1 * range * random.NextDouble();
            }
        }

        return UniformMixtureParameters.Create(Enumerable.Repeat(1.0 / k, k).ToArray(), lower, upper);
    }

    private static FitProblem<UniformMixtureParameters, UniformMixtureStatistics> Typed(FitProblem problem) =>
        (FitProblem<UniformMixtureParameters, UniformMixtureStatistics>)problem;
}
