using LatentFit.Diagnostics;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.SecondOrder;

namespace LatentFit.Fitting;

/// <summary>The diagnostics of <c>latentfit check</c> for one model and data set.</summary>
/// <param name="Fisher">Gradient from the statistics against finite differences of ℓ, at a random θ; null when the model has no gradient.</param>
/// <param name="XuJordan">EM step against P(θ)∇ℓ at the same θ; for families whose <see cref="ModelFamily.Checks"/> list <see cref="ModelCheck.XuJordan"/>, else null.</param>
/// <param name="Monotonicity">ℓ along EM steps from that θ.</param>
/// <param name="Rate">Observed EM rate against the largest eigenvalue of the EM map's Jacobian at the optimum; null when there is no gradient to find the optimum precisely.</param>
/// <param name="OptimumLogLikelihood">ℓ at the optimum used for the rate, or NaN.</param>
/// <param name="RateFailure">Why the rate could not be measured (EM or Newton failed on the way to the maximum), or null.</param>
/// <param name="XuJordanFailure">Why the Xu–Jordan check could not be made (its EM step from θ collapsed a component), or null.</param>
/// <param name="VariableMetric">EM step against I_oc(θ)⁻¹∇ℓ at the same θ (information: they agree to first order only); null when not measured.</param>
/// <param name="VariableMetricFailure">Why the variable-metric comparison was not made, or null.</param>
/// <param name="SupportAtRandom">For a model without a gradient of ℓ (its support depends on θ): ∇Q(θ | θ) against one-sided differences of ℓ at the random θ; else null.</param>
/// <param name="SupportAtFixedPoint">The same at EM's fixed point from start 0, where the identity is expected to fail; else null.</param>
/// <param name="SupportFailure">Why that comparison could not be made, or null.</param>
public sealed record ModelDiagnosticsReport(FisherIdentityReport? Fisher, XuJordanReport? XuJordan, EmMonotonicityReport Monotonicity, ConvergenceRateReport? Rate, double OptimumLogLikelihood, string? RateFailure = null, string? XuJordanFailure = null, VariableMetricReport? VariableMetric = null, string? VariableMetricFailure = null, SupportBoundaryReport? SupportAtRandom = null, SupportBoundaryReport? SupportAtFixedPoint = null, string? SupportFailure = null)
{
    /// <summary>Tolerance of the Fisher check (relative).</summary>
    public const double FisherTolerance = 1e-6;

    /// <summary>Tolerance of the Xu–Jordan residuals (relative).</summary>
    public const double XuJordanTolerance = 1e-9;

    /// <summary>Tolerance of |observed rate − largest eigenvalue|.</summary>
    public const double RateTolerance = 1e-3;

    /// <summary>Whether every check that ran passed; the support comparison is information, since its failure is what such a model is expected to show.</summary>
    public bool Passed =>
        (Fisher?.Passed(FisherTolerance) ?? true)
        && (XuJordan?.Passed(XuJordanTolerance) ?? true)
        && Monotonicity.Passed
        && (Rate is null || Rate.Discrepancy <= RateTolerance);
}

/// <summary>Runs the diagnostics through a <see cref="ModelSpecification"/>, with the exact EM map (no regularisation).</summary>
public static class ModelDiagnostics
{
    /// <summary>Fisher, Xu–Jordan (where the family supports it), monotonicity from a random θ; the rate from start 0.</summary>
    public static ModelDiagnosticsReport Run(ModelSpecification specification, int emSteps = 100)
    {
        var problem = specification.CreateExactProblem();
        var eta = specification.RandomParameters(problem);
        var fisher = problem.GradientSupport.IsExact ? FisherIdentityCheck.Run(problem, eta) : null;
        XuJordanReport? xuJordan = null;
        string? xuJordanFailure = null;
        if (specification.Family.Checks.Contains(ModelCheck.XuJordan))
        {
            try
            {
                xuJordan = specification.XuJordanCheck(problem, eta);
            }
            catch (Models.Abstractions.ModelFailureException failure)
            {
                // The check compares one EM step with P(θ)∇ℓ; when that step has no M-step (a component with no
                // responsibility left) there is nothing to compare, which is a property of θ, not a failed identity.
                xuJordanFailure = $"EM's step from θ has no M-step: {failure.Message}";
            }
        }

        var monotonicity = EmMonotonicityCheck.Run(problem, eta, emSteps);
        var (variableMetric, variableMetricFailure) = VariableMetric(problem, eta);

        ConvergenceRateReport? rate = null;
        double optimumValue = double.NaN;
        string? rateFailure = null;
        if (problem.GradientSupport.IsExact)
        {
            try
            {
                // The rate is a property of the maximum EM converges to: find it precisely with Newton's method from
                // where EM from start 0 ends, then compare EM's observed rate from start 0 with DM's top eigenvalue.
                var start = specification.InitialParameters(problem, 0);
                var near = new Optimization.Em.ExpectationMaximizationOptimizer().Run(problem, start, new FitOptions { RelativeTolerance = 1e-10, MaxIterations = 100_000 });
                var optimum = new NewtonOptimizer().Run(problem, near.Parameters, new FitOptions { RelativeTolerance = 0, GradientTolerance = 1e-9 * Math.Max(1, problem.Observations), MaxIterations = 100 });
                optimumValue = optimum.LogLikelihood;
                rateFailure = specification.RateNotComparable(problem, optimum.Parameters);
                rate = rateFailure is null ? ConvergenceRate.Analyze(problem, start, optimum.Parameters) : null;
            }
            catch (Models.Abstractions.ModelFailureException failure)
            {
                // The other checks stand on their own; say why this one could not be made.
                rateFailure = failure.Message;
            }
        }

        var (atRandom, atFixedPoint, supportFailure) = problem.GradientSupport.IsExact || !problem.HasCompleteData
            ? (null, null, null)
            : SupportBoundary(specification, problem, eta);
        return new ModelDiagnosticsReport(fisher, xuJordan, monotonicity, rate, optimumValue, rateFailure, xuJordanFailure, variableMetric, variableMetricFailure, atRandom, atFixedPoint, supportFailure);
    }

    /// <summary>The variable-metric comparison at η, or why it cannot be made.</summary>
    private static (VariableMetricReport? Report, string? Failure) VariableMetric(FitProblem problem, double[] eta)
    {
        if (!problem.GradientSupport.IsExact)
        {
            return (null, $"the model has no gradient of ℓ from the E-step ({problem.GradientSupport.Reason})");
        }

        if (!problem.HasCompleteData)
        {
            return (null, "the model does not evaluate Q(θ | θₜ) away from θₜ, so it gives no complete-data information I_oc");
        }

        try
        {
            return (VariableMetricCheck.Run(problem, eta), null);
        }
        catch (Models.Abstractions.ModelFailureException failure)
        {
            // Like the Xu–Jordan check: no M-step or no positive definite I_oc at θ is a property of θ, not a failed identity.
            return (null, failure.Message);
        }
    }

    /// <summary>
    /// ∇Q(θ | θ) against one-sided differences of ℓ at the random θ and at the fixed point EM reaches from start 0 (run to
    /// a relative change of 1e-12), for a model whose support depends on θ (docs/theory.md, "Where Fisher's identity fails").
    /// </summary>
    private static (SupportBoundaryReport?, SupportBoundaryReport?, string?) SupportBoundary(ModelSpecification specification, FitProblem problem, double[] eta)
    {
        try
        {
            var atRandom = SupportBoundaryCheck.Run(problem, eta);
            var em = new Optimization.Em.ExpectationMaximizationOptimizer().Run(problem, specification.InitialParameters(problem, 0), new FitOptions { RelativeTolerance = 1e-12, MaxIterations = 100_000 });
            return (atRandom, SupportBoundaryCheck.Run(problem, em.Parameters), null);
        }
        catch (Models.Abstractions.ModelFailureException failure)
        {
            return (null, null, failure.Message);
        }
    }
}
