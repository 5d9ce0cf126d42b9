namespace LatentFit.Tests.Models.Hmm;

/// <summary>What the log-space recursions give for a set of sequences: ℓ, the expected counts and γₜ(k) row by row.</summary>
internal sealed record LogSpaceResult(double LogLikelihood, double[] InitialCounts, double[] TransitionCounts, double[] Occupancies, double[] Posteriors);

/// <summary>
/// The textbook forward–backward in log space, kept in the tests as the independent reference for the library's scaled
/// recursions: log αₜ(j) = log bₜ(j) + LSEᵢ(log αₜ₋₁(i) + log Γᵢⱼ), log βₜ(i) = LSEⱼ(log Γᵢⱼ + log bₜ₊₁(j) + log βₜ₊₁(j)),
/// ℓ = LSEⱼ log α_T(j), γₜ = exp(log αₜ + log βₜ − ℓ), ξₜ(i, j) = exp(log αₜ(i) + log Γᵢⱼ + log bₜ₊₁(j) + log βₜ₊₁(j) − ℓ)
/// (Rabiner 1989, eqs. 19–27 and 37, taken to logs). No scaling, no renormalising: it is written for clarity, not speed,
/// and shares no code with <c>ForwardBackward</c>. The log-densities log bₜ(k) are computed by the tests themselves.
/// </summary>
internal static class LogSpaceForwardBackward
{
    /// <param name="initial">δ.</param>
    /// <param name="transition">Γ, row-major.</param>
    /// <param name="logDensities">log bₜ(k), row-major (rows × K).</param>
    /// <param name="starts">First row of each sequence (ascending, first 0).</param>
    public static LogSpaceResult Run(double[] initial, double[] transition, double[] logDensities, int[] starts)
    {
        int k = initial.Length;
        int rows = logDensities.Length / k;
        var logInitial = initial.Select(p => Math.Log(p)).ToArray();
        var logTransition = transition.Select(p => Math.Log(p)).ToArray();
        var initialCounts = new double[k];
        var transitionCounts = new double[k * k];
        var occupancies = new double[k];
        var posteriors = new double[rows * k];
        double total = 0;
        for (int s = 0; s < starts.Length; s++)
        {
            int first = starts[s], length = (s + 1 < starts.Length ? starts[s + 1] : rows) - first;
            var logAlpha = new double[length * k];
            var logBeta = new double[length * k];
            var terms = new double[k];
            for (int t = 0; t < length; t++)
            {
                for (int j = 0; j < k; j++)
                {
                    double logB = logDensities[(first + t) * k + j];
                    if (t == 0)
                    {
                        logAlpha[j] = logInitial[j] + logB;
                        continue;
                    }

                    for (int i = 0; i < k; i++)
                    {
                        terms[i] = logAlpha[(t - 1) * k + i] + logTransition[i * k + j];
                    }

                    logAlpha[t * k + j] = LogSumExp(terms) + logB;
                }
            }

            for (int t = length - 2; t >= 0; t--)
            {
                for (int i = 0; i < k; i++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        terms[j] = logTransition[i * k + j] + logDensities[(first + t + 1) * k + j] + logBeta[(t + 1) * k + j];
                    }

                    logBeta[t * k + i] = LogSumExp(terms);
                }
            }

            double logLikelihood = LogSumExp(logAlpha.AsSpan((length - 1) * k, k).ToArray());
            total += logLikelihood;
            for (int t = 0; t < length; t++)
            {
                for (int j = 0; j < k; j++)
                {
                    double gamma = Math.Exp(logAlpha[t * k + j] + logBeta[t * k + j] - logLikelihood);
                    posteriors[(first + t) * k + j] = gamma;
                    occupancies[j] += gamma;
                    if (t == 0)
                    {
                        initialCounts[j] += gamma;
                    }
                }

                if (t + 1 < length)
                {
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            transitionCounts[i * k + j] += Math.Exp(
                                logAlpha[t * k + i] + logTransition[i * k + j] + logDensities[(first + t + 1) * k + j] + logBeta[(t + 1) * k + j] - logLikelihood);
                        }
                    }
                }
            }
        }

        return new LogSpaceResult(total, initialCounts, transitionCounts, occupancies, posteriors);
    }

    /// <summary>log Σ exp(aᵢ), shifted by the maximum.</summary>
    public static double LogSumExp(double[] terms)
    {
        double max = terms.Max();
        if (double.IsNegativeInfinity(max))
        {
            return max;
        }

        double sum = 0;
        foreach (double a in terms)
        {
            sum += Math.Exp(a - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>log(λˣ e^(−λ) / x!) for each row and state, with log x! summed as Σᵢ₌₁ˣ log i.</summary>
    public static double[] PoissonLogDensities(ReadOnlySpan<double> counts, IReadOnlyList<double> rates)
    {
        int k = rates.Count;
        var logFactorials = new Dictionary<double, double>();
        var result = new double[counts.Length * k];
        for (int n = 0; n < counts.Length; n++)
        {
            double x = counts[n];
            if (!logFactorials.TryGetValue(x, out double logFactorial))
            {
                // Kahan's compensated sum: plain summation of 10⁴ logs would be off by ~10⁻⁹ per row.
                double compensation = 0;
                logFactorial = 0;
                for (int i = 2; i <= (int)x; i++)
                {
                    double term = Math.Log(i) - compensation, next = logFactorial + term;
                    compensation = next - logFactorial - term;
                    logFactorial = next;
                }

                logFactorials[x] = logFactorial;
            }

            for (int j = 0; j < k; j++)
            {
                result[n * k + j] = x * Math.Log(rates[j]) - rates[j] - logFactorial;
            }
        }

        return result;
    }

    /// <summary>
    /// The multivariate normal log-density of each row under each state, −½‖L⁻¹(x − μ)‖² − Σ log Lᵢᵢ − (D/2) log 2π with
    /// Σ = LLᵀ from a Cholesky factorisation written here; <paramref name="covariances"/> K×D×D.
    /// </summary>
    public static double[] GaussianLogDensities(ReadOnlySpan<double> rows, int dimension, double[] means, double[] covariances)
    {
        int d = dimension, k = means.Length / d, n = rows.Length / d;
        var result = new double[n * k];
        var z = new double[d];
        for (int j = 0; j < k; j++)
        {
            var l = new double[d * d];
            for (int a = 0; a < d; a++)
            {
                for (int b = 0; b <= a; b++)
                {
                    double sum = covariances[j * d * d + a * d + b];
                    for (int c = 0; c < b; c++)
                    {
                        sum -= l[a * d + c] * l[b * d + c];
                    }

                    l[a * d + b] = a == b ? Math.Sqrt(sum) : sum / l[b * d + b];
                }
            }

            double logDeterminantHalf = 0;
            for (int a = 0; a < d; a++)
            {
                logDeterminantHalf += Math.Log(l[a * d + a]);
            }

            for (int row = 0; row < n; row++)
            {
                double squared = 0;
                for (int a = 0; a < d; a++)
                {
                    double sum = rows[row * d + a] - means[j * d + a];
                    for (int c = 0; c < a; c++)
                    {
                        sum -= l[a * d + c] * z[c];
                    }

                    z[a] = sum / l[a * d + a];
                    squared += z[a] * z[a];
                }

                result[row * k + j] = -0.5 * squared - logDeterminantHalf - 0.5 * d * Math.Log(2 * Math.PI);
            }
        }

        return result;
    }
}
