using LatentFit.Models.Abstractions;
using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>Result of <see cref="EmMonotonicityCheck"/>.</summary>
/// <param name="LogLikelihoods">ℓ at the start and after each EM step.</param>
/// <param name="LargestDecrease">max over steps of ℓₜ − ℓₜ₊₁ (≤ 0 when ℓ never fell).</param>
/// <param name="Tolerance">The rounding allowance: 10⁻¹²·|ℓ|.</param>
/// <param name="StoppedEarly">Why EM could not go on before the requested number of steps (e.g. a component
/// collapsed onto a few points, where the likelihood is unbounded), or null. Monotonicity is judged on the
/// steps that were taken.</param>
public sealed record EmMonotonicityReport(IReadOnlyList<double> LogLikelihoods, double LargestDecrease, double Tolerance, string? StoppedEarly = null)
{
    /// <summary>True when ℓ never fell by more than rounding.</summary>
    public bool Passed => LargestDecrease <= Tolerance;
}

/// <summary>
/// EM never decreases ℓ (Dempster, Laird &amp; Rubin 1977, Theorem 1): runs the EM map from η for a number of
/// steps and records every ℓ, so that a single decrease anywhere fails the check.
/// </summary>
public static class EmMonotonicityCheck
{
    /// <summary>Runs <paramref name="steps"/> EM steps from η.</summary>
    public static EmMonotonicityReport Run(FitProblem problem, ReadOnlySpan<double> eta, int steps)
    {
        var current = eta.ToArray();
        var next = new double[current.Length];
        var values = new List<double>();
        double largestDecrease = double.NegativeInfinity;
        string? stoppedEarly = null;
        for (int t = 0; t <= steps; t++)
        {
            double value;
            try
            {
                value = t < steps ? problem.EmMap(current, next) : problem.Value(current);
            }
            catch (ModelFailureException failure)
            {
                // ℓ at the current point was evaluated (and cached) before the M-step failed.
                values.Add(problem.Value(current));
                largestDecrease = values.Count > 1 ? Math.Max(largestDecrease, values[^2] - values[^1]) : largestDecrease;
                stoppedEarly = $"after {t} steps: {failure.Message}";
                break;
            }

            if (values.Count > 0)
            {
                largestDecrease = Math.Max(largestDecrease, values[^1] - value);
            }

            values.Add(value);
            (current, next) = (next, current);
        }

        double scale = 0;
        foreach (double v in values)
        {
            scale = Math.Max(scale, Math.Abs(v));
        }

        return new EmMonotonicityReport(values, largestDecrease, 1e-12 * scale, stoppedEarly);
    }
}
