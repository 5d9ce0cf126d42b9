using LatentFit.Models.Hmm;
using LatentFit.Numerics;

namespace LatentFit.Tests.Models.Hmm;

/// <summary>
/// The vectorised scaled forward–backward against a plain log-space forward–backward written here (Rabiner 1989,
/// eqs. 19–25 and 37, every product a sum of logarithms, every sum a log-sum-exp): ℓ, the posteriors γₜ(k) and the
/// expected transitions Σₜ ξₜ(i, j) to 1e-12. K runs over sizes below, at and beyond one and two vector widths
/// (1, 2, 3, 5, 8, 9, 17), so that the scalar tails after the last whole vector are exercised on every width the
/// run has (CI repeats the suite with AVX-512 and AVX2 switched off, see <c>KernelPathTests</c>).
/// </summary>
public sealed class ForwardBackwardVectorisationTests
{
    public static TheoryData<int, int> Sizes()
    {
        var sizes = new TheoryData<int, int>();
        foreach (int k in new[] { 1, 2, 3, 5, 8, 9, 17 })
        {
            foreach (int length in new[] { 1, 2, 60 })
            {
                sizes.Add(k, length);
            }
        }

        return sizes;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Run_EveryStateCount_EqualsLogSpaceReference(int k, int length)
    {
        var random = new Random(1000 * k + length);
        var (initial, transition, logDensities) = RandomProblem(random, k, length);
        var (expectedLogLikelihood, expectedPosteriors, expectedTransitions) = LogSpaceReference(initial, transition, logDensities, k, length);

        var posteriors = (double[])logDensities.Clone();
        var transitionCounts = new double[k * k];
        double logLikelihood = ForwardBackward.Run(initial, transition, k, length, posteriors, new double[length * k], new double[length], transitionCounts, new double[k * k]);

        Assert.True(Math.Abs(logLikelihood - expectedLogLikelihood) <= 1e-12 * Math.Abs(expectedLogLikelihood), $"ℓ {logLikelihood:R} against {expectedLogLikelihood:R}");
        for (int i = 0; i < length * k; i++)
        {
            Assert.True(Math.Abs(posteriors[i] - expectedPosteriors[i]) <= 1e-12, $"γ[{i / k}][{i % k}] = {posteriors[i]:R} against {expectedPosteriors[i]:R}");
        }

        for (int i = 0; i < k * k; i++)
        {
            Assert.True(Math.Abs(transitionCounts[i] - expectedTransitions[i]) <= 1e-12 * Math.Max(1, expectedTransitions[i]), $"ξ[{i / k}][{i % k}] = {transitionCounts[i]:R} against {expectedTransitions[i]:R}");
        }
    }

    [Fact]
    public void Run_NaNDensityInAnyLane_GivesMinusInfinity()
    {
        // A NaN density in a whole vector (state 2) and in the tail (state 8) of K = 9 makes the row one no state
        // explains, whether the lanes' maximum carries the NaN or drops it and the row's normaliser does.
        foreach (int state in new[] { 2, 8 })
        {
            var (initial, transition, logDensities) = RandomProblem(new Random(state), 9, 5);
            logDensities[(3 * 9) + state] = double.NaN;
            double logLikelihood = ForwardBackward.Run(initial, transition, 9, 5, logDensities, new double[45], new double[5], new double[81], new double[81]);
            Assert.Equal(double.NegativeInfinity, logLikelihood);
        }
    }

    /// <summary>
    /// δ with a zero entry, Γ with rows of very unequal entries (a diagonal of about 0.9, entries down to 1e-30), log
    /// densities with row offsets down to −2000 (far below what exp can represent, so the scaling must carry them) and,
    /// where K &gt; 1, densities of −∞ for a state that cannot emit a row after the first (Γ has no zero, so every row stays reachable).
    /// </summary>
    private static (double[] Initial, double[] Transition, double[] LogDensities) RandomProblem(Random random, int k, int length)
    {
        var initial = new double[k];
        for (int j = 0; j < k; j++)
        {
            initial[j] = j == k - 1 && k > 1 ? 0 : 0.1 + random.NextDouble();
        }

        Normalise(initial);
        var transition = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                transition[i * k + j] = (i == j ? 5 * k : 0) + Math.Pow(10, -30 * random.NextDouble() * random.NextDouble());
            }

            Normalise(transition.AsSpan(i * k, k));
        }

        var logDensities = new double[length * k];
        for (int t = 0; t < length; t++)
        {
            double offset = -2000 * random.NextDouble();
            for (int j = 0; j < k; j++)
            {
                logDensities[t * k + j] = offset - 40 * random.NextDouble();
            }

            if (t > 0 && k > 1 && random.NextDouble() < 0.3)
            {
                logDensities[t * k + random.Next(k)] = double.NegativeInfinity;
            }
        }

        return (initial, transition, logDensities);
    }

    private static void Normalise(Span<double> values)
    {
        double sum = 0;
        foreach (double v in values)
        {
            sum += v;
        }

        for (int i = 0; i < values.Length; i++)
        {
            values[i] /= sum;
        }
    }

    /// <summary>
    /// log αₜ(j) = log Σᵢ αₜ₋₁(i) Γᵢⱼ + log bₜ(j) and log βₜ(i) = log Σⱼ Γᵢⱼ bₜ₊₁(j) βₜ₊₁(j), all in logarithms. Each step's
    /// logarithms are shifted by their log-sum-exp (ℓ collects the shifts of α), so that they stay of the order of one
    /// row's and the reference keeps 1e-14 however long the sequence: γₜ and ξₜ are then normalised over the states
    /// (Σⱼ γₜ(j) = 1, Σᵢⱼ ξₜ(i, j) = 1), which any shift of αₜ or βₜ leaves unchanged.
    /// </summary>
    private static (double LogLikelihood, double[] Posteriors, double[] Transitions) LogSpaceReference(
        double[] initial, double[] transition, double[] logDensities, int k, int length)
    {
        var logTransition = transition.Select(p => Math.Log(p)).ToArray();
        var logAlpha = new double[length * k];
        var logBeta = new double[length * k];
        var terms = new double[k];
        for (int j = 0; j < k; j++)
        {
            logAlpha[j] = Math.Log(initial[j]) + logDensities[j];
        }

        double logLikelihood = Normalise(logAlpha, 0, k);
        for (int t = 1; t < length; t++)
        {
            for (int j = 0; j < k; j++)
            {
                for (int i = 0; i < k; i++)
                {
                    terms[i] = logAlpha[(t - 1) * k + i] + logTransition[i * k + j];
                }

                logAlpha[t * k + j] = LogSpace.LogSumExp(terms) + logDensities[t * k + j];
            }

            logLikelihood += Normalise(logAlpha, t, k);
        }

        for (int t = length - 2; t >= 0; t--)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    terms[j] = logTransition[i * k + j] + logDensities[(t + 1) * k + j] + logBeta[(t + 1) * k + j];
                }

                logBeta[t * k + i] = LogSpace.LogSumExp(terms);
            }

            Normalise(logBeta, t, k);
        }

        var posteriors = new double[length * k];
        for (int t = 0; t < length; t++)
        {
            for (int j = 0; j < k; j++)
            {
                posteriors[t * k + j] = logAlpha[t * k + j] + logBeta[t * k + j];
            }

            Normalise(posteriors, t, k);
            for (int j = 0; j < k; j++)
            {
                posteriors[t * k + j] = Math.Exp(posteriors[t * k + j]);
            }
        }

        var transitions = new double[k * k];
        var pairs = new double[k * k];
        for (int t = 0; t + 1 < length; t++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    pairs[i * k + j] = logAlpha[t * k + i] + logTransition[i * k + j] + logDensities[(t + 1) * k + j] + logBeta[(t + 1) * k + j];
                }
            }

            Normalise(pairs, 0, k * k);
            for (int i = 0; i < k * k; i++)
            {
                transitions[i] += Math.Exp(pairs[i]);
            }
        }

        return (logLikelihood, posteriors, transitions);
    }

    /// <summary>Subtracts the log-sum-exp of values[t·n .. t·n + n) from them; returns it.</summary>
    private static double Normalise(double[] values, int t, int n)
    {
        var slice = values.AsSpan(t * n, n);
        double shift = LogSpace.LogSumExp(slice);
        for (int i = 0; i < n; i++)
        {
            slice[i] -= shift;
        }

        return shift;
    }
}
