using LatentFit.Models.Abstractions;
using LatentFit.Numerics;
using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>Result of <see cref="VariableMetricCheck"/>, in the unconstrained coordinates η.</summary>
/// <param name="Residual">‖Δ_EM − I_oc⁻¹∇ℓ‖₂ / ‖Δ_EM‖₂, Δ_EM = M(η) − η the EM step.</param>
/// <param name="EmStepNorm">‖Δ_EM‖₂: the residual is O(‖Δ_EM‖), so it is small only where the step is.</param>
/// <param name="GradientStepNorm">‖I_oc⁻¹∇ℓ‖₂, the EM gradient step (Lange 1995).</param>
public sealed record VariableMetricReport(double Residual, double EmStepNorm, double GradientStepNorm);

/// <summary>
/// The variable-metric view of EM: the EM step is, to first order, a gradient step with metric I_oc(θ)⁻¹,
/// M(θ) − θ = I_oc(θ)⁻¹∇ℓ(θ) + O(‖M(θ) − θ‖²) (Dempster, Laird &amp; Rubin 1977, §3; Lange 1995, §2): the M-step
/// maximises Q(· | θ), and one Newton step on Q from θ, where ∇Q = ∇ℓ by Fisher's identity, is I_oc⁻¹∇ℓ. The check
/// takes both steps at one θ and reports their relative difference.
/// </summary>
/// <remarks>
/// Unlike Xu &amp; Jordan's P(θ) for Gaussian mixtures (<see cref="XuJordanCheck"/>), which is exact, the two agree
/// exactly only where Q is quadratic in η, so at a θ far from the maximum the residual is a property of θ (how far Q is
/// from its quadratic model over one EM step), not a pass or fail; it shrinks in proportion to ‖Δ_EM‖ near a fixed point.
/// The comparison is in η, where <see cref="CompleteDataObjective.Information"/> is taken (the Newton step on Q depends
/// on the coordinates; its first-order agreement with EM does not).
/// </remarks>
public static class VariableMetricCheck
{
    /// <summary>Runs the check at η (one pass, shared by ∇ℓ, the EM step and Q).</summary>
    /// <exception cref="GradientNotDefinedException">The model has no gradient.</exception>
    /// <exception cref="NotSupportedException">The model does not evaluate Q away from θₜ (<see cref="FitProblem.HasCompleteData"/>).</exception>
    /// <exception cref="ModelFailureException">EM has no M-step at θ, or I_oc(θ) is not positive definite there.</exception>
    public static VariableMetricReport Run(FitProblem problem, ReadOnlySpan<double> eta)
    {
        problem.RequireGradient("the variable-metric check");
        int p = problem.ParameterCount;
        var step = new double[p];
        problem.ValueAndGradient(eta, step);
        var next = new double[p];
        problem.EmMap(eta, next);
        var information = new double[p * p];
        problem.CompleteData(eta).Information(information);
        if (!DenseMatrix.TrySolvePositiveDefinite(information, p, step))
        {
            throw new ModelFailureException("the complete-data information I_oc(θ) is not positive definite at θ (in η), so there is no Newton step on Q to compare with EM's");
        }

        double difference = 0, emNorm = 0, stepNorm = 0;
        for (int i = 0; i < p; i++)
        {
            double em = next[i] - eta[i];
            difference += (em - step[i]) * (em - step[i]);
            emNorm += em * em;
            stepNorm += step[i] * step[i];
        }

        emNorm = Math.Sqrt(emNorm);
        return new VariableMetricReport(emNorm > 0 ? Math.Sqrt(difference) / emNorm : Math.Sqrt(difference), emNorm, Math.Sqrt(stepNorm));
    }
}
