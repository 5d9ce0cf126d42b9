using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>The linear rate of EM near its limit, observed and predicted.</summary>
/// <param name="ObservedRate">‖ηₜ₊₁ − ηₜ‖ / ‖ηₜ − ηₜ₋₁‖ along an EM run, at the last step whose change was still well above rounding.</param>
/// <param name="ObservedRates">The ratio at every EM step of the run.</param>
/// <param name="LargestEigenvalue">Largest eigenvalue of the Jacobian of the EM map at the optimum: the largest fraction of missing information.</param>
/// <param name="Passes">E-step passes the diagnostic used.</param>
public sealed record ConvergenceRateReport(double ObservedRate, IReadOnlyList<double> ObservedRates, double LargestEigenvalue, double Passes)
{
    /// <summary>|observed − predicted|.</summary>
    public double Discrepancy => Math.Abs(ObservedRate - LargestEigenvalue);
}

/// <summary>
/// EM converges linearly with rate equal to the largest eigenvalue of the Jacobian of the EM map M at the optimum,
/// DM = I − I_c⁻¹I_o, the largest fraction of missing information (Dempster, Laird &amp; Rubin 1977, §3.9). The
/// Jacobian is taken numerically by central differences of M at the optimum, as in the SEM algorithm (Meng &amp;
/// Rubin 1991), in η (eigenvalues do not depend on the parameterisation at a fixed point), and its largest
/// eigenvalue found by power iteration (DM is similar to a symmetric matrix, so its eigenvalues are real and
/// non-negative).
/// </summary>
public static class ConvergenceRate
{
    /// <summary>
    /// Runs EM from <paramref name="start"/> to record the observed rate, and computes DM's largest eigenvalue at
    /// <paramref name="optimum"/> (which should be a maximum found to high accuracy, e.g. by Newton's method).
    /// </summary>
    public static ConvergenceRateReport Analyze(FitProblem problem, ReadOnlySpan<double> start, ReadOnlySpan<double> optimum, int maxSteps = 100_000)
    {
        double passes = problem.Passes;
        var rates = ObservedRates(problem, start, maxSteps, out double observed);
        double eigenvalue = LargestEigenvalue(problem, optimum);
        return new ConvergenceRateReport(observed, rates, eigenvalue, problem.Passes - passes);
    }

    /// <summary>
    /// The ratio of successive EM steps. The reported rate is the one at the last step still longer than 10⁻⁹ of
    /// the first: by then the other eigen-directions have died away, while rounding (about 10⁻¹⁶|η| per step)
    /// still perturbs the ratio by no more than about 10⁻⁶.
    /// </summary>
    public static IReadOnlyList<double> ObservedRates(FitProblem problem, ReadOnlySpan<double> start, int maxSteps, out double observed)
    {
        var current = start.ToArray();
        var next = new double[current.Length];
        var rates = new List<double>();
        double previousStep = double.NaN, firstStep = double.NaN;
        observed = double.NaN;
        for (int t = 0; t < maxSteps; t++)
        {
            problem.EmMap(current, next);
            double step = Distance(current, next);
            if (double.IsNaN(firstStep))
            {
                firstStep = step;
            }

            if (!double.IsNaN(previousStep) && previousStep > 0)
            {
                double rate = step / previousStep;
                rates.Add(rate);
                if (step > 1e-9 * firstStep)
                {
                    observed = rate;
                }
            }

            if (step <= 1e-9 * firstStep || step <= 1e-13 * (1 + Norm(next)))
            {
                break;
            }

            previousStep = step;
            (current, next) = (next, current);
        }

        return rates;
    }

    /// <summary>Largest eigenvalue of the EM map's Jacobian at η̂, by central differences and power iteration.</summary>
    public static double LargestEigenvalue(FitProblem problem, ReadOnlySpan<double> optimum)
    {
        int p = optimum.Length;
        var jacobian = new double[p * p];
        var point = optimum.ToArray();
        var plus = new double[p];
        var minus = new double[p];
        var steps = problem.FiniteDifferenceSteps(optimum, 1e-5);
        for (int j = 0; j < p; j++)
        {
            double h = steps[j];
            point[j] = optimum[j] + h;
            problem.EmMap(point, plus);
            point[j] = optimum[j] - h;
            problem.EmMap(point, minus);
            point[j] = optimum[j];
            for (int i = 0; i < p; i++)
            {
                jacobian[i * p + j] = (plus[i] - minus[i]) / (2 * h);
            }
        }

        var vector = new double[p];
        var product = new double[p];
        for (int i = 0; i < p; i++)
        {
            vector[i] = 1.0 / Math.Sqrt(p) * (1 + 0.1 * i);
        }

        double eigenvalue = 0;
        for (int iteration = 0; iteration < 10_000; iteration++)
        {
            for (int i = 0; i < p; i++)
            {
                double sum = 0;
                for (int j = 0; j < p; j++)
                {
                    sum += jacobian[i * p + j] * vector[j];
                }

                product[i] = sum;
            }

            double norm = Norm(product);
            if (norm == 0)
            {
                return 0;
            }

            double estimate = Dot(vector, product) / Dot(vector, vector);
            for (int i = 0; i < p; i++)
            {
                vector[i] = product[i] / norm;
            }

            if (Math.Abs(estimate - eigenvalue) <= 1e-13 * Math.Max(1, Math.Abs(estimate)))
            {
                return estimate;
            }

            eigenvalue = estimate;
        }

        return eigenvalue;
    }

    private static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }

        return Math.Sqrt(sum);
    }

    private static double Norm(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
