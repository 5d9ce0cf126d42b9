using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>The Poisson mixture of counts (poisson) in the <see cref="ModelCatalog"/>; it takes none of the family-specific settings.</summary>
public sealed class PoissonMixtureFamily : ModelFamily
{
    private PoissonMixtureFamily()
    {
    }

    /// <summary>The one instance.</summary>
    public static PoissonMixtureFamily Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "poisson";

    /// <inheritdoc/>
    public override string Title => "Poisson mixture";

    /// <inheritdoc/>
    public override string Description => "Poisson mixture of counts";

    /// <inheritdoc/>
    public override IReadOnlySet<ModelSetting> Settings { get; } = new HashSet<ModelSetting>();

    /// <inheritdoc/>
    public override string ParameterField => "rates";

    /// <inheritdoc/>
    public override IReadOnlySet<ModelCheck> Checks { get; } =
        new HashSet<ModelCheck> { ModelCheck.FisherIdentity, ModelCheck.EmMonotonicity, ModelCheck.ConvergenceRate };

    /// <inheritdoc/>
    public override ModelSpecification Create(ModelSettings settings)
    {
        var start = settings.StartFile is { } path ? PoissonMixtureJson.ReadFile(path) : null;
        return new PoissonMixtureSpecification(settings.Data, Components(settings, start?.Components), settings.Seed, settings.Restarts, start, settings.Execution);
    }
}
