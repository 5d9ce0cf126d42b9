namespace LatentFit.Models.Abstractions;

/// <summary>
/// A fit cannot go on at the current parameters for a numerical reason (not a bug, not bad input); the
/// message says what happened and what the user can do about it, in the library's terms, and
/// <see cref="Settings"/> names the settings it advises changing.
/// </summary>
/// <param name="message">What happened and what to do.</param>
/// <param name="settings">The settings the advice names.</param>
public class ModelFailureException(string message, params FitSetting[] settings) : Exception(message), ISettingAdvice
{
    /// <inheritdoc/>
    public IReadOnlyList<FitSetting> Settings { get; } = settings;
}

/// <summary>A mixture component's total responsibility Σₙ rₙₖ has fallen to (nearly) zero.</summary>
public sealed class ComponentCollapsedException(int component, double totalResponsibility, double observations)
    : ModelFailureException(
        $"component {component + 1} collapsed: its total responsibility fell to {totalResponsibility:G3} of {observations:G6} observations. " +
        "Reduce the number of components, try other starts (more restarts, another seed), or choose another initialisation.",
        FitSetting.Components,
        FitSetting.Restarts,
        FitSetting.Seed,
        FitSetting.InitializationMethod)
{
    /// <summary>Zero-based index of the component.</summary>
    public int Component { get; } = component;

    /// <summary>Σₙ rₙₖ at the failure.</summary>
    public double TotalResponsibility { get; } = totalResponsibility;
}

/// <summary>
/// Parameters that are numerically invalid for the model (a covariance that is not positive definite, a variance
/// below the floor): model-neutral, so that the objective and line searches treat such a point as ℓ = −∞ without
/// knowing the model.
/// </summary>
public class InvalidParametersException(string message, params FitSetting[] settings) : ModelFailureException(message, settings);

/// <summary>A covariance matrix is not numerically positive definite.</summary>
public sealed class SingularCovarianceException(int component, string context)
    : InvalidParametersException(
        $"the covariance of component {component + 1} is not positive definite ({context}): it is singular, or the component has collapsed onto fewer points than dimensions. " +
        "Increase the regularisation (reg_covar), scale the data, or reduce the number of components.",
        FitSetting.Regularization,
        FitSetting.Components)
{
    /// <summary>Zero-based index of the component (0 for a tied covariance).</summary>
    public int Component { get; } = component;
}
