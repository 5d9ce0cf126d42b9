using LatentFit.Data;
using LatentFit.Execution;

namespace LatentFit.Fitting;

/// <summary>A setting that only some model families take; every family takes the data, K, seed, restarts, start and execution.</summary>
public enum ModelSetting
{
    /// <summary>The covariance structure of a Gaussian mixture (full, tied, diag, spherical).</summary>
    Covariance,

    /// <summary>The regularisation added to the variances in every M-step (scikit-learn's <c>reg_covar</c>).</summary>
    Regularization,

    /// <summary>The method that makes the starts (e.g. kmeans++, random, hc).</summary>
    InitializationMethod,

    /// <summary>Data and E-step kernels in single precision (float32).</summary>
    SinglePrecision,

    /// <summary>The emission distribution of a hidden Markov model's states (gaussian, poisson, categorical).</summary>
    Emission,
}

/// <summary>A diagnostic of <see cref="ModelDiagnostics"/> that a family supports.</summary>
public enum ModelCheck
{
    /// <summary>The gradient from the E-step statistics against finite differences of ℓ (Fisher's identity).</summary>
    FisherIdentity,

    /// <summary>The EM step against P(θ)∇ℓ with P positive definite (Xu &amp; Jordan 1996).</summary>
    XuJordan,

    /// <summary>ℓ never falls along EM steps (Dempster, Laird &amp; Rubin 1977).</summary>
    EmMonotonicity,

    /// <summary>EM's observed rate against the largest eigenvalue of the EM map's Jacobian.</summary>
    ConvergenceRate,
}

/// <summary>
/// What a user asks to fit, before a family turns it into a <see cref="ModelSpecification"/>. The family-specific
/// settings (<see cref="ModelSetting"/>) are read only by the families that take them; the caller refuses them for
/// the others (<see cref="ModelFamily.Accepts"/>).
/// </summary>
public sealed record ModelSettings
{
    /// <summary>The data.</summary>
    public required DataSet Data { get; init; }

    /// <summary>K; null takes it from <see cref="StartFile"/>, else 2.</summary>
    public int? Components { get; init; }

    /// <summary>Seed of start 0.</summary>
    public int Seed { get; init; }

    /// <summary>Number of starts.</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>A model file (the JSON a fit writes) whose parameters are the fixed start, or null.</summary>
    public string? StartFile { get; init; }

    /// <summary>E-step execution; null for the default.</summary>
    public ExecutionOptions? Execution { get; init; }

    /// <summary><see cref="ModelSetting.Covariance"/> by name; null for the family's default.</summary>
    public string? Covariance { get; init; }

    /// <summary><see cref="ModelSetting.Regularization"/>.</summary>
    public double Regularization { get; init; } = 1e-6;

    /// <summary><see cref="ModelSetting.InitializationMethod"/> by name; null for the family's default sequence.</summary>
    public string? InitializationMethod { get; init; }

    /// <summary><see cref="ModelSetting.Emission"/> by name; null for the start file's, else the family's default.</summary>
    public string? Emission { get; init; }
}

/// <summary>
/// One model family in the <see cref="ModelCatalog"/>: its name, the settings it takes, how its specification is made,
/// the field that marks its parameters in a model file, and the diagnostics it supports. The command line and the
/// reports work through this, so nothing outside a family's own files tests for a concrete model.
/// </summary>
public abstract class ModelFamily
{
    /// <summary>The name on the command line and in model files, e.g. gmm.</summary>
    public abstract string Name { get; }

    /// <summary>The family in words, e.g. "Gaussian mixture".</summary>
    public abstract string Title { get; }

    /// <summary>One line for a list of models.</summary>
    public abstract string Description { get; }

    /// <summary>The family-specific settings it takes.</summary>
    public abstract IReadOnlySet<ModelSetting> Settings { get; }

    /// <summary>The parameter field that marks a model file as this family's when the file does not say (e.g. means).</summary>
    public abstract string ParameterField { get; }

    /// <summary>The diagnostics of <see cref="ModelDiagnostics"/> it supports.</summary>
    public abstract IReadOnlySet<ModelCheck> Checks { get; }

    /// <summary>Whether it takes <paramref name="setting"/>.</summary>
    public bool Accepts(ModelSetting setting) => Settings.Contains(setting);

    /// <summary>The canonical name of a choice given by name (e.g. "diag" for a covariance), for comparing a file's with a user's.</summary>
    /// <exception cref="SettingException">The family does not take the setting, or the name is not one of its choices.</exception>
    public virtual string CanonicalChoice(ModelSetting setting, string name) =>
        throw new SettingException($"the {Title} ({Name}) takes no {setting} setting", FitSetting.Model);

    /// <summary>
    /// Whether the family reads its value columns as categories (labels) rather than numbers, for the emission asked for
    /// (<paramref name="emission"/>, or else the start file's): the data are loaded so before the specification is made.
    /// </summary>
    public virtual bool ReadsCategories(string? emission, string? startFile) => false;

    /// <summary>The specification of a fit with these settings (a start file is read here).</summary>
    /// <exception cref="ArgumentException">A setting does not fit the data or the start; the message says which.</exception>
    /// <exception cref="DataFormatException">The data or the start file cannot be used for this family.</exception>
    public abstract ModelSpecification Create(ModelSettings settings);

    /// <summary>K: the one asked for, else the start file's, else 2.</summary>
    /// <exception cref="SettingException">The K asked for disagrees with the start file's.</exception>
    protected static int Components(ModelSettings settings, int? fromStart)
    {
        if (fromStart is { } fixedK && settings.Components is { } k && k != fixedK)
        {
            throw new SettingException($"K = {k} components disagrees with the {fixedK} components in {settings.StartFile}", FitSetting.Components);
        }

        return settings.Components ?? fromStart ?? 2;
    }
}
