using LatentFit.Numerics;
using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>Standard errors of the natural parameters.</summary>
/// <param name="Names">Natural parameter names.</param>
/// <param name="Estimates">Natural parameter values at the optimum.</param>
/// <param name="Errors">Standard errors, √diag(J I⁻¹ Jᵀ).</param>
/// <param name="AnalyticHessian">Whether the observed information came from the model's analytic Hessian (Louis 1982) or finite differences of the gradient.</param>
public sealed record StandardErrorReport(IReadOnlyList<string> Names, IReadOnlyList<double> Estimates, IReadOnlyList<double> Errors, bool AnalyticHessian);

/// <summary>
/// Standard errors from the observed information I = −∇²ℓ(η̂) at the optimum (Louis 1982 where the model provides
/// it), carried to the natural parameters by the delta method: Cov(θ̂) ≈ J I⁻¹ Jᵀ with J = ∂θ/∂η, the Jacobian
/// of the (data-free) parameter map, taken by central differences. I⁻¹ is applied through a Cholesky factor.
/// </summary>
public static class StandardErrors
{
    /// <summary>Standard errors at η̂, which should be a maximum of ℓ.</summary>
    /// <exception cref="Models.Abstractions.ModelFailureException">The observed information is not positive definite: η̂ is not a strict local maximum (or the model is not identified there).</exception>
    public static StandardErrorReport Compute(FitProblem problem, ReadOnlySpan<double> optimum)
    {
        int p = problem.ParameterCount;
        var information = new double[p * p];
        problem.Hessian(optimum, information);
        for (int i = 0; i < information.Length; i++)
        {
            information[i] = -information[i];
        }

        if (!DenseMatrix.TryCholesky(information, p))
        {
            throw new Models.Abstractions.ModelFailureException("the observed information is not positive definite at these parameters, so they are not a strict maximum of the log-likelihood (or the model is not identified there).");
        }

        var estimates = problem.NaturalParameters(optimum);
        int q = estimates.Length;
        var jacobian = NaturalJacobian(problem, optimum, q);
        var errors = new double[q];
        var column = new double[p];
        for (int a = 0; a < q; a++)
        {
            // Var(θ_a) = J_aᵀ I⁻¹ J_a = ‖L⁻¹ J_a‖² with I = LLᵀ.
            for (int j = 0; j < p; j++)
            {
                column[j] = jacobian[a * p + j];
            }

            DenseMatrix.SolveLower(information, p, column);
            double variance = 0;
            foreach (double c in column)
            {
                variance += c * c;
            }

            errors[a] = Math.Sqrt(variance);
        }

        return new StandardErrorReport(problem.NaturalParameterNames, estimates, errors, problem.HasAnalyticHessian);
    }

    /// <summary>J[a, j] = ∂θ_a/∂η_j by central differences (q×p, row-major).</summary>
    internal static double[] NaturalJacobian(FitProblem problem, ReadOnlySpan<double> eta, int q)
    {
        int p = eta.Length;
        var jacobian = new double[q * p];
        var point = eta.ToArray();
        for (int j = 0; j < p; j++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(eta[j]));
            point[j] = eta[j] + h;
            var plus = problem.NaturalParameters(point);
            point[j] = eta[j] - h;
            var minus = problem.NaturalParameters(point);
            point[j] = eta[j];
            for (int a = 0; a < q; a++)
            {
                jacobian[a * p + j] = (plus[a] - minus[a]) / (2 * h);
            }
        }

        return jacobian;
    }
}
