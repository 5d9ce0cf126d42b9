using LatentFit.Data;
using LatentFit.Models.Mixtures;
using LatentFit.Numerics;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Tests.Numerics;

/// <summary>
/// Each E-step kernel of <see cref="ColumnBlock"/> and the mixture posterior against a plain loop over the rows written
/// here: the Mahalanobis terms ‖L⁻¹(x − μ)‖² row by row, the weighted moments and scatter, the diagonal and spherical
/// terms, and log-sum-exp for the responsibilities. Blocks of 256 rows take the register kernels of this process's
/// path (<see cref="KernelPath.Current"/>; CI runs these tests again with AVX-512 and AVX2 switched off), blocks of 250
/// the SIMD-library fallback; dimensions from 1 to 17 reach every part of the 4-row tiles (whole groups, the
/// triangle's corner, the rows left over, the padding of D to a multiple of four).
/// </summary>
public sealed class ColumnBlockKernelTests
{
    private static readonly int[] Dimensions = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 50];

    public static TheoryData<int, int, Precision, bool> Cases()
    {
        var cases = new TheoryData<int, int, Precision, bool>();
        foreach (int d in Dimensions)
        {
            // 256 rows fill whole groups of four vectors at every width and precision, 250 at none; 40, 48, 96 and 192
            // are an odd number of such groups on one path or another (eight lanes of float32 at 128 bits and so on),
            // where the kernels that take eight vectors a step finish on four.
            foreach (int rows in new[] { 256, 250, 40, 48, 96, 192 })
            {
                foreach (var precision in new[] { Precision.Double, Precision.Single })
                {
                    cases.Add(d, rows, precision, d % 2 == 1);
                }
            }
        }

        return cases;
    }

    /// <summary>Values near a centre far from 0 (so that float32 offsets from the origin matter), row weights where asked.</summary>
    private sealed class Problem
    {
        public Problem(int rows, int d, Precision precision, bool weighted, int seed)
        {
            var random = new Random(seed);
            Rows = rows;
            Dimension = d;
            Precision = precision;
            Origin = Enumerable.Range(0, d).Select(c => 100.0 + c).ToArray();
            Values = new double[rows * d];
            Offsets = new float[rows * d];
            for (int i = 0; i < Values.Length; i++)
            {
                Offsets[i] = (float)(3 * (random.NextDouble() - 0.5));
                Values[i] = precision == Precision.Single ? Origin[i % d] + Offsets[i] : Origin[i % d] + (3 * (random.NextDouble() - 0.5));
            }

            Weights = weighted ? Enumerable.Range(0, rows).Select(_ => 0.5 + random.NextDouble()).ToArray() : [];
            Mean = Enumerable.Range(0, d).Select(c => Origin[c] + (random.NextDouble() - 0.5)).ToArray();
            InverseFactor = new double[d * d];
            for (int i = 0; i < d; i++)
            {
                for (int j = 0; j < i; j++)
                {
                    InverseFactor[i * d + j] = random.NextDouble() - 0.5;
                }

                InverseFactor[i * d + i] = 0.5 + random.NextDouble();
            }

            Responsibilities = Enumerable.Range(0, rows).Select(_ => random.NextDouble()).ToArray();
            InverseScales = Enumerable.Range(0, d).Select(_ => 0.5 + random.NextDouble()).ToArray();
        }

        public int Rows { get; }

        public int Dimension { get; }

        public Precision Precision { get; }

        public double[] Origin { get; }

        public double[] Values { get; }

        public float[] Offsets { get; }

        public double[] Weights { get; }

        public double[] Mean { get; }

        public double[] InverseFactor { get; }

        public double[] Responsibilities { get; }

        public double[] InverseScales { get; }

        public DataBlock Block() => Precision == Precision.Single
            ? new DataBlock(Offsets, Origin, Rows, Dimension, Weights)
            : new DataBlock(Values, Rows, Dimension, Weights);

        /// <summary>xₙc − μc, in float64 from the stored values.</summary>
        public double Centred(int n, int c) => Values[n * Dimension + c] - Mean[c];

        public double Weight(int n) => Responsibilities[n] * (Weights.Length == 0 ? 1 : Weights[n]);
    }

    private static double Tolerance(Precision precision) => precision == Precision.Single ? 2e-5 : 1e-12;

    private static void AssertClose(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R} (path {KernelPath.Current})");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Block_TakesTheRegisterKernelsExactlyWhenItsRowsFillWholeVectors(int d, int rows, Precision precision, bool weighted)
    {
        var problem = new Problem(rows, d, precision, weighted, seed: 5);
        using var block = ColumnBlock.Create(problem.Block());

        // Whole groups of four vectors: 256 rows at every width and precision, 250 at none.
        int lanes = KernelPath.Bits / 8 / (precision == Precision.Single ? sizeof(float) : sizeof(double));
        Assert.Equal(KernelPath.Bits > 0 && rows % (4 * lanes) == 0, block.UsesRegisterKernels);
        Assert.True(rows != 256 || KernelPath.Bits == 0 || block.UsesRegisterKernels);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogDensities_MatchPlainMahalanobisTerms(int d, int rows, Precision precision, bool weighted)
    {
        var problem = new Problem(rows, d, precision, weighted, seed: 10 * d + rows);
        using var block = ColumnBlock.Create(problem.Block());
        var actual = new double[rows];
        block.Centre(problem.Mean);
        block.LogDensities(problem.InverseFactor, -1.25, actual);

        // A float32 block also writes float32, without the normaliser (the single-precision posterior adds it in
        // float64); a float64 block refuses float32 output.
        // With L⁻¹ rounded to float32 beforehand (as the covariance factors keep it for single-precision data), a float32
        // block gives the same bits as rounding it itself; a float64 block refuses it.
        var single = new float[rows];
        var roundedFactor = problem.InverseFactor.Select(v => (float)v).ToArray();
        Assert.Equal(precision == Precision.Single, block.ComputesInSingle);
        if (precision == Precision.Single)
        {
            block.LogDensities(problem.InverseFactor, -1.25, single);
            var fromRounded = new double[rows];
            var singleFromRounded = new float[rows];
            block.LogDensities(roundedFactor, -1.25, fromRounded);
            block.LogDensities(roundedFactor, -1.25, singleFromRounded);
            Assert.Equal(actual, fromRounded);
            Assert.Equal(single, singleFromRounded);
        }
        else
        {
            Assert.Throws<ArgumentException>(() => block.LogDensities(problem.InverseFactor, -1.25, new float[rows]));
            Assert.Throws<ArgumentException>(() => block.LogDensities(roundedFactor, -1.25, new double[rows]));
        }

        for (int n = 0; n < rows; n++)
        {
            double squared = 0;
            for (int i = 0; i < d; i++)
            {
                double z = 0;
                for (int j = 0; j <= i; j++)
                {
                    z += problem.InverseFactor[i * d + j] * problem.Centred(n, j);
                }

                squared += z * z;
            }

            AssertClose(-1.25 - (0.5 * squared), actual[n], Tolerance(precision), $"log-density of row {n}, D = {d}, B = {rows}, {precision}");
            if (precision == Precision.Single)
            {
                AssertClose(-0.5 * squared, single[n], Tolerance(precision), $"float32 log-density less its normaliser, row {n}, D = {d}, B = {rows}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AddMoments_MatchPlainWeightedSums(int d, int rows, Precision precision, bool weighted)
    {
        var problem = new Problem(rows, d, precision, weighted, seed: 20 * d + rows);
        using var block = ColumnBlock.Create(problem.Block());
        var first = Enumerable.Repeat(1.0, d).ToArray();
        var scatter = Enumerable.Repeat(2.0, d * d).ToArray();
        block.Centre(problem.Mean);
        block.AddMoments(problem.Block(), problem.Responsibilities, first, scatter);

        // The same from float32 responsibilities (the single-precision posterior's), into sums that start at the same values.
        var singleFirst = Enumerable.Repeat(1.0, d).ToArray();
        var singleScatter = Enumerable.Repeat(2.0, d * d).ToArray();
        if (precision == Precision.Single)
        {
            block.AddMoments(problem.Block(), problem.Responsibilities.Select(r => (float)r).ToArray(), singleFirst, singleScatter);
        }
        else
        {
            Assert.Throws<ArgumentException>(() => block.AddMoments(problem.Block(), new float[rows], singleFirst, singleScatter));
            singleFirst = first;
            singleScatter = scatter;
        }

        for (int i = 0; i < d; i++)
        {
            double expectedFirst = 1;
            for (int n = 0; n < rows; n++)
            {
                expectedFirst += problem.Weight(n) * problem.Centred(n, i);
            }

            AssertClose(expectedFirst, first[i], 10 * Tolerance(precision), $"first moment {i}, D = {d}, B = {rows}, {precision}");
            AssertClose(expectedFirst, singleFirst[i], 10 * Tolerance(precision), $"first moment {i} from float32 responsibilities, D = {d}, B = {rows}");
            for (int j = 0; j < d; j++)
            {
                double expected = 2;
                if (j >= i)
                {
                    for (int n = 0; n < rows; n++)
                    {
                        expected += problem.Weight(n) * problem.Centred(n, i) * problem.Centred(n, j);
                    }
                }

                // Only the upper triangle is added to; the lower keeps its value.
                AssertClose(expected, scatter[i * d + j], 10 * Tolerance(precision), $"scatter ({i}, {j}), D = {d}, B = {rows}, {precision}");
                AssertClose(expected, singleScatter[i * d + j], 10 * Tolerance(precision), $"scatter ({i}, {j}) from float32 responsibilities, D = {d}, B = {rows}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DiagonalKernels_MatchPlainSums(int d, int rows, Precision precision, bool weighted)
    {
        var problem = new Problem(rows, d, precision, weighted, seed: 30 * d + rows);
        using var block = ColumnBlock.Create(problem.Block());
        foreach (bool spherical in new[] { false, true })
        {
            var scales = spherical ? problem.InverseScales[..1] : problem.InverseScales;
            var actual = new double[rows];
            block.DiagonalLogDensities(problem.Mean, scales, 0.75, actual);
            var first = new double[d];
            var scatter = new double[spherical ? 1 : d];
            block.AddDiagonalMoments(problem.Block(), problem.Responsibilities, problem.Mean, first, scatter);

            // float32 log-densities (less the normaliser) and float32 responsibilities, from a float32 block.
            var single = new float[rows];
            var singleFirst = new double[d];
            var singleScatter = new double[scatter.Length];
            if (precision == Precision.Single)
            {
                block.DiagonalLogDensities(problem.Mean, scales, 0.75, single);
                block.AddDiagonalMoments(problem.Block(), problem.Responsibilities.Select(r => (float)r).ToArray(), problem.Mean, singleFirst, singleScatter);
            }
            else
            {
                Assert.Throws<ArgumentException>(() => block.DiagonalLogDensities(problem.Mean, scales, 0.75, single));
                Assert.Throws<ArgumentException>(() => block.AddDiagonalMoments(problem.Block(), new float[rows], problem.Mean, singleFirst, singleScatter));
                single = actual.Select(v => (float)(v - 0.75)).ToArray();
                singleFirst = first;
                singleScatter = scatter;
            }

            var expectedFirst = new double[d];
            var expectedScatter = new double[scatter.Length];
            for (int n = 0; n < rows; n++)
            {
                double squared = 0;
                for (int c = 0; c < d; c++)
                {
                    double z = problem.Centred(n, c) * scales[spherical ? 0 : c];
                    squared += z * z;
                    expectedFirst[c] += problem.Weight(n) * problem.Centred(n, c);
                    expectedScatter[spherical ? 0 : c] += problem.Weight(n) * problem.Centred(n, c) * problem.Centred(n, c);
                }

                AssertClose(0.75 - (0.5 * squared), actual[n], Tolerance(precision), $"diagonal log-density of row {n} (spherical {spherical}), D = {d}, B = {rows}");
                AssertClose(-0.5 * squared, single[n], 1e-5, $"float32 diagonal log-density less its normaliser, row {n} (spherical {spherical}), D = {d}, B = {rows}");
            }

            for (int c = 0; c < d; c++)
            {
                AssertClose(expectedFirst[c], first[c], 10 * Tolerance(precision), $"diagonal first moment {c} (spherical {spherical}), D = {d}, B = {rows}");
                AssertClose(expectedFirst[c], singleFirst[c], 10 * Tolerance(precision), $"diagonal first moment {c} from float32 responsibilities (spherical {spherical}), D = {d}, B = {rows}");
            }

            for (int c = 0; c < scatter.Length; c++)
            {
                AssertClose(expectedScatter[c], scatter[c], 10 * Tolerance(precision), $"diagonal scatter {c} (spherical {spherical}), D = {d}, B = {rows}");
                AssertClose(expectedScatter[c], singleScatter[c], 10 * Tolerance(precision), $"diagonal scatter {c} from float32 responsibilities (spherical {spherical}), D = {d}, B = {rows}");
            }
        }
    }

    /// <summary>
    /// Three components in one call (the kernels' loop over components inside the loop over rows or columns): each
    /// component's log-densities and moments against plain sums with its own mean, scales, normaliser and
    /// responsibilities, diagonal and spherical, in every case of block and precision.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void DiagonalKernels_ManyComponentsAtOnce_MatchPlainSums(int d, int rows, Precision precision, bool weighted)
    {
        const int k = 3;
        var problem = new Problem(rows, d, precision, weighted, seed: 7 * d + rows);
        var random = new Random(d + rows);
        var means = Enumerable.Range(0, k * d).Select(i => problem.Mean[i % d] + (0.4 * (i / d)) - 0.3).ToArray();
        double[] normalizers = [0.75, -1.5, 2.25];
        var responsibilities = Enumerable.Range(0, k * rows).Select(_ => random.NextDouble()).ToArray();
        using var block = ColumnBlock.Create(problem.Block());
        foreach (bool spherical in new[] { false, true })
        {
            var scales = Enumerable.Range(0, spherical ? k : k * d).Select(_ => 0.5 + random.NextDouble()).ToArray();
            int scalesEach = spherical ? 1 : d;
            var actual = new double[k * rows];
            block.DiagonalLogDensities(means, scales, normalizers, actual);
            var first = new double[k * d];
            var scatter = new double[k * scalesEach];
            block.AddDiagonalMoments(problem.Block(), responsibilities, means, first, scatter);
            for (int j = 0; j < k; j++)
            {
                var expectedFirst = new double[d];
                var expectedScatter = new double[scalesEach];
                for (int n = 0; n < rows; n++)
                {
                    double squared = 0, weight = responsibilities[(j * rows) + n] * (problem.Weights.Length == 0 ? 1 : problem.Weights[n]);
                    for (int c = 0; c < d; c++)
                    {
                        double centred = problem.Values[(n * d) + c] - means[(j * d) + c];
                        double z = centred * scales[(j * scalesEach) + (spherical ? 0 : c)];
                        squared += z * z;
                        expectedFirst[c] += weight * centred;
                        expectedScatter[spherical ? 0 : c] += weight * centred * centred;
                    }

                    AssertClose(normalizers[j] - (0.5 * squared), actual[(j * rows) + n], Tolerance(precision), $"component {j}'s log-density of row {n} (spherical {spherical}), D = {d}, B = {rows}");
                }

                for (int c = 0; c < d; c++)
                {
                    AssertClose(expectedFirst[c], first[(j * d) + c], 10 * Tolerance(precision), $"component {j}'s first moment {c} (spherical {spherical}), D = {d}, B = {rows}");
                }

                for (int c = 0; c < scalesEach; c++)
                {
                    AssertClose(expectedScatter[c], scatter[(j * scalesEach) + c], 10 * Tolerance(precision), $"component {j}'s scatter {c} (spherical {spherical}), D = {d}, B = {rows}");
                }
            }
        }

        Assert.Throws<ArgumentException>(() => block.DiagonalLogDensities(means, new double[2], normalizers, new double[k * rows]));
        Assert.Throws<ArgumentException>(() => block.AddDiagonalMoments(problem.Block(), responsibilities, means, new double[k * d], new double[2]));
    }

    private sealed class Totals(int components) : IMixtureTotals
    {
        public double LogLikelihood { get; set; }

        public double Weight { get; set; }

        public double[] ComponentWeights { get; } = new double[components];
    }

    public static TheoryData<int, int, bool> PosteriorCases()
    {
        var cases = new TheoryData<int, int, bool>();
        // K = 1 and 129, 2, and 3 leave one, two and three components after the exponentials' whole steps of four.
        foreach (int k in new[] { 1, 2, 3, 8, 129 })
        {
            // 256 rows fill whole groups of four vectors at every width and precision, 250 at none; 40, 48, 96 and 192
            // are an odd number of such groups on one path or another (eight lanes of float32 at 128 bits and so on),
            // where the kernels that take eight vectors a step finish on four.
            foreach (int rows in new[] { 256, 250, 40, 48, 96, 192 })
            {
                cases.Add(k, rows, false);
                cases.Add(k, rows, true);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(PosteriorCases))]
    public void Responsibilities_MatchPlainLogSumExp(int k, int rows, bool weighted)
    {
        var random = new Random(k * 1000 + rows);

        // Log-densities hundreds apart in some rows, so that some responsibilities underflow to 0 and the row's maximum
        // must come out first.
        var logDensities = Enumerable.Range(0, k * rows).Select(_ => -800 * random.NextDouble() * random.NextDouble()).ToArray();
        var logWeights = Enumerable.Range(0, k).Select(_ => Math.Log(0.1 + random.NextDouble())).ToArray();
        var weights = weighted ? Enumerable.Range(0, rows).Select(_ => 0.5 + random.NextDouble()).ToArray() : [];
        var values = new double[rows];
        var expected = (double[])logDensities.Clone();
        var totals = new Totals(k) { LogLikelihood = 3, Weight = 4 };
        MixturePosterior.Responsibilities(new DataBlock(values, rows, 1, weights), logDensities, logWeights, new double[2 * rows], totals);

        double expectedLogLikelihood = 3, expectedWeight = 4;
        var expectedComponents = new double[k];
        for (int n = 0; n < rows; n++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < k; j++)
            {
                max = Math.Max(max, expected[j * rows + n] + logWeights[j]);
            }

            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                sum += Math.Exp(expected[j * rows + n] + logWeights[j] - max);
            }

            double w = weighted ? weights[n] : 1;
            expectedLogLikelihood += w * (max + Math.Log(sum));
            expectedWeight += w;
            for (int j = 0; j < k; j++)
            {
                double r = Math.Exp(expected[j * rows + n] + logWeights[j] - max) / sum;
                Assert.True(Math.Abs(r - logDensities[j * rows + n]) <= 1e-13, $"r[{n}, {j}] = {logDensities[j * rows + n]:R}, expected {r:R} (K = {k}, B = {rows}, path {KernelPath.Current})");
                expectedComponents[j] += w * r;
            }
        }

        AssertClose(expectedLogLikelihood, totals.LogLikelihood, 1e-12, $"ℓ (K = {k}, B = {rows})");
        AssertClose(expectedWeight, totals.Weight, 1e-14, $"weight (K = {k}, B = {rows})");
        for (int j = 0; j < k; j++)
        {
            AssertClose(expectedComponents[j], totals.ComponentWeights[j], 1e-12, $"n_{j} (K = {k}, B = {rows})");
        }
    }

    public static TheoryData<int, int, bool> SinglePosteriorCases()
    {
        var cases = new TheoryData<int, int, bool>();
        // K = 1 and 129, 6, and 3 leave one, two and three components after the exponentials' whole steps of four.
        foreach (int k in new[] { 1, 3, 4, 6, 16, 129 })
        {
            // 256 rows fill whole groups of four vectors at every width and precision, 250 at none; 40, 48, 96 and 192
            // are an odd number of such groups on one path or another (eight lanes of float32 at 128 bits and so on),
            // where the kernels that take eight vectors a step finish on four.
            foreach (int rows in new[] { 256, 250, 40, 48, 96, 192 })
            {
                cases.Add(k, rows, k % 2 == 0);
            }
        }

        return cases;
    }

    /// <summary>
    /// The float32 posterior (single-precision data) against log-sum-exp in float64 on the same float32 log-densities
    /// with their constants added in float64, over 256 blocks (65,536 rows): responsibilities to 2e-6 (more in rows whose
    /// log-densities are hundreds, by their own float32 rounding), nₖ to 1e-6 of N, and ℓ to 1.5e-3 in all (about 5e-10
    /// of it). The ℓ bound is about three times what the float32 rounding of each row's largest term costs as noise
    /// (√N × 1e-6, more in the far rows); a bias of a float32 ulp a row, as the runtime's exp(0) = 1 + 2⁻²³ gave when it
    /// was not clamped, is 7.8e-3, and constants added to the values in float32 cost more than the bound too.
    /// </summary>
    [Theory]
    [MemberData(nameof(SinglePosteriorCases))]
    public void SinglePrecisionResponsibilities_MatchFloat64LogSumExp(int k, int rows, bool weighted)
    {
        var random = new Random(k * 7 + rows);
        var logWeights = Enumerable.Range(0, k).Select(_ => Math.Log(0.1 + random.NextDouble())).ToArray();

        // Constants like a Gaussian's normalisers (−D/2·log 2π − log|Σ|^½): not round numbers.
        var constants = Enumerable.Range(0, k).Select(_ => -14.703016 - (3 * random.NextDouble())).ToArray();
        var totals = new Totals(k) { LogLikelihood = 3, Weight = 4 };
        double expectedLogLikelihood = 3, expectedWeight = 4;
        var expectedComponents = new double[k];
        var scratch = new float[3 * rows];
        for (int blockIndex = 0; blockIndex < 256; blockIndex++)
        {
            // −½ Mahalanobis terms, mostly within a few units of each other, some rows far from every component.
            var logDensities = new float[k * rows];
            for (int n = 0; n < rows; n++)
            {
                double far = n % 17 == 0 ? -300 * random.NextDouble() : 0;
                for (int j = 0; j < k; j++)
                {
                    logDensities[j * rows + n] = (float)(far - (12 * random.NextDouble() * random.NextDouble()));
                }
            }

            var weights = weighted ? Enumerable.Range(0, rows).Select(_ => (double)random.Next(1, 4)).ToArray() : [];
            var inputs = (float[])logDensities.Clone();
            MixturePosterior.Responsibilities(new DataBlock(new double[rows], rows, 1, weights), logDensities, new MixturePosterior.SinglePrecisionShifts(logWeights, constants), scratch, totals);
            for (int n = 0; n < rows; n++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < k; j++)
                {
                    max = Math.Max(max, inputs[j * rows + n] + logWeights[j] + constants[j]);
                }

                double sum = 0;
                for (int j = 0; j < k; j++)
                {
                    sum += Math.Exp(inputs[j * rows + n] + logWeights[j] + constants[j] - max);
                }

                // The responsibilities to 2e-6, and to the float32 rounding of the values themselves (half an ulp of
                // the largest, relative, for each of two), which matters in the rows far from every component.
                double w = weighted ? weights[n] : 1, bound = 2e-6 + (Math.Abs(max) * Math.Pow(2, -22));
                expectedLogLikelihood += w * (max + Math.Log(sum));
                expectedWeight += w;
                for (int j = 0; j < k; j++)
                {
                    double r = Math.Exp(inputs[j * rows + n] + logWeights[j] + constants[j] - max) / sum;
                    Assert.True(Math.Abs(r - logDensities[j * rows + n]) <= bound, $"r[{n}, {j}] = {logDensities[j * rows + n]:R}, expected {r:R} (K = {k}, B = {rows}, path {KernelPath.Current})");
                    expectedComponents[j] += w * r;
                }
            }
        }

        Assert.True(Math.Abs(expectedLogLikelihood - totals.LogLikelihood) <= 1.5e-3, $"ℓ: expected {expectedLogLikelihood:R}, got {totals.LogLikelihood:R} (K = {k}, B = {rows}, path {KernelPath.Current})");
        AssertClose(expectedWeight, totals.Weight, 1e-14, $"weight (K = {k}, B = {rows})");
        for (int j = 0; j < k; j++)
        {
            Assert.True(Math.Abs(expectedComponents[j] - totals.ComponentWeights[j]) <= 1e-6 * expectedWeight, $"n_{j}: expected {expectedComponents[j]:R}, got {totals.ComponentWeights[j]:R} (K = {k}, B = {rows}, path {KernelPath.Current})");
        }
    }

    [Theory]
    [InlineData(256, false)]
    [InlineData(250, false)]
    [InlineData(256, true)]
    [InlineData(250, true)]
    public void SinglePrecisionResponsibilities_RowNoComponentExplainsOrNaN_MinusInfinity(int rows, bool nan)
    {
        const int k = 3;
        var logDensities = Enumerable.Range(0, k * rows).Select(i => -(float)(i % 7)).ToArray();
        for (int j = 0; j < k; j++)
        {
            logDensities[j * rows + 37] = float.NegativeInfinity;
        }

        if (nan)
        {
            logDensities[rows + 5] = float.NaN;
        }

        var totals = new Totals(k);
        MixturePosterior.Responsibilities(new DataBlock(new double[rows], rows, 1), logDensities, new MixturePosterior.SinglePrecisionShifts([-1.0, -1.5, -0.9], [-2.0, -2.5, -3.0]), new float[3 * rows], totals);
        Assert.Equal(double.NegativeInfinity, totals.LogLikelihood);
    }

    /// <summary>
    /// One NaN among finite log-densities (no row all −∞), anywhere in the block, makes ℓ −∞ in both posteriors; a
    /// component at −∞ throughout (a weight of zero) does not. The register posteriors' maximum is the instruction's,
    /// which can drop a NaN: the values' sum catches it.
    /// </summary>
    [Theory]
    [InlineData(256)]
    [InlineData(250)]
    public void Responsibilities_OneNaN_NoComponentExplains_AComponentAtMinusInfinityDoesNot(int rows)
    {
        const int k = 3;
        foreach (int at in new[] { 0, 5, rows + 3, (2 * rows) + 130, (3 * rows) - 1 })
        {
            foreach (bool nan in new[] { true, false })
            {
                var values = Enumerable.Range(0, k * rows).Select(i => -(double)(i % 7) - 0.25).ToArray();
                for (int n = 0; n < rows; n++)
                {
                    values[(2 * rows) + n] = nan ? values[(2 * rows) + n] : double.NegativeInfinity;
                }

                if (nan)
                {
                    values[at] = double.NaN;
                }

                var wide = new Totals(k);
                MixturePosterior.Responsibilities(new DataBlock(new double[rows], rows, 1), values.ToArray(), [-1.0, -1.5, -0.9], new double[2 * rows], wide);
                var single = new Totals(k);
                MixturePosterior.Responsibilities(new DataBlock(new double[rows], rows, 1), values.Select(v => (float)v).ToArray(), new MixturePosterior.SinglePrecisionShifts([-1.0, -1.5, -0.9], [-2.0, -2.5, -3.0]), new float[3 * rows], single);
                foreach (var (totals, precision) in new[] { (wide, "float64"), (single, "float32") })
                {
                    if (nan)
                    {
                        Assert.True(double.IsNegativeInfinity(totals.LogLikelihood), $"{precision}: a NaN at {at} gave ℓ = {totals.LogLikelihood:R} (B = {rows}, path {KernelPath.Current})");
                    }
                    else
                    {
                        Assert.True(double.IsFinite(totals.LogLikelihood), $"{precision}: a component at −∞ gave ℓ = {totals.LogLikelihood:R} (B = {rows}, path {KernelPath.Current})");
                    }
                }
            }
        }
    }

    /// <summary>
    /// The float32 posterior splits each constant into a multiple of 2⁻⁷ and a factor fₖ rounded to float32, and takes
    /// the factor's rounding back from ℓ to first order. With one component (every responsibility 1) ℓ is exactly
    /// Σₙ (uₙ + a); for the constant below whose factor rounds worst (up to 6e-8 a row) the correction is 3e-3 over
    /// 65,536 rows, and without it ℓ misses by that, against noise of about 1.3e-4.
    /// </summary>
    [Fact]
    public void SinglePrecisionResponsibilities_OneComponent_LogLikelihoodIsTheSumOfTheLogDensities()
    {
        const int rows = 256;
        double constant = -14.703016, worst = 0;
        for (int i = 0; i < 20000; i++)
        {
            double candidate = -14.703016 + (i * 1e-6), coarse = Math.Round(candidate * 128) / 128;
            double lost = Math.Abs(candidate - coarse - Math.Log((float)Math.Exp(candidate - coarse)));
            if (lost > worst)
            {
                (worst, constant) = (lost, candidate);
            }
        }

        var random = new Random(3);
        var totals = new Totals(1);
        double expected = 0;
        for (int blockIndex = 0; blockIndex < 256; blockIndex++)
        {
            var logDensities = Enumerable.Range(0, rows).Select(_ => -(float)random.NextDouble()).ToArray();
            expected += logDensities.Sum(u => u + constant);
            MixturePosterior.Responsibilities(new DataBlock(new double[rows], rows, 1), logDensities, new MixturePosterior.SinglePrecisionShifts([0.0], [constant]), new float[3 * rows], totals);
        }

        Assert.True(worst > 4e-8, $"the worst factor rounding found is {worst:E2}");
        Assert.True(Math.Abs(expected - totals.LogLikelihood) <= 1e-3, $"ℓ: expected {expected:R}, got {totals.LogLikelihood:R} (path {KernelPath.Current})");
    }

    /// <summary>
    /// The posterior's inlined exponential (<see cref="VectorExp"/>) against <see cref="Math.Exp"/> on its whole domain
    /// [−708, 0], at this process's vector width: within one ulp (also on x86 without FMA, where its multiplications and
    /// additions round apart), and unbiased (mean signed error below 0.05 ulp over 200,000 values), with e⁰ = 1 exactly.
    /// </summary>
    [Fact]
    public void VectorExp_WithinAnUlpOfMathExp()
    {
        var random = new Random(17);
        var inputs = new double[200_000];
        for (int i = 0; i < inputs.Length; i++)
        {
            // The whole domain, and densely near 0 where the posterior's exponentials mostly fall.
            inputs[i] = i % 2 == 0 ? -708 * random.NextDouble() : -30 * random.NextDouble() * random.NextDouble();
        }

        inputs[0] = 0;
        inputs[1] = -708;
        var outputs = KernelPath.Bits switch
        {
            512 => Apply<Lanes512<double>, System.Runtime.Intrinsics.Vector512<double>>(inputs),
            256 => Apply<Lanes256<double>, System.Runtime.Intrinsics.Vector256<double>>(inputs),
            _ => Apply<Lanes128<double>, System.Runtime.Intrinsics.Vector128<double>>(inputs),
        };
        double worst = 0, signed = 0, allowed = 1;
        for (int i = 0; i < inputs.Length; i++)
        {
            double exact = Math.Exp(inputs[i]), ulp = Math.BitIncrement(exact) - exact, error = (outputs[i] - exact) / ulp;
            Assert.True(Math.Abs(error) <= allowed, $"exp({inputs[i]:R}) = {outputs[i]:R}, Math.Exp {exact:R}: {error:F2} ulp (path {KernelPath.Current})");
            worst = Math.Max(worst, Math.Abs(error));
            signed += error;
        }

        Assert.Equal(1.0, outputs[0]);
        Assert.True(Math.Abs(signed / inputs.Length) < 0.05, $"mean signed error {signed / inputs.Length:F3} ulp (worst {worst:F2}, path {KernelPath.Current})");

        static double[] Apply<TLanes, TVector>(double[] values)
            where TLanes : struct, ILanes<TVector, double>
            where TVector : unmanaged =>
            ApplyFour<TLanes, TVector, double>(values, -700);
    }

    /// <summary>
    /// The float32 posterior's inlined exponential (<see cref="VectorExp.OfNonPositive{TLanes, TVector, T}"/>) against
    /// <see cref="Math.Exp"/> in float64 on its domain [−87, 0], at this process's vector width: within one float32 ulp
    /// of the exact value (two on x86 without FMA, where its multiplications and additions round apart), unbiased (mean
    /// signed error below 0.05 ulp over 200,000 values), with e⁰ = 1 exactly and exp(−1e−30) ≤ 1.
    /// </summary>
    [Fact]
    public void VectorExpSingle_WithinAnUlpOfMathExp()
    {
        var random = new Random(19);
        var inputs = new float[200_000];
        for (int i = 0; i < inputs.Length; i++)
        {
            // The whole domain, and densely near 0 where the posterior's exponentials mostly fall.
            inputs[i] = (float)(i % 2 == 0 ? -87 * random.NextDouble() : -30 * random.NextDouble() * random.NextDouble());
        }

        inputs[0] = 0;
        inputs[1] = -87;
        inputs[2] = -1e-30f;
        var outputs = KernelPath.Bits switch
        {
            512 => Apply<Lanes512<float>, System.Runtime.Intrinsics.Vector512<float>>(inputs),
            256 => Apply<Lanes256<float>, System.Runtime.Intrinsics.Vector256<float>>(inputs),
            _ => Apply<Lanes128<float>, System.Runtime.Intrinsics.Vector128<float>>(inputs),
        };
        // Without FMA (x86 without AVX2, or with the hardware intrinsics off) the polynomial's multiplications and
        // additions round apart: 1.04 ulp at worst seen.
        double worst = 0, signed = 0, allowed = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? 1 : 2;
        for (int i = 0; i < inputs.Length; i++)
        {
            double exact = Math.Exp(inputs[i]);
            float nearest = (float)exact;
            double ulp = MathF.BitIncrement(nearest) - (double)nearest, error = (outputs[i] - exact) / ulp;
            Assert.True(Math.Abs(error) <= allowed, $"exp({inputs[i]:R}) = {outputs[i]:R}, Math.Exp {exact:R}: {error:F2} ulp (path {KernelPath.Current})");
            worst = Math.Max(worst, Math.Abs(error));
            signed += error;
        }

        Assert.Equal(1f, outputs[0]);
        Assert.True(outputs[2] <= 1f, $"exp(-1e-30) = {outputs[2]:R}");
        Assert.True(Math.Abs(signed / inputs.Length) < 0.05, $"mean signed error {signed / inputs.Length:F3} ulp (worst {worst:F2}, path {KernelPath.Current})");

        static float[] Apply<TLanes, TVector>(float[] values)
            where TLanes : struct, ILanes<TVector, float>
            where TVector : unmanaged =>
            ApplyFour<TLanes, TVector, float>(values, -80f);
    }

    /// <summary>
    /// The posterior's inlined logarithm (<see cref="VectorLog"/>) against <see cref="Math.Log(double)"/> on the row sums
    /// it takes (from √½ up, densely in [1, 64] and out to 10⁹), at this process's vector width: within one ulp, unbiased
    /// (mean signed error below 0.05 ulp over 200,000 values), log 1 = 0 and log 2ᵏ = k·ln 2 rounded once.
    /// </summary>
    [Fact]
    public void VectorLog_WithinAnUlpOfMathLog()
    {
        var random = new Random(23);
        var inputs = new double[200_000];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (i % 4) switch
            {
                0 => 0.70710678118654757 + (random.NextDouble() * 0.8),
                1 => 1 + (63 * random.NextDouble()),
                2 => Math.Exp(20.7 * random.NextDouble()),
                _ => 1 + (random.NextDouble() * 1e-6),
            };
        }

        double[] exact = [1, 2, 4, 1024, Math.Sqrt(0.5), Math.BitDecrement(Math.Sqrt(2)), Math.Sqrt(2), 3, 16];
        exact.CopyTo(inputs, 0);
        var outputs = LogOnThisPath(inputs);
        AssertWithinAnUlpOfLog(inputs, outputs, reference => Math.BitIncrement(reference) - reference);
        Assert.Equal(0.0, outputs[0]);
        Assert.Equal(Math.Log(2), outputs[1]);
        Assert.Equal(10 * Math.Log(2), outputs[3]);
    }

    /// <summary>
    /// The float32 posterior's inlined logarithm (<see cref="VectorLog"/>) against the exact value (<see cref="Math.Log(double)"/>
    /// of the float32 input) on the float32 row sums it takes (from √½ up, densely near 1, out to 10⁹): within one float32
    /// ulp, unbiased (mean signed error below 0.05 ulp over 200,000 values), log 1 = 0.
    /// </summary>
    [Fact]
    public void VectorLogSingle_WithinAnUlpOfMathLog()
    {
        var random = new Random(29);
        var inputs = new float[200_000];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)((i % 4) switch
            {
                0 => 0.7072 + (random.NextDouble() * 0.8),
                1 => 1 + (63 * random.NextDouble()),
                2 => Math.Exp(20.7 * random.NextDouble()),
                _ => 0.996 + (random.NextDouble() * 0.008),
            });
        }

        float[] exact = [1, 2, 4, 1024, MathF.Sqrt(0.5f), 3, 16];
        exact.CopyTo(inputs, 0);
        var outputs = LogOnThisPath(inputs);
        AssertWithinAnUlpOfLog(inputs, outputs, reference => MathF.BitIncrement((float)reference) - (double)(float)reference);
        Assert.Equal(0f, outputs[0]);
    }

    /// <summary><see cref="VectorLog.OfAtLeastSqrtHalf{TLanes, TVector, T}"/> over <paramref name="values"/> at this process's vector width.</summary>
    private static T[] LogOnThisPath<T>(T[] values)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        KernelPath.Bits switch
        {
            512 => ApplyLog<Lanes512<T>, System.Runtime.Intrinsics.Vector512<T>, T>(values),
            256 => ApplyLog<Lanes256<T>, System.Runtime.Intrinsics.Vector256<T>, T>(values),
            _ => ApplyLog<Lanes128<T>, System.Runtime.Intrinsics.Vector128<T>, T>(values),
        };

    /// <summary>
    /// Each output within one ulp (<paramref name="ulpAt"/> of |log x|, the smallest subnormal at 0) of log x in float64,
    /// and the mean signed error below 0.05 ulp.
    /// </summary>
    private static void AssertWithinAnUlpOfLog<T>(T[] inputs, T[] outputs, Func<double, double> ulpAt)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        double worst = 0, signed = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            double reference = Math.Log(double.CreateTruncating(inputs[i])), output = double.CreateTruncating(outputs[i]);
            double ulp = reference == 0 ? double.Epsilon : ulpAt(Math.Abs(reference));
            double error = (output - reference) / ulp;
            Assert.True(Math.Abs(error) <= 1, $"log({inputs[i]:R}) = {outputs[i]:R}, exact {reference:R}: {error:F2} ulp (path {KernelPath.Current})");
            worst = Math.Max(worst, Math.Abs(error));
            signed += error;
        }

        Assert.True(Math.Abs(signed / inputs.Length) < 0.05, $"mean signed error {signed / inputs.Length:F3} ulp (worst {worst:F2}, path {KernelPath.Current})");
    }

    /// <summary><see cref="VectorLog.OfAtLeastSqrtHalf{TLanes, TVector, T}"/> over <paramref name="values"/>, a vector at a time.</summary>
    private static T[] ApplyLog<TLanes, TVector, T>(T[] values)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int width = TLanes.Count;
        Assert.Equal(0, values.Length % width);
        var results = new T[values.Length];
        for (int i = 0; i < values.Length; i += width)
        {
            TLanes.Store(VectorLog.OfAtLeastSqrtHalf<TLanes, TVector, T>(TLanes.Load(ref values[i], 0)), ref results[i], 0);
        }

        return results;
    }

    /// <summary>
    /// <see cref="VectorExp.OfNonPositive{TLanes, TVector, T}"/> over <paramref name="values"/>, four vectors a step
    /// (each value in the slot its position gives), and checks that every value gets the same bits alone in the first
    /// slot with <paramref name="filler"/> in the other three, as the posterior's last one to three components do.
    /// </summary>
    private static T[] ApplyFour<TLanes, TVector, T>(T[] values, T filler)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int width = TLanes.Count;
        Assert.Equal(0, values.Length % (4 * width));
        var results = new T[values.Length];
        var alone = new T[width];
        var fill = TLanes.Broadcast(filler);
        for (int i = 0; i < values.Length; i += 4 * width)
        {
            VectorExp.OfNonPositive<TLanes, TVector, T>(
                TLanes.Load(ref values[i], 0), TLanes.Load(ref values[i + width], 0), TLanes.Load(ref values[i + (2 * width)], 0), TLanes.Load(ref values[i + (3 * width)], 0),
                out var e0, out var e1, out var e2, out var e3);
            TLanes.Store(e0, ref results[i], 0);
            TLanes.Store(e1, ref results[i + width], 0);
            TLanes.Store(e2, ref results[i + (2 * width)], 0);
            TLanes.Store(e3, ref results[i + (3 * width)], 0);
            for (int slot = 0; slot < 4; slot++)
            {
                VectorExp.OfNonPositive<TLanes, TVector, T>(TLanes.Load(ref values[i + (slot * width)], 0), fill, fill, fill, out var first, out _, out _, out _);
                TLanes.Store(first, ref alone[0], 0);
                Assert.Equal(results.AsSpan(i + (slot * width), width).ToArray(), alone);
            }
        }

        return results;
    }
}
