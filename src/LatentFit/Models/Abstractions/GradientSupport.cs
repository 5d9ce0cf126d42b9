namespace LatentFit.Models.Abstractions;

/// <summary>
/// Whether Fisher's identity ∇ℓ(θₜ) = ∇Q(θ | θₜ)|θ=θₜ holds for a model, so that the E-step statistics give the
/// gradient of the marginal log-likelihood (Balakrishnan, Wainwright &amp; Yu 2017, p. 82).
/// </summary>
/// <remarks>
/// The identity needs differentiation under the integral sign; it fails when a parameter moves the support
/// of the complete-data density (e.g. the endpoint of a uniform), and then the statistics give no gradient.
/// </remarks>
public sealed record GradientSupport
{
    private GradientSupport(bool isExact, string? reason)
    {
        IsExact = isExact;
        Reason = reason;
    }

    /// <summary>The identity holds; the gradient from the statistics is the exact ∇ℓ.</summary>
    public static GradientSupport Exact { get; } = new(true, null);

    /// <summary>The identity does not hold, for the stated reason.</summary>
    public static GradientSupport NotDefined(string reason) => new(false, reason);

    /// <summary>True when the model's gradient is the exact gradient of ℓ.</summary>
    public bool IsExact { get; }

    /// <summary>Why the gradient is not available; null when it is.</summary>
    public string? Reason { get; }
}

/// <summary>Thrown when an optimiser that needs ∇ℓ is given a model for which Fisher's identity does not hold.</summary>
public sealed class GradientNotDefinedException(string algorithm, string reason)
    : InvalidOperationException($"{algorithm} needs the gradient of the log-likelihood, but this model has none: {reason}. Use the EM algorithm (em) instead."), ISettingAdvice
{
    /// <inheritdoc/>
    public IReadOnlyList<FitSetting> Settings { get; } = [FitSetting.Algorithm];

    /// <summary>The optimiser that refused.</summary>
    public string Algorithm { get; } = algorithm;
}
