using System.Runtime.Intrinsics;
using LatentFit.Execution;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;
using LatentFit.Numerics;
using LatentFit.Numerics.Kernels;
using LatentFit.Objectives;

namespace LatentFit.Tests.Models.Hmm;

/// <summary>
/// The vectorised scaled forward–backward against a plain log-space forward–backward written here (Rabiner 1989,
/// eqs. 19–25 and 37, every product a sum of logarithms, every sum a log-sum-exp): ℓ, the posteriors γₜ(k) and the
/// expected transitions Σₜ ξₜ(i, j) to 1e-12. K runs over sizes below, at and beyond one and two vectors of every width
/// (1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17), through the width the process chooses for K and through each width the machine
/// accelerates, so that whole vectors and the scalar tails after them are exercised on every width (CI repeats these
/// tests with AVX-512 and AVX2 switched off, which also takes FMA away from the 128-bit path, see <c>KernelPathTests</c>).
/// </summary>
public sealed class ForwardBackwardVectorisationTests
{
    private static readonly int[] StateCounts = [1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17];

    public static TheoryData<int, int> Sizes()
    {
        var sizes = new TheoryData<int, int>();
        foreach (int k in StateCounts)
        {
            foreach (int length in new[] { 1, 2, 60 })
            {
                sizes.Add(k, length);
            }
        }

        return sizes;
    }

    public static TheoryData<int> States() => new(StateCounts);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Run_EveryStateCount_EqualsLogSpaceReference(int k, int length)
    {
        var random = new Random(1000 * k + length);
        var (initial, transition, logDensities) = RandomProblem(random, k, length);
        var posteriors = (double[])logDensities.Clone();
        var transitionCounts = new double[k * k];
        double logLikelihood = ForwardBackward.Run(initial, transition, k, length, posteriors, new double[length * k], new double[length], transitionCounts, new double[k * k]);

        AssertEqualsReference(initial, transition, logDensities, k, length, logLikelihood, posteriors, transitionCounts, $"{KernelPath.Current}, {ForwardBackward.LaneBits(k, KernelPath.Bits)} bits for K = {k}");
    }

    /// <summary>
    /// Each width the machine accelerates, whatever the process would choose for K: K = 17 on 128 bits is eight whole
    /// vectors and a tail of one, on 512 bits two and a tail of one; K = 4 on 512 bits is the scalar tail alone.
    /// </summary>
    [Theory]
    [MemberData(nameof(States))]
    public void RunOnLanes_EveryAcceleratedWidth_EqualsLogSpaceReference(int k)
    {
        const int length = 60;
        var (initial, transition, logDensities) = RandomProblem(new Random(7 * k), k, length);
        int widths = 0;
        if (Lanes128<double>.IsAccelerated)
        {
            Check<Lanes128<double>, Vector128<double>>(128);
        }

        if (Lanes256<double>.IsAccelerated)
        {
            Check<Lanes256<double>, Vector256<double>>(256);
        }

        if (Lanes512<double>.IsAccelerated)
        {
            Check<Lanes512<double>, Vector512<double>>(512);
        }

        Assert.Equal(KernelPath.Bits switch { 512 => 3, 256 => 2, 128 => 1, _ => 0 }, widths);

        void Check<TLanes, TVector>(int bits)
            where TLanes : struct, ILanes<TVector, double>
            where TVector : unmanaged
        {
            var posteriors = (double[])logDensities.Clone();
            var transitionCounts = new double[k * k];
            double logLikelihood = ForwardBackward.Run<TLanes, TVector>(initial, transition, k, length, posteriors, new double[length * k], new double[length], transitionCounts, new double[k * k]);
            AssertEqualsReference(initial, transition, logDensities, k, length, logLikelihood, posteriors, transitionCounts, $"{bits}-bit lanes, K = {k}");
            widths++;
        }
    }

    [Theory]
    [InlineData(1, 512, 0)]
    [InlineData(2, 512, 128)]
    [InlineData(3, 512, 128)]
    [InlineData(4, 512, 256)]
    [InlineData(5, 512, 256)]
    [InlineData(7, 512, 256)]
    [InlineData(8, 512, 512)]
    [InlineData(9, 512, 512)]
    [InlineData(12, 512, 256)]
    [InlineData(16, 512, 512)]
    [InlineData(17, 512, 512)]
    [InlineData(8, 256, 256)]
    [InlineData(17, 256, 256)]
    [InlineData(3, 256, 128)]
    [InlineData(17, 128, 128)]
    [InlineData(1, 128, 0)]
    [InlineData(8, 0, 0)]
    public void LaneBits_StatesAndWidestWidth_FewestOperationsNoWiderThanK(int k, int widest, int expected) =>
        Assert.Equal(expected, ForwardBackward.LaneBits(k, widest));

    /// <summary>
    /// The row maxima of the forward–backward (its Shift) rely on the lanes' Max returning NaN when either operand is
    /// NaN, as <see cref="Math.Max(double, double)"/> does, where x86's maxpd returns its second operand.
    /// </summary>
    [Fact]
    public void LanesMax_NaNInEitherOperand_NaNInEveryLaneOfEveryWidth()
    {
        Check<Lanes128<double>, Vector128<double>>();
        Check<Lanes256<double>, Vector256<double>>();
        Check<Lanes512<double>, Vector512<double>>();

        static void Check<TLanes, TVector>()
            where TLanes : struct, ILanes<TVector, double>
            where TVector : unmanaged
        {
            var values = new double[TLanes.Count];
            foreach (var (left, right) in new[] { (double.NaN, 1.0), (1.0, double.NaN), (double.NaN, double.NegativeInfinity), (double.NegativeInfinity, double.NaN) })
            {
                TLanes.Store(TLanes.Max(TLanes.Broadcast(left), TLanes.Broadcast(right)), ref values[0], 0);
                Assert.All(values, v => Assert.True(double.IsNaN(v), $"{TLanes.Count} lanes: Max({left}, {right}) = {v}"));
            }
        }
    }

    /// <summary>
    /// The E-step of Poisson HMMs whose K takes each width's whole vectors and tails gives the same bits for 1, 2 and 3
    /// threads on the local and sharded backends, in blocks of 250 rows and in blocks of 900 (each partition against
    /// its own one-thread run: blocks are merged in block order, so another partition sums in another order): the
    /// width depends on K and the process, never on the thread that runs a block.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(12)]
    [InlineData(17)]
    public void Statistics_ManyStates_BitIdenticalForAnyThreadsAndBackend(int k)
    {
        var random = new Random(40 + k);
        var lengths = Enumerable.Range(0, 60).Select(_ => 1 + random.Next(50)).ToArray();
        var rates = Enumerable.Range(0, k).Select(j => 1.0 + 2 * j).ToArray();
        var transition = StickyTransitions(k);
        var initial = Enumerable.Repeat(1.0 / k, k).ToArray();
        var states = HmmTestCases.StatePaths(random, initial, transition, lengths);
        var data = HmmTestCases.Sequences(states.Select(z => HmmTestCases.PoissonDraw(random, rates[z])).ToArray(), 1, lengths);
        var theta = HmmTestCases.PoissonParameters(initial, transition, rates.Select(r => 1.2 * r + 0.3).ToArray());
        var model = HmmTestCases.PoissonModel(k);

        foreach (int blockRows in new[] { 250, 900 })
        {
            var expected = Flat(new ExecutionOptions(1, blockRows));
            for (int threads = 1; threads <= 3; threads++)
            {
                foreach (var execution in new[] { new ExecutionOptions(threads, blockRows), new ExecutionOptions(threads, blockRows) { Backend = new ShardedBackend(threads) } })
                {
                    var flat = Flat(execution);
                    Assert.Equal(expected.Length, flat.Length);
                    for (int i = 0; i < flat.Length; i++)
                    {
                        Assert.True(
                            BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(flat[i]),
                            $"K = {k}, {execution.Backend.Name}, {threads} threads, blocks of {blockRows}: flat[{i}] {flat[i]:R} vs {expected[i]:R}");
                    }
                }
            }
        }

        double[] Flat(ExecutionOptions execution)
        {
            var stats = new FitProblem<HmmParameters<PoissonEmissionParameters>, HmmStatistics<PoissonEmissionStatistics>>(model, data, execution).Statistics(theta);
            var flat = new double[stats.FlatLength];
            stats.WriteFlat(flat);
            return flat;
        }
    }

    [Fact]
    public void Run_NoRows_ThrowsRatherThanWritingBeforeTheBuffers() =>
        Assert.Throws<ArgumentException>(() => ForwardBackward.Run([0.5, 0.5], [0.9, 0.1, 0.2, 0.8], 2, 0, new double[2], new double[2], new double[1], new double[4], new double[4]));

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

    private static void AssertEqualsReference(
        double[] initial, double[] transition, double[] logDensities, int k, int length, double logLikelihood, double[] posteriors, double[] transitionCounts, string where)
    {
        var (expectedLogLikelihood, expectedPosteriors, expectedTransitions) = LogSpaceReference(initial, transition, logDensities, k, length);
        Assert.True(Math.Abs(logLikelihood - expectedLogLikelihood) <= 1e-12 * Math.Abs(expectedLogLikelihood), $"{where}: ℓ {logLikelihood:R} against {expectedLogLikelihood:R}");
        for (int i = 0; i < length * k; i++)
        {
            Assert.True(Math.Abs(posteriors[i] - expectedPosteriors[i]) <= 1e-12, $"{where}: γ[{i / k}][{i % k}] = {posteriors[i]:R} against {expectedPosteriors[i]:R}");
        }

        for (int i = 0; i < k * k; i++)
        {
            Assert.True(Math.Abs(transitionCounts[i] - expectedTransitions[i]) <= 1e-12 * Math.Max(1, expectedTransitions[i]), $"{where}: ξ[{i / k}][{i % k}] = {transitionCounts[i]:R} against {expectedTransitions[i]:R}");
        }
    }

    /// <summary>Γ = ½I + ½/K.</summary>
    private static double[] StickyTransitions(int k)
    {
        var transition = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                transition[i * k + j] = (i == j ? 0.5 : 0) + 0.5 / k;
            }
        }

        return transition;
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
