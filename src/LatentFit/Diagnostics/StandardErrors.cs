using LatentFit.Numerics;
using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>Standard errors of the natural parameters.</summary>
/// <param name="Names">Natural parameter names.</param>
/// <param name="Estimates">Natural parameter values at the optimum.</param>
/// <param name="Errors">Standard errors, √diag(J I⁻¹ Jᵀ).</param>
/// <param name="AnalyticHessian">Whether the observed information came from the model's analytic Hessian (Louis 1982) or finite differences of the gradient.</param>
/// <param name="HeldAtBoundary">The natural parameters held fixed because the maximum puts them on the boundary of the parameter space (a probability at 0 or 1); their errors are 0.</param>
public sealed record StandardErrorReport(IReadOnlyList<string> Names, IReadOnlyList<double> Estimates, IReadOnlyList<double> Errors, bool AnalyticHessian, IReadOnlyList<string> HeldAtBoundary)
{
    /// <summary>Errors with no parameter at the boundary.</summary>
    public StandardErrorReport(IReadOnlyList<string> names, IReadOnlyList<double> estimates, IReadOnlyList<double> errors, bool analyticHessian)
        : this(names, estimates, errors, analyticHessian, [])
    {
    }
}

/// <summary>
/// Standard errors from the observed information I = −∇²ℓ(η̂) at the optimum (Louis 1982 where the model provides
/// it), carried to the natural parameters by the delta method: Cov(θ̂) ≈ J I⁻¹ Jᵀ with J = ∂θ/∂η, the Jacobian
/// of the (data-free) parameter map, taken by central differences. I⁻¹ is applied through a Cholesky factor.
/// </summary>
/// <remarks>
/// A maximum on the boundary of the parameter space (a hidden Markov model's initial distribution at a vertex of the
/// simplex, which Baum–Welch reaches with one sequence) lies at infinity in η: there the coordinates that carry the
/// boundary probabilities have neither curvature, slope nor influence on the natural parameters (their row of I, their
/// entry of ∇ℓ and their column of J vanish). Such coordinates are held fixed and the errors computed from the information of the others,
/// which is the usual inference conditional on the boundary estimate (Zucchini, MacDonald &amp; Langrock 2016, §3.6.1);
/// the report names them. Only an information that is not positive definite is examined so: otherwise every coordinate
/// counts, as before. A flat direction that still moves a natural parameter is non-identification, and is refused.
/// </remarks>
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

        var estimates = problem.NaturalParameters(optimum);
        int q = estimates.Length;
        var jacobian = NaturalJacobian(problem, optimum, q);
        // Only where the full information has no factor: a coordinate held at the boundary has neither slope (a parameter
        // pressed against a bound, as a variance at the regularisation floor, has) nor influence on the natural parameters.
        var point = optimum.ToArray();
        double[]? gradient = null;
        double slope = 0;
        bool Matters(int j)
        {
            if (gradient is null)
            {
                gradient = new double[p];
                problem.ValueAndGradient(point, gradient);
                slope = gradient.Max(Math.Abs);
            }

            return MovesAParameter(jacobian, estimates, p, j) || Math.Abs(gradient[j]) > BoundaryCurvature * Math.Max(1, slope);
        }

        var reduced = FactorHoldingBoundary(information, p, Matters, out var kept)
            ?? throw new Models.Abstractions.ModelFailureException("the observed information is not positive definite at these parameters, so they are not a strict maximum of the log-likelihood (or the model is not identified there).");
        int r = kept.Length;
        var errors = new double[q];
        var column = new double[r];
        var held = new List<string>();
        for (int a = 0; a < q; a++)
        {
            // Var(θ_a) = J_aᵀ I⁻¹ J_a = ‖L⁻¹ J_a‖² with I = LLᵀ, over the coordinates kept.
            for (int j = 0; j < r; j++)
            {
                column[j] = jacobian[a * p + kept[j]];
            }

            if (r < p && column.All(c => Math.Abs(c) <= BoundaryInfluence * Math.Max(1, Math.Abs(estimates[a]))))
            {
                held.Add(problem.NaturalParameterNames[a]);
            }

            DenseMatrix.SolveLower(reduced, r, column);
            double variance = 0;
            foreach (double c in column)
            {
                variance += c * c;
            }

            errors[a] = Math.Sqrt(variance);
        }

        return new StandardErrorReport(problem.NaturalParameterNames, estimates, errors, problem.HasAnalyticHessian, held);
    }

    /// <summary>A coordinate of η whose row of I is below this share of I's largest entry has no curvature.</summary>
    internal const double BoundaryCurvature = 1e-12;

    // A coordinate at the boundary moves no natural parameter by more than this share of its size (max(1, |θ|)) per unit.
    private const double BoundaryInfluence = 1e-8;

    /// <summary>
    /// The Cholesky factor of the information (P×P, left unchanged) over the coordinates of η in <paramref name="kept"/>:
    /// all of them where the information is positive definite, otherwise those not at the boundary
    /// (<see cref="InteriorCoordinates"/>); null where even those have no factor.
    /// </summary>
    internal static double[]? FactorHoldingBoundary(double[] information, int p, Func<int, bool> matters, out int[] kept)
    {
        var factor = (double[])information.Clone();
        kept = [.. Enumerable.Range(0, p)];
        if (DenseMatrix.TryCholesky(factor, p))
        {
            return factor;
        }

        kept = InteriorCoordinates(information, p, matters);
        int r = kept.Length;
        factor = new double[r * r];
        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < r; j++)
            {
                factor[i * r + j] = information[kept[i] * p + kept[j]];
            }
        }

        return DenseMatrix.TryCholesky(factor, r) ? factor : null;
    }

    /// <summary>
    /// The coordinates of η not at the boundary of the parameter space: all but those with no curvature (their row of
    /// <paramref name="information"/>, P×P, is negligible) for which <paramref name="matters"/> is false either.
    /// </summary>
    internal static int[] InteriorCoordinates(double[] information, int p, Func<int, bool> matters)
    {
        double largest = 0;
        foreach (double v in information)
        {
            largest = Math.Max(largest, Math.Abs(v));
        }

        return [.. Enumerable.Range(0, p).Where(j => matters(j) || Enumerable.Range(0, p).Any(i => Math.Abs(information[i * p + j]) > BoundaryCurvature * largest))];
    }

    private static bool MovesAParameter(double[] jacobian, double[] estimates, int p, int j)
    {
        for (int a = 0; a < estimates.Length; a++)
        {
            if (Math.Abs(jacobian[a * p + j]) > BoundaryInfluence * Math.Max(1, Math.Abs(estimates[a])))
            {
                return true;
            }
        }

        return false;
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
