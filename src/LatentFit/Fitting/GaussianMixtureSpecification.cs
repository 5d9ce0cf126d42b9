using LatentFit.Data;
using System.Globalization;
using System.Text.Json;
using LatentFit.Diagnostics;
using LatentFit.Models.Gaussian;
using LatentFit.Objectives;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>A Gaussian mixture fit, from <see cref="GaussianMixtureFitSettings"/>.</summary>
public sealed class GaussianMixtureSpecification : ModelSpecification
{
    /// <summary>Validates the settings against the data.</summary>
    /// <exception cref="ArgumentException">K, the restarts or the fixed start do not fit the data.</exception>
    public GaussianMixtureSpecification(GaussianMixtureFitSettings settings)
        : base(settings.Data, settings.Components, settings.Seed, settings.Restarts, settings.Execution)
    {
        if (settings.Start is { } start && (start.Components != settings.Components || start.Dimension != settings.Data.Dimension || start.Structure != settings.Structure))
        {
            throw new ArgumentException(
                $"the initial parameters have K={start.Components}, D={start.Dimension}, {start.Structure.Name} covariances, but the fit asks for K={settings.Components}, D={settings.Data.Dimension}, {settings.Structure.Name}");
        }

        // Hathaway (1985): with a component per row each sits on one point, its covariance is only the regularisation,
        // and ℓ → ∞ as the regularisation → 0; the maximum describes the regularisation, not the data.
        if (settings.Components >= settings.Data.Rows)
        {
            throw new SettingException(
                $"K = {settings.Components} components for {settings.Data.Rows} rows of {settings.Data.Source}: each component would sit on a single row with a covariance that is only the regularisation (reg_covar), and the log-likelihood grows without bound as that goes to 0, so the fit would be meaningless; use fewer components than rows",
                FitSetting.Components);
        }

        DataScale.Require(settings.Data);
        Settings = settings;
        Model = new GaussianMixtureModel(settings.Components, settings.Data.Dimension, settings.Structure, settings.Regularization);
    }

    /// <summary>The settings.</summary>
    public GaussianMixtureFitSettings Settings { get; }

    /// <summary>The model.</summary>
    public GaussianMixtureModel Model { get; }

    /// <inheritdoc/>
    public override ModelFamily Family => GaussianMixtureFamily.Instance;

    /// <inheritdoc/>
    public override string Description => $"Gaussian mixture, K={Components}, {Settings.Structure.Name} covariances{(Data.Precision == Precision.Single ? ", single precision" : string.Empty)}";

    /// <inheritdoc/>
    public override bool HasFixedStart => Settings.Start is not null;

    /// <inheritdoc/>
    public override FitProblem CreateProblem() => new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(Model, Data, Execution);

    /// <inheritdoc/>
    public override double[] InitialParameters(FitProblem problem, int restart) =>
        Typed(problem).ToUnconstrained(GaussianMixtureFitter.InitialParameters(Settings, Model, restart));

    /// <inheritdoc/>
    public override string StartMethod(int restart) => Settings.Start is not null ? "file" : MethodLabel(Settings.MethodOfStart(restart));

    /// <inheritdoc/>
    public override FitProblem CreateExactProblem() =>
        new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(new GaussianMixtureModel(Components, Data.Dimension, Settings.Structure, regularization: 0), Data, Execution);

    /// <inheritdoc/>
    public override double[] RandomParameters(FitProblem problem) =>
        Typed(problem).ToUnconstrained(Settings.Start ?? GaussianMixtureDiagnostics.RandomParameters(Model, Data, Seed));

    /// <inheritdoc/>
    public override string RandomParametersDescription => "means at random rows, covariances the data covariance times random factors";

    /// <inheritdoc/>
    public override string? ExactProblemNote => "no covariance regularisation";

    /// <inheritdoc/>
    public override XuJordanReport? XuJordanCheck(FitProblem problem, ReadOnlySpan<double> eta) =>
        Diagnostics.XuJordanCheck.Run(Typed(problem).ToParameters(eta), Data, Execution);

    /// <inheritdoc/>
    public override IReadOnlyList<FitFinding> Findings(FitProblem problem, ReadOnlySpan<double> eta) =>
        FitHealth.Check(Data, Typed(problem).ToParameters(eta), Settings.Regularization, problem.Observations);

    /// <inheritdoc/>
    public override void WriteDescription(Utf8JsonWriter json)
    {
        json.WriteString("covariance", Settings.Structure.Name);
        json.WriteNumber("dimension", Data.Dimension);
        json.WriteNumber("regCovar", Settings.Regularization);
        json.WriteString("precision", Data.Precision == Precision.Single ? "single" : "double");
    }

    /// <inheritdoc/>
    public override void WriteParameters(Utf8JsonWriter json, FitProblem problem, ReadOnlySpan<double> eta) =>
        GaussianMixtureJson.WriteParameters(json, Typed(problem).ToParameters(eta));

    /// <inheritdoc/>
    public override (string[] Headers, string[][] Rows) ParameterTable(FitProblem problem, ReadOnlySpan<double> eta)
    {
        var theta = Typed(problem).ToParameters(eta);
        var full = theta.FullCovariances();
        int d = theta.Dimension;
        var rows = new string[theta.Components][];
        for (int k = 0; k < theta.Components; k++)
        {
            rows[k] =
            [
                (k + 1).ToString(CultureInfo.InvariantCulture),
                theta.Weights[k].ToString("F4", CultureInfo.InvariantCulture),
                string.Join(", ", theta.Mean(k).ToArray().Select(m => m.ToString("G6", CultureInfo.InvariantCulture))),
                string.Join(", ", Enumerable.Range(0, d).Select(i => full[k * d * d + i * d + i].ToString("G6", CultureInfo.InvariantCulture))),
            ];
        }

        return (["component", "weight", "mean", "variances"], rows);
    }

    /// <summary>A method's name on the command line and in reports.</summary>
    public static string MethodLabel(InitializationMethod method) => method switch
    {
        InitializationMethod.KMeansPlusPlus => "kmeans++",
        InitializationMethod.RandomResponsibilities => "random",
        InitializationMethod.Hierarchical => "hc",
        _ => method.ToString().ToLowerInvariant(),
    };

    private static FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics> Typed(FitProblem problem) =>
        (FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>)problem;
}
