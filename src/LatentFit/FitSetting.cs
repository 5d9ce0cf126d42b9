namespace LatentFit;

/// <summary>
/// A setting of a fit, named in the library's terms so that a message can point at it without knowing how a caller
/// spells it (the command line maps each to its option).
/// </summary>
public enum FitSetting
{
    /// <summary>The model family.</summary>
    Model,

    /// <summary>The columns of the data that are used.</summary>
    Columns,

    /// <summary>The number of components K.</summary>
    Components,

    /// <summary>The number of starts.</summary>
    Restarts,

    /// <summary>The seed of the starts.</summary>
    Seed,

    /// <summary>The fixed start (a model file).</summary>
    Start,

    /// <summary>The covariance structure.</summary>
    Covariance,

    /// <summary>The regularisation added to the variances (reg_covar).</summary>
    Regularization,

    /// <summary>The method that makes the starts.</summary>
    InitializationMethod,

    /// <summary>The floating-point precision of the data and kernels.</summary>
    Precision,

    /// <summary>The relative tolerance of the stopping rule.</summary>
    Tolerance,

    /// <summary>The fixed step of gradient-em.</summary>
    Step,

    /// <summary>The optimiser.</summary>
    Algorithm,

    /// <summary>The emission distribution of a hidden Markov model's states.</summary>
    Emission,

    /// <summary>The per-row frequency weights.</summary>
    Weights,
}

/// <summary>An error or advice that names the settings a caller can change to act on it.</summary>
public interface ISettingAdvice
{
    /// <summary>The settings the message refers to, in the order it names them.</summary>
    IReadOnlyList<FitSetting> Settings { get; }
}

/// <summary>A setting does not fit the data, the start or the model; the message says why in the library's terms.</summary>
/// <param name="message">What is wrong and what to do, in the library's terms.</param>
/// <param name="settings">The settings the message refers to.</param>
public sealed class SettingException(string message, params FitSetting[] settings) : ArgumentException(message), ISettingAdvice
{
    /// <inheritdoc/>
    public IReadOnlyList<FitSetting> Settings { get; } = settings;
}
