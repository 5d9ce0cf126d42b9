using System.Globalization;
using LatentFit.Diagnostics;
using LatentFit.Fitting;
using LatentFit.Models.Abstractions;
using LatentFit.Optimization.Abstractions;
using LatentFit.Serialization;

namespace LatentFit.Cli.Commands;

/// <summary>What <c>fit</c> reports after the optimiser: the fit (polished to the maximum when standard errors are computed), the standard errors or why there are none, the Newton polish, and the warnings.</summary>
/// <param name="Fit">The fit; its result's η and ℓ are the polished ones when the polish ran and raised ℓ.</param>
/// <param name="StandardErrors">The standard errors, or null.</param>
/// <param name="StandardErrorNote">Why there are none, or null.</param>
/// <param name="Maximum">The Newton polish, when it ran.</param>
/// <param name="Warnings">Problems of the fit, worded for people.</param>
internal sealed record FitConclusion(ModelFit Fit, StandardErrorReport? StandardErrors, string? StandardErrorNote, MaximumPolishReport? Maximum, IReadOnlyList<FitWarning> Warnings)
{
    /// <summary>
    /// Standard errors only at a maximum: after a converged run, Newton steps from where the optimiser stopped
    /// (<see cref="MaximumPolish"/>); after a run that did not converge, none are taken (the user asked for that
    /// point), and the errors are marked approximate. The findings of <see cref="ModelSpecification.Findings"/> become warnings.
    /// </summary>
    public static FitConclusion Make(ModelSpecification specification, ModelFit fit, string errorsChoice, int parameterLimit)
    {
        var problem = fit.Problem;
        var result = fit.Result;
        var warnings = new List<FitWarning>();
        StandardErrorReport? standardErrors = null;
        string? note = null;
        MaximumPolishReport? maximum = null;
        bool affordable = problem.ParameterCount <= parameterLimit;
        if (errorsChoice == "yes" || (errorsChoice == "auto" && affordable && problem.GradientSupport.IsExact))
        {
            try
            {
                if (problem.GradientSupport.IsExact)
                {
                    maximum = MaximumPolish.Run(problem, result.Parameters, result.LogLikelihood, result.Converged ? MaximumPolish.MaximumSteps : 0);
                    if (maximum.Steps > 0 && maximum.LogLikelihood >= result.LogLikelihood)
                    {
                        fit = fit with { Result = result with { Parameters = maximum.Parameters, LogLikelihood = maximum.LogLikelihood } };
                        result = fit.Result;
                    }
                }

                standardErrors = Diagnostics.StandardErrors.Compute(problem, result.Parameters);
                if (maximum is { AtMaximum: false })
                {
                    warnings.Add(new FitWarning(null, $"the standard errors are approximate: {(result.Converged ? string.Empty : "the run did not converge, so no Newton steps were taken; ")}{maximum.Failure}"));
                }
            }
            catch (ModelFailureException e)
            {
                note = $"no standard errors: {SettingFlags.Describe(e)}";
            }
        }
        else if (errorsChoice == "auto")
        {
            note = problem.GradientSupport.IsExact
                ? $"standard errors skipped: with {problem.ParameterCount} parameters the Hessian would cost {(problem.HasAnalyticHessian ? "O(P²) per row and component" : $"{2 * problem.ParameterCount} passes")} (--standard-errors yes to compute them)"
                : $"no standard errors: they come from the curvature of ℓ at a smooth maximum, and this model has no gradient of ℓ ({problem.GradientSupport.Reason})";
        }

        warnings.InsertRange(0, specification.Findings(problem, result.Parameters).Select(f => new FitWarning(f, Word(f))));
        return new FitConclusion(fit, standardErrors, note, maximum, warnings);
    }

    /// <summary>
    /// One line with the estimated distance from where the optimiser stopped to the value it was converging to: Aitken's
    /// ℓ∞ − ℓ from its last values of ℓ, else the Newton decrement ½gᵀI⁻¹g where the polish computed it, else "unknown".
    /// </summary>
    public string GapLine()
    {
        var culture = CultureInfo.InvariantCulture;
        if (Fit.Result.EstimatedGap is { } gap)
        {
            return string.Create(culture, $"estimated distance to the maximum where the optimiser stopped: ℓ∞ − ℓ = {gap:0.0e+00} (Aitken's extrapolation of its last values of ℓ)");
        }

        return Maximum is { } m && double.IsFinite(m.StartGainEstimate)
            ? string.Create(culture, $"estimated distance to the maximum where the optimiser stopped: {m.StartGainEstimate:0.0e+00} (½gᵀI⁻¹g, the Newton decrement; its last values of ℓ gave no Aitken estimate)")
            : "estimated distance to the maximum where the optimiser stopped: unknown (its last values of ℓ gave no Aitken estimate: increments not both positive, or not yet slowing)";
    }

    /// <summary>One line on how far from the maximum the optimiser stopped and what the polish did; null when there is nothing to say.</summary>
    public string? MaximumLine()
    {
        if (Maximum is not { } m || !double.IsFinite(m.StartGainEstimate) || m.Steps == 0)
        {
            return null;
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"the optimiser stopped at ℓ = {m.StartLogLikelihood:F6}, an estimated {m.StartGainEstimate:0.0e+00} below the maximum (½gᵀI⁻¹g, the Newton decrement); {m.Steps} Newton step{(m.Steps == 1 ? string.Empty : "s")} took it to ℓ = {m.LogLikelihood:F6}{(m.AtMaximum ? string.Empty : " (not verified as the maximum)")}, where the standard errors are computed");
    }

    private static string Word(FitFinding finding)
    {
        var culture = CultureInfo.InvariantCulture;
        string component = finding.Component is { } k ? (k + 1).ToString(culture) : string.Empty;
        return finding.Kind switch
        {
            FitFindingKind.ConstantColumn => string.Create(culture, $"column \"{finding.ColumnName}\" is constant ({finding.Value:G6} in every row): a Gaussian's variance along it is only --reg-covar, which then sets the log-likelihood; leave the column out with --columns"),
            FitFindingKind.ComponentOnFewRows => string.Create(culture, $"component {component} rests on {finding.Value:G3} observations (weight × N), too few for its covariance: --reg-covar alone keeps it from collapsing, and ℓ grows without bound as that goes to 0; fit fewer components"),
            FitFindingKind.VarianceAtFloor => string.Create(culture, $"component {component}'s variance along column \"{finding.ColumnName}\" is {finding.Value:G3}, at most twice --reg-covar ({finding.Floor:G3}): the regularisation, not the data, sets it"),
            FitFindingKind.AllVariancesAtFloor => string.Create(culture, $"every variance of every component is at most twice --reg-covar ({finding.Value:G3}): the fit describes the regularisation, not the data; rescale the data or lower --reg-covar"),
            _ => finding.Kind.ToString(),
        };
    }
}
