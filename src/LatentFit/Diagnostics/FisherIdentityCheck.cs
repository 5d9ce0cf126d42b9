using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>Result of <see cref="FisherIdentityCheck"/>.</summary>
/// <param name="MaxRelativeError">‖g − g_fd‖∞ / ‖g_fd‖∞.</param>
/// <param name="GradientNorm">‖g‖₂ of the gradient from the statistics.</param>
/// <param name="Parameters">Length of η.</param>
/// <param name="Passes">E-step passes the check used.</param>
public sealed record FisherIdentityReport(double MaxRelativeError, double GradientNorm, int Parameters, double Passes)
{
    /// <summary>Whether the error is within <paramref name="tolerance"/>.</summary>
    public bool Passed(double tolerance = 1e-6) => MaxRelativeError <= tolerance;
}

/// <summary>
/// Checks Fisher's identity ∇ℓ(θₜ) = ∇Q(θ | θₜ)|θ=θₜ numerically: the gradient the model computes from the E-step
/// statistics against fourth-order central differences of ℓ itself,
/// (−ℓ(η+2heᵢ) + 8ℓ(η+heᵢ) − 8ℓ(η−heᵢ) + ℓ(η−2heᵢ)) / 12h, with h = 10⁻⁴ of the coordinate's natural scale
/// (<see cref="FitProblem.FiniteDifferenceSteps"/>).
/// </summary>
public static class FisherIdentityCheck
{
    /// <summary>Compares the two gradients at η.</summary>
    public static FisherIdentityReport Run(FitProblem problem, ReadOnlySpan<double> eta)
    {
        problem.RequireGradient("the Fisher-identity check");
        double passes = problem.Passes;
        int p = eta.Length;
        var gradient = new double[p];
        problem.ValueAndGradient(eta, gradient);
        var origin = eta.ToArray();
        var steps = problem.FiniteDifferenceSteps(eta, 1e-4);
        var point = eta.ToArray();
        double maxDifference = 0, maxFiniteDifference = 0, squaredNorm = 0;
        for (int i = 0; i < p; i++)
        {
            double h = steps[i];
            double At(double offset)
            {
                point[i] = origin[i] + offset;
                double value = problem.Value(point);
                point[i] = origin[i];
                return value;
            }

            double finiteDifference = (-At(2 * h) + 8 * At(h) - 8 * At(-h) + At(-2 * h)) / (12 * h);
            maxDifference = Math.Max(maxDifference, Math.Abs(gradient[i] - finiteDifference));
            maxFiniteDifference = Math.Max(maxFiniteDifference, Math.Abs(finiteDifference));
            squaredNorm += gradient[i] * gradient[i];
        }

        double relative = maxFiniteDifference > 0 ? maxDifference / maxFiniteDifference : maxDifference;
        return new FisherIdentityReport(relative, Math.Sqrt(squaredNorm), p, problem.Passes - passes);
    }
}
