using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Execution;

/// <summary>
/// The chunked, multi-threaded E-step against one plain loop over every row written here from the densities:
/// log-sum-exp of log αₖ + log density, the responsibilities, and the sums the statistics hold. The thread-count
/// tests elsewhere only compare runs with each other, so a row lost at a chunk boundary in every run passes them;
/// here it cannot. N = 1,013 is a multiple of none of the chunk sizes, so every run has a short last chunk. Both
/// backends run: the sharded one moves each chunk's statistics through their flat form.
/// </summary>
public sealed class ChunkedEStepReferenceTests
{
    private const int Rows = 1013;

    private static readonly int[] ChunkSizes = [5, 64, 256, 1000];

    private static IEnumerable<ExecutionOptions> Backends(int chunkRows)
    {
        for (int threads = 1; threads <= 3; threads++)
        {
            yield return new ExecutionOptions(threads, chunkRows);
            yield return new ExecutionOptions(threads, chunkRows) { Backend = new ShardedBackend(2) };
        }
    }

    public static TheoryData<string, Precision, bool> GaussianCases()
    {
        var cases = new TheoryData<string, Precision, bool>();
        foreach (var structure in CovarianceStructure.All)
        {
            foreach (var precision in new[] { Precision.Double, Precision.Single })
            {
                cases.Add(structure.Name, precision, false);
                cases.Add(structure.Name, precision, true);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(GaussianCases))]
    public void GaussianMixture_EveryChunkSizeAndThreadCount_MatchesOneLoopOverAllRows(string structureName, Precision precision, bool rowWeights)
    {
        Assert.True(CovarianceStructure.TryParse(structureName, out var structure));
        const int k = 3, d = 3;
        var random = new Random(31);
        var data = RandomProblems.MixtureData(random, Rows, d, k);
        var theta = RandomProblems.Parameters(random, data, k, structure);

        // One row far out (tens of standard deviations from every component: every log-density below −700, where
        // eˣ underflows), which only a log-sum-exp that takes out the row's maximum first keeps finite.
        var values = data.Values.ToArray();
        var full = theta.FullCovariances();
        for (int c = 0; c < d; c++)
        {
            values[700 * d + c] = theta.Means[c] + 60 * Math.Sqrt(full[c * d + c]);
        }

        var weights = rowWeights ? Enumerable.Range(0, Rows).Select(_ => 0.25 + 2 * random.NextDouble()).ToArray() : null;
        data = new DataSet(rowWeights ? "weighted" : "unweighted", data.ColumnNames, values, Rows, weights);

        data = precision == Precision.Single ? data.ToSinglePrecision() : data;
        var expected = GaussianReference(data, theta);
        var model = new GaussianMixtureModel(k, d, structure);

        // float32 values enter the kernels' sums in single precision; the reference uses the same stored values in double.
        double tolerance = precision == Precision.Single ? 1e-5 : 1e-10;
        foreach (int chunkRows in ChunkSizes)
        {
            foreach (var execution in Backends(chunkRows))
            {
                var stats = ChunkedEStep.Run(model, theta, data, execution);
                string where = $"{structure.Name}, {precision}, chunks of {chunkRows}, {execution.Threads} threads, {execution.Backend.Name}";
                AssertClose(expected.LogLikelihood, stats.LogLikelihood, tolerance, $"ℓ ({where})");
                AssertClose(expected.Weight, stats.Weight, 1e-12, $"total weight ({where})");
                AssertClose(expected.ComponentWeights, stats.ComponentWeights, tolerance, $"nₖ ({where})");
                AssertClose(expected.FirstMoments, stats.FirstMoments, tolerance, $"s₁ₖ ({where})");
                AssertClose(ScatterInLayout(expected.Scatter, structure, k, d), UpperTriangleOnly(stats.Scatter, structure, k, d), tolerance, $"scatter ({where})");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PoissonMixture_EveryChunkSizeAndThreadCount_MatchesOneLoopOverAllRows(bool frequencyWeights)
    {
        var random = new Random(32);
        var counts = new double[Rows];
        for (int n = 0; n < Rows; n++)
        {
            counts[n] = random.Next(0, 15);
        }

        var data = frequencyWeights
            ? new DataSet("table", ["y"], counts, Rows, Enumerable.Range(0, Rows).Select(_ => (double)random.Next(1, 20)).ToArray())
            : new DataSet("counts", ["y"], counts, Rows);
        var theta = PoissonMixtureParameters.Create([0.2, 0.5, 0.3], [1.5, 6.0, 11.0]);
        var model = new PoissonMixtureModel(3);

        // The plain loop: log πₖ − λₖ + x log λₖ − log x!, with x! multiplied out.
        double logLikelihood = 0, total = 0;
        var componentWeights = new double[3];
        var sums = new double[3];
        for (int n = 0; n < Rows; n++)
        {
            double x = counts[n], w = data.RowWeights?.Span[n] ?? 1, logFactorial = 0;
            for (int i = 2; i <= x; i++)
            {
                logFactorial += Math.Log(i);
            }

            var logs = new double[3];
            for (int j = 0; j < 3; j++)
            {
                logs[j] = Math.Log(theta.Weights[j]) - theta.Rates[j] + x * Math.Log(theta.Rates[j]) - logFactorial;
            }

            double max = logs.Max(), marginal = max + Math.Log(logs.Sum(v => Math.Exp(v - max)));
            logLikelihood += w * marginal;
            total += w;
            for (int j = 0; j < 3; j++)
            {
                double r = Math.Exp(logs[j] - marginal);
                componentWeights[j] += w * r;
                sums[j] += w * r * x;
            }
        }

        foreach (int chunkRows in ChunkSizes)
        {
            foreach (var execution in Backends(chunkRows))
            {
                var stats = ChunkedEStep.Run(model, theta, data, execution);
                string where = $"chunks of {chunkRows}, {execution.Threads} threads, {execution.Backend.Name}";
                AssertClose(logLikelihood, stats.LogLikelihood, 1e-11, $"ℓ ({where})");
                AssertClose(total, stats.Weight, 1e-12, $"total weight ({where})");
                AssertClose(componentWeights, stats.ComponentWeights, 1e-11, $"nₖ ({where})");
                AssertClose(sums, stats.WeightedSums, 1e-11, $"sₖ ({where})");
            }
        }
    }

    private sealed record GaussianSums(double LogLikelihood, double Weight, double[] ComponentWeights, double[] FirstMoments, double[] Scatter);

    /// <summary>
    /// ℓ = Σₙ wₙ log Σₖ αₖN(xₙ|μₖ,Σₖ), nₖ = Σ wₙrₙₖ, s₁ₖ = Σ wₙrₙₖ(xₙ − μₖ) and the full K×D×D scatter
    /// Σ wₙrₙₖ(xₙ − μₖ)(xₙ − μₖ)ᵀ, one row at a time, densities by <see cref="ReferenceGaussianMixture"/>.
    /// </summary>
    private static GaussianSums GaussianReference(DataSet data, GaussianMixtureParameters theta)
    {
        int k = theta.Components, d = theta.Dimension, n = data.Rows;
        var rows = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < d; c++)
            {
                rows[i * d + c] = data[i, c];
            }
        }

        var weights = theta.Weights.ToArray();
        var means = theta.Means.ToArray();
        var full = theta.FullCovariances();
        double logLikelihood = 0, total = 0;
        var componentWeights = new double[k];
        var first = new double[k * d];
        var scatter = new double[k * d * d];
        for (int i = 0; i < n; i++)
        {
            double w = data.RowWeights?.Span[i] ?? 1;
            var r = ReferenceGaussianMixture.Responsibilities(rows, d, i, weights, means, full, out double logMarginal);
            logLikelihood += w * logMarginal;
            total += w;
            for (int j = 0; j < k; j++)
            {
                componentWeights[j] += w * r[j];
                for (int a = 0; a < d; a++)
                {
                    double da = rows[i * d + a] - means[j * d + a];
                    first[j * d + a] += w * r[j] * da;
                    for (int b = 0; b < d; b++)
                    {
                        scatter[j * d * d + a * d + b] += w * r[j] * da * (rows[i * d + b] - means[j * d + b]);
                    }
                }
            }
        }

        return new GaussianSums(logLikelihood, total, componentWeights, first, scatter);
    }

    /// <summary>
    /// The full scatter in the structure's layout (see <see cref="CovarianceStructure"/>): full K×D×D and tied D×D
    /// (summed over components) upper triangles with zeros below, diagonal K×D, spherical K traces.
    /// </summary>
    private static double[] ScatterInLayout(double[] full, CovarianceStructure structure, int k, int d)
    {
        switch (structure)
        {
            case FullCovariance:
                return UpperTriangleOnly(full, structure, k, d);
            case TiedCovariance:
                var pooled = new double[d * d];
                for (int j = 0; j < k; j++)
                {
                    for (int i = 0; i < d * d; i++)
                    {
                        pooled[i] += full[j * d * d + i];
                    }
                }

                return UpperTriangleOnly(pooled, structure, k, d);
            case DiagonalCovariance:
                return [.. from j in Enumerable.Range(0, k) from c in Enumerable.Range(0, d) select full[j * d * d + c * d + c]];
            default:
                return [.. from j in Enumerable.Range(0, k) select Enumerable.Range(0, d).Sum(c => full[j * d * d + c * d + c])];
        }
    }

    /// <summary>Full and tied scatter hold only the upper triangle; entries below it are not part of the statistics.</summary>
    private static double[] UpperTriangleOnly(double[] scatter, CovarianceStructure structure, int k, int d)
    {
        if (structure is not (FullCovariance or TiedCovariance))
        {
            return scatter;
        }

        var upper = (double[])scatter.Clone();
        for (int at = 0; at < upper.Length; at++)
        {
            int within = at % (d * d);
            if (within / d > within % d)
            {
                upper[at] = 0;
            }
        }

        return upper;
    }

    private static void AssertClose(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), 1), $"{what}: expected {expected:R}, got {actual:R}");

    private static void AssertClose(double[] expected, double[] actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(expected.Max(Math.Abs), 1e-300);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * scale, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
