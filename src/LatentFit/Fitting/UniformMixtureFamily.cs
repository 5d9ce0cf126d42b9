using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>
/// The uniform mixture (uniform-mixture) in the <see cref="ModelCatalog"/>: the model where Fisher's identity fails, so
/// EM-type methods run and gradient-based ones refuse it. It takes none of the family-specific settings.
/// </summary>
public sealed class UniformMixtureFamily : ModelFamily
{
    private UniformMixtureFamily()
    {
    }

    /// <summary>The one instance.</summary>
    public static UniformMixtureFamily Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "uniform-mixture";

    /// <inheritdoc/>
    public override string Title => "uniform mixture";

    /// <inheritdoc/>
    public override string Description => "mixture of uniform intervals on one column (no gradient: the support depends on θ)";

    /// <inheritdoc/>
    public override IReadOnlySet<ModelSetting> Settings { get; } = new HashSet<ModelSetting>();

    /// <inheritdoc/>
    public override string ParameterField => "lower";

    /// <inheritdoc/>
    /// <remarks>No Fisher check (there is no gradient to check) and no rate (no gradient to find the maximum precisely); check shows instead how ∇Q(θ | θ) differs from differences of ℓ.</remarks>
    public override IReadOnlySet<ModelCheck> Checks { get; } = new HashSet<ModelCheck> { ModelCheck.EmMonotonicity };

    /// <inheritdoc/>
    public override ModelSpecification Create(ModelSettings settings)
    {
        var start = settings.StartFile is { } path ? UniformMixtureJson.ReadFile(path) : null;
        return new UniformMixtureSpecification(settings.Data, Components(settings, start?.Components), settings.Seed, settings.Restarts, start, settings.Execution);
    }
}
