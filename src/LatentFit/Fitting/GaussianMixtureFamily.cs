using LatentFit.Models.Gaussian;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>The Gaussian mixture (gmm) in the <see cref="ModelCatalog"/>.</summary>
public sealed class GaussianMixtureFamily : ModelFamily
{
    private static readonly string[] CovarianceNames = ["full", "tied", "diag", "spherical"];

    private GaussianMixtureFamily()
    {
    }

    /// <summary>The one instance.</summary>
    public static GaussianMixtureFamily Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "gmm";

    /// <inheritdoc/>
    public override string Title => "Gaussian mixture";

    /// <inheritdoc/>
    public override string Description => "Gaussian mixture";

    /// <inheritdoc/>
    public override IReadOnlySet<ModelSetting> Settings { get; } =
        new HashSet<ModelSetting> { ModelSetting.Covariance, ModelSetting.Regularization, ModelSetting.InitializationMethod, ModelSetting.SinglePrecision };

    /// <inheritdoc/>
    public override string ParameterField => "means";

    /// <inheritdoc/>
    public override IReadOnlySet<ModelCheck> Checks { get; } =
        new HashSet<ModelCheck> { ModelCheck.FisherIdentity, ModelCheck.XuJordan, ModelCheck.EmMonotonicity, ModelCheck.ConvergenceRate };

    /// <inheritdoc/>
    public override string CanonicalChoice(ModelSetting setting, string name) => setting switch
    {
        ModelSetting.Covariance => Structure(name).Name,
        ModelSetting.InitializationMethod => GaussianMixtureSpecification.MethodLabel(Method(name)),
        _ => base.CanonicalChoice(setting, name),
    };

    /// <inheritdoc/>
    public override ModelSpecification Create(ModelSettings settings)
    {
        var structure = settings.Covariance is { } name ? Structure(name) : FullCovariance.Instance;
        var start = settings.StartFile is { } path ? GaussianMixtureParameterReader.ReadFile(path, structure) : null;
        if (start is not null && start.Dimension != settings.Data.Dimension)
        {
            throw new SettingException(
                $"{settings.StartFile} has means of dimension {start.Dimension}, but the data have {settings.Data.Dimension} columns ({string.Join(", ", settings.Data.ColumnNames)})",
                FitSetting.Start,
                FitSetting.Columns);
        }

        return new GaussianMixtureSpecification(new GaussianMixtureFitSettings
        {
            Data = settings.Data,
            Components = Components(settings, start?.Components),
            Structure = structure,
            Regularization = settings.Regularization,
            Initialization = settings.InitializationMethod is { } method ? Method(method) : null,
            Seed = settings.Seed,
            Restarts = settings.Restarts,
            Start = start,
            Execution = settings.Execution ?? Execution.ExecutionOptions.Default,
        });
    }

    private static CovarianceStructure Structure(string name) =>
        CovarianceStructure.TryParse(name, out var structure)
            ? structure
            : throw new SettingException($"unknown covariance structure \"{name}\"; choose one of: {string.Join(", ", CovarianceNames)}", FitSetting.Covariance);

    private static InitializationMethod Method(string name) => name.ToLowerInvariant() switch
    {
        "kmeans++" or "kmeans" => InitializationMethod.KMeansPlusPlus,
        "random" => InitializationMethod.RandomResponsibilities,
        "hc" => InitializationMethod.Hierarchical,
        _ => throw new SettingException($"unknown initialisation method \"{name}\"; choose one of: kmeans++, random, hc", FitSetting.InitializationMethod),
    };
}
