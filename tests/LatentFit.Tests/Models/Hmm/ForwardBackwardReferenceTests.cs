using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Emissions;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Hmm;

/// <summary>
/// The model's E-step (scaled forward–backward) against <see cref="LogSpaceForwardBackward"/>, the textbook recursions
/// in log space written in the tests: ℓ, the expected initial states, transitions and occupancies, and the emission
/// statistics weighted by the reference's γ.
/// </summary>
public sealed class ForwardBackwardReferenceTests
{
    /// <summary>Several sequences of different lengths, two of them a single row (no transition, γ₁ = α₁ normalised).</summary>
    private static readonly int[] Lengths = [7, 1, 12, 3, 1, 20];

    private const double Tolerance = 1e-12;

    [Fact]
    public void Statistics_PoissonSeveralSequences_EqualLogSpaceReference()
    {
        var random = new Random(11);
        double[] initial = [0.2, 0.5, 0.3], transition = [0.8, 0.15, 0.05, 0.1, 0.7, 0.2, 0.3, 0.1, 0.6], rates = [1, 5, 12];
        var states = HmmTestCases.StatePaths(random, initial, transition, Lengths);
        var data = HmmTestCases.Sequences(states.Select(z => HmmTestCases.PoissonDraw(random, rates[z])).ToArray(), 1, Lengths);
        var theta = HmmTestCases.PoissonParameters(initial, transition, [2, 4, 9]);

        var stats = HmmTestCases.PoissonProblem(data, 3).Statistics(theta);
        var counts = data.Values.Span;
        var reference = LogSpaceForwardBackward.Run(initial, transition, LogSpaceForwardBackward.PoissonLogDensities(counts, [2, 4, 9]), HmmTestCases.Starts(Lengths));

        AssertLatentStatistics(reference, stats, data.Rows, Lengths.Length);
        for (int j = 0; j < 3; j++)
        {
            double expected = 0;
            for (int n = 0; n < data.Rows; n++)
            {
                expected += reference.Posteriors[n * 3 + j] * counts[n];
            }

            AssertRelative(expected, stats.Emission.WeightedSums[j], $"Σγx of state {j + 1}");
        }
    }

    /// <summary>
    /// Poisson HMMs of K states through the model's E-step, K chosen to take whole vectors and tails of every width
    /// (1, 2, 3, 4, 5, 7, 8, 9, 16, 17): the expected counts against the log-space recursions.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(16)]
    [InlineData(17)]
    public void Statistics_PoissonKStates_EqualLogSpaceReference(int k)
    {
        var random = new Random(100 + k);
        var initial = Enumerable.Range(0, k).Select(j => 1.0 + j % 3).ToArray();
        var transition = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                transition[i * k + j] = (i == j ? 3 : 0) + random.NextDouble();
            }
        }

        Normalise(initial);
        for (int i = 0; i < k; i++)
        {
            Normalise(transition.AsSpan(i * k, k));
        }

        var rates = Enumerable.Range(0, k).Select(j => 1.0 + 2.5 * j).ToArray();
        var states = HmmTestCases.StatePaths(random, initial, transition, Lengths);
        var data = HmmTestCases.Sequences(states.Select(z => HmmTestCases.PoissonDraw(random, rates[z])).ToArray(), 1, Lengths);
        var start = rates.Select(r => 0.8 * r + 0.5).ToArray();

        var stats = HmmTestCases.PoissonProblem(data, k).Statistics(HmmTestCases.PoissonParameters(initial, transition, start));
        var reference = LogSpaceForwardBackward.Run(initial, transition, LogSpaceForwardBackward.PoissonLogDensities(data.Values.Span, start), HmmTestCases.Starts(Lengths));

        AssertLatentStatistics(reference, stats, data.Rows, Lengths.Length);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("diag")]
    public void Statistics_GaussianSeveralSequences_EqualLogSpaceReference(string name)
    {
        Assert.True(CovarianceStructure.TryParse(name, out var structure));
        var data = HmmTestCases.GaussianData(12, Lengths);
        var theta = HmmTestCases.GaussianStart(structure);
        var stats = HmmTestCases.GaussianProblem(data, structure).Statistics(theta);

        int d = 2, k = 2;
        var means = theta.Emission.Means.ToArray();
        var rows = data.Values.Span;
        var reference = LogSpaceForwardBackward.Run(
            theta.Initial.ToArray(), theta.Transition.ToArray(), LogSpaceForwardBackward.GaussianLogDensities(rows, d, means, theta.Emission.FullCovariances()), HmmTestCases.Starts(Lengths));

        AssertLatentStatistics(reference, stats, data.Rows, Lengths.Length);
        bool full = structure is FullCovariance;
        for (int j = 0; j < k; j++)
        {
            for (int a = 0; a < d; a++)
            {
                // s₁ = Σγ(x − μ) nearly cancels at a mean near the data's: compare to the scale Σγ|x − μ| it is summed from.
                double first = 0, firstScale = 0;
                for (int n = 0; n < data.Rows; n++)
                {
                    double centred = rows[n * d + a] - means[j * d + a];
                    first += reference.Posteriors[n * k + j] * centred;
                    firstScale += reference.Posteriors[n * k + j] * Math.Abs(centred);
                }

                Assert.True(Math.Abs(stats.Emission.FirstMoments[j * d + a] - first) <= Tolerance * firstScale, $"s₁ of state {j + 1}, column {a + 1}: {stats.Emission.FirstMoments[j * d + a]:R} vs {first:R}");
                for (int b = a; b < d; b++)
                {
                    if (!full && b != a)
                    {
                        continue;
                    }

                    double scatter = 0, scatterScale = 0;
                    for (int n = 0; n < data.Rows; n++)
                    {
                        double product = (rows[n * d + a] - means[j * d + a]) * (rows[n * d + b] - means[j * d + b]);
                        scatter += reference.Posteriors[n * k + j] * product;
                        scatterScale += reference.Posteriors[n * k + j] * Math.Abs(product);
                    }

                    double actual = full ? stats.Emission.Scatter[j * d * d + a * d + b] : stats.Emission.Scatter[j * d + a];
                    Assert.True(Math.Abs(actual - scatter) <= Tolerance * scatterScale, $"S of state {j + 1}, ({a + 1}, {b + 1}): {actual:R} vs {scatter:R}");
                }
            }
        }
    }

    [Fact]
    public void Statistics_OneRowSequencesOnly_InitialCountsAreTheOccupanciesAndNoTransitions()
    {
        // Every sequence a single row: γ₁ of each is δ∘b₁ normalised, and no transition is ever made.
        int[] lengths = [1, 1, 1, 1];
        var data = HmmTestCases.Sequences([0, 3, 7, 12], 1, lengths);
        double[] initial = [0.3, 0.7], transition = [0.9, 0.1, 0.2, 0.8];
        var stats = HmmTestCases.PoissonProblem(data).Statistics(HmmTestCases.PoissonParameters(initial, transition, [1, 10]));
        var reference = LogSpaceForwardBackward.Run(initial, transition, LogSpaceForwardBackward.PoissonLogDensities(data.Values.Span, [1, 10]), HmmTestCases.Starts(lengths));

        AssertLatentStatistics(reference, stats, 4, 4);
        Assert.All(stats.TransitionCounts, c => Assert.Equal(0, c));
        Assert.Equal(stats.InitialCounts, stats.Occupancies);
    }

    [Theory]
    [InlineData("gaussian")]
    [InlineData("poisson")]
    public void LogLikelihood_TenThousandStepsExtremeEmissions_FiniteAndEqualToLogSpaceReference(string emission)
    {
        // Gaussian states with means 0 and 1e3 and unit variance, or Poisson rates 0.01 and 1e4: a row's density under
        // the wrong state is e^(−5·10⁵) or e^(−10⁵), far below the smallest double, and unscaled α would underflow
        // to 0 within a few steps; ℓ itself is about −10⁴ (Gaussian) or −4·10⁴ (Poisson).
        int[] lengths = [10_000];
        var random = new Random(13);
        double[] initial = [0.5, 0.5], transition = [0.95, 0.05, 0.1, 0.9];
        var states = HmmTestCases.StatePaths(random, initial, transition, lengths);
        double expected, actual;
        if (emission == "gaussian")
        {
            var data = HmmTestCases.Sequences(states.Select(z => 1e3 * z + RandomProblems.Normal(random)).ToArray(), 1, lengths);
            double[] means = [0, 1e3], covariances = [1, 1];
            var theta = HmmTestCases.GaussianParameters(initial, transition, FullCovariance.Instance, 1, means, covariances);
            actual = HmmTestCases.GaussianProblem(data, FullCovariance.Instance).Statistics(theta).LogLikelihood;
            expected = LogSpaceForwardBackward.Run(initial, transition, LogSpaceForwardBackward.GaussianLogDensities(data.Values.Span, 1, means, covariances), [0]).LogLikelihood;
        }
        else
        {
            double[] rates = [0.01, 1e4];
            var data = HmmTestCases.Sequences(states.Select(z => HmmTestCases.PoissonDraw(random, rates[z])).ToArray(), 1, lengths);
            actual = HmmTestCases.PoissonProblem(data).Statistics(HmmTestCases.PoissonParameters(initial, transition, rates)).LogLikelihood;
            expected = LogSpaceForwardBackward.Run(initial, transition, LogSpaceForwardBackward.PoissonLogDensities(data.Values.Span, rates), [0]).LogLikelihood;
        }

        Assert.True(double.IsFinite(expected), $"reference ℓ {expected}");
        Assert.True(double.IsFinite(actual), $"ℓ {actual}");
        AssertRelative(expected, actual, "ℓ");
    }

    private static void AssertLatentStatistics<TEmission>(LogSpaceResult reference, HmmStatistics<TEmission> stats, int rows, int sequences)
        where TEmission : IEmissionStatistics<TEmission>
    {
        AssertRelative(reference.LogLikelihood, stats.LogLikelihood, "ℓ");
        Assert.Equal(rows, stats.Weight);
        Assert.Equal(sequences, stats.Sequences);
        int k = stats.States;
        for (int j = 0; j < k; j++)
        {
            AssertRelative(reference.InitialCounts[j], stats.InitialCounts[j], $"initial count of state {j + 1}");
            AssertRelative(reference.Occupancies[j], stats.Occupancies[j], $"occupancy of state {j + 1}");
            for (int i = 0; i < k; i++)
            {
                AssertRelative(reference.TransitionCounts[i * k + j], stats.TransitionCounts[i * k + j], $"transitions {i + 1}→{j + 1}");
            }
        }
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

    private static void AssertRelative(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Abs(expected), $"{what}: {actual:R} vs reference {expected:R} (relative {Math.Abs(actual - expected) / Math.Abs(expected):G3})");
}
