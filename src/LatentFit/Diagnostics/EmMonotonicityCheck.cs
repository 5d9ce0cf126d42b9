using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>Result of <see cref="EmMonotonicityCheck"/>.</summary>
/// <param name="LogLikelihoods">ℓ at the start and after each EM step.</param>
/// <param name="LargestDecrease">max over steps of ℓₜ − ℓₜ₊₁ (≤ 0 when ℓ never fell).</param>
/// <param name="Tolerance">The rounding allowance: 10⁻¹²·|ℓ|.</param>
public sealed record EmMonotonicityReport(IReadOnlyList<double> LogLikelihoods, double LargestDecrease, double Tolerance)
{
    /// <summary>True when ℓ never fell by more than rounding.</summary>
    public bool Passed => LargestDecrease <= Tolerance;

    /// <summary>Index of the first step where ℓ fell by more than rounding, or −1.</summary>
    public int FirstViolation
    {
        get
        {
            for (int t = 1; t < LogLikelihoods.Count; t++)
            {
                if (LogLikelihoods[t - 1] - LogLikelihoods[t] > Tolerance)
                {
                    return t;
                }
            }

            return -1;
        }
    }
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
        for (int t = 0; t <= steps; t++)
        {
            double value = t < steps ? problem.EmMap(current, next) : problem.Value(current);
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

        return new EmMonotonicityReport(values, largestDecrease, 1e-12 * scale);
    }
}
