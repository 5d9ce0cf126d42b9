using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>
/// Hidden Markov models (hmm) in the <see cref="ModelCatalog"/>: K states with an initial distribution δ, a transition
/// matrix Γ and emissions of a chosen kind (<see cref="HmmEmissionKind"/>; Gaussian by default). The rows are read
/// as sequences (a sequence-id column, or the whole data as one sequence); frequency weights are refused, since a row
/// of a sequence is one observation at one time.
/// </summary>
public sealed class HiddenMarkovFamily : ModelFamily
{
    private HiddenMarkovFamily()
    {
    }

    /// <summary>The one instance.</summary>
    public static HiddenMarkovFamily Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "hmm";

    /// <inheritdoc/>
    public override string Title => "hidden Markov model";

    /// <inheritdoc/>
    public override string Description => "hidden Markov model with Gaussian or Poisson emissions";

    /// <inheritdoc/>
    public override IReadOnlySet<ModelSetting> Settings { get; } =
        new HashSet<ModelSetting> { ModelSetting.Emission, ModelSetting.Covariance, ModelSetting.Regularization };

    /// <inheritdoc/>
    public override string ParameterField => "transition";

    /// <inheritdoc/>
    /// <remarks>No Xu–Jordan check: its P(θ) is derived for mixtures (Xu &amp; Jordan 1996).</remarks>
    public override IReadOnlySet<ModelCheck> Checks { get; } =
        new HashSet<ModelCheck> { ModelCheck.FisherIdentity, ModelCheck.EmMonotonicity, ModelCheck.ConvergenceRate };

    /// <inheritdoc/>
    public override string CanonicalChoice(ModelSetting setting, string name) => setting switch
    {
        ModelSetting.Covariance => GaussianHmmEmission.ParseStructure(name).Name,
        ModelSetting.Emission => HmmEmissionKind.Canonical(name),
        _ => base.CanonicalChoice(setting, name),
    };

    /// <inheritdoc/>
    /// <exception cref="SettingException">The data carry frequency weights, the emission asked for is not the start file's, or a setting does not apply to the emission.</exception>
    public override HiddenMarkovSpecification Create(ModelSettings settings) => Create(settings, settings.StartFile is { } path ? HmmJson.ReadFile(path) : null);

    /// <inheritdoc/>
    /// <remarks>An unknown emission reads numbers here; making the specification then refuses it with its message.</remarks>
    public override bool ReadsCategories(string? emission, string? startFile)
    {
        string? name = emission ?? (startFile is null ? null : HmmJson.ReadFile(startFile).Emission);
        return name is not null && HmmEmissionKind.Names.Contains(name, StringComparer.OrdinalIgnoreCase) && HmmEmissionKind.ReadsCategories(name);
    }

    /// <summary>
    /// The model in the file <paramref name="path"/> bound to <paramref name="settings"/>' data, for decoding
    /// (<see cref="HiddenMarkovSpecification.Decode"/>); its emission and K are the file's.
    /// </summary>
    /// <exception cref="Data.DataFormatException">The file is not a hidden Markov model's, or does not fit the data.</exception>
    public HiddenMarkovSpecification ReadModel(string path, ModelSettings settings)
    {
        var file = HmmJson.ReadFile(path);
        if (file.Emission is null)
        {
            throw new Data.DataFormatException($"{path}: missing property \"emission\" (one of: {string.Join(", ", HmmEmissionKind.Names)})", path);
        }

        return Create(settings with { StartFile = path, Emission = null, Components = null }, file);
    }

    private HiddenMarkovSpecification Create(ModelSettings settings, HmmFile? file)
    {
        if (settings.Data.RowWeights is not null)
        {
            throw new SettingException(
                $"a hidden Markov model takes no frequency weights: a row of a sequence is one observation at one time, so a row cannot stand for several; leave the weights out of {settings.Data.Source}",
                FitSetting.Weights);
        }

        string? asked = settings.Emission is { } name ? HmmEmissionKind.Canonical(name) : null;
        string? inFile = file?.Emission is { } stated ? Canonical(stated, file.Source) : null;
        if (asked is not null && inFile is not null && asked != inFile)
        {
            throw new SettingException(
                $"{settings.StartFile} holds a hidden Markov model with {inFile} emissions, but {asked} emissions were asked for; leave the emission out to fit the file's, or give a start file with {asked} emissions",
                FitSetting.Emission,
                FitSetting.Start);
        }

        var kind = HmmEmissionKind.Bind(asked ?? inFile ?? HmmEmissionKind.Names[0], settings);
        return kind.CreateSpecification(settings.Data, Components(settings, file?.States), settings, file);
    }

    private static string Canonical(string emission, string source)
    {
        try
        {
            return HmmEmissionKind.Canonical(emission);
        }
        catch (SettingException e)
        {
            throw new Data.DataFormatException($"{source}: emission: {e.Message}", source);
        }
    }
}
