using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Execution;

/// <summary>
/// The sharded backend, whose blocks' accumulators cross a wire (flat form → bytes → flat form) and merge in block
/// order, against the local backend, which merges the objects themselves: a remote backend is only as good as the
/// flat form, and anything it leaves out (a coordinate, a count) changes the bits here. Blocks sizes include ones that
/// do not divide N, so the last block is short; shard counts include ones that do not divide the block count.
/// </summary>
public sealed class ExecutionBackendTests
{
    private static readonly int[] BlockSizes = [97, 500, 4096];

    /// <summary>1, 2 and 3 threads on each backend, with 1, 2 and 3 shards.</summary>
    private static IEnumerable<ExecutionOptions> EveryBackend(int blockRows)
    {
        for (int threads = 1; threads <= 3; threads++)
        {
            yield return new ExecutionOptions(threads, blockRows);
            yield return new ExecutionOptions(threads, blockRows) { Backend = new ShardedBackend(threads) };
        }

        yield return new ExecutionOptions(2, blockRows) { Backend = new ShardedBackend(3) };
    }

    private static string Describe(ExecutionOptions options) =>
        $"{options.Backend.Name}{(options.Backend is ShardedBackend sharded ? $" ×{sharded.Shards}" : "")}, {options.Threads} threads, blocks of {options.ChunkRows}";

    public static TheoryData<string> Structures() => [.. CovarianceStructure.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Structures))]
    public void GaussianFit_ShardedAndLocal_BitIdenticalForEveryThreadAndBlockCount(string structureName)
    {
        Assert.True(CovarianceStructure.TryParse(structureName, out var structure));

        // 1,001 rows: 11 blocks of 97 (the last 31 rows), 3 of 500 (the last 1 row), one of 4,096. The k-means start
        // (which cuts its own 4,096-row blocks) and EM with the recentred M-step run on the backend.
        var data = RandomProblems.MixtureData(new Random(41), 1001, 2, 3);
        var model = new GaussianMixtureModel(3, 2, structure);
        (GaussianMixtureParameters Start, FitResult Result) Fit(ExecutionOptions execution)
        {
            var start = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 3, execution, new KMeansOptions { Runs = 2 });
            var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data, execution);
            return (start, new ExpectationMaximizationOptimizer().Run(problem, problem.ToUnconstrained(start), new FitOptions { RelativeTolerance = 0, MaxIterations = 8 }));
        }

        foreach (int blockRows in BlockSizes)
        {
            var local = Fit(new ExecutionOptions(1, blockRows));
            foreach (var execution in EveryBackend(blockRows))
            {
                var fit = Fit(execution);
                string where = Describe(execution);
                Assert.True(local.Start.Means.SequenceEqual(fit.Start.Means), $"k-means start ({where})");
                Assert.True(local.Result.Parameters.SequenceEqual(fit.Result.Parameters), $"η ({where})");
                Assert.True(local.Result.Trace.Select(r => r.LogLikelihood).SequenceEqual(fit.Result.Trace.Select(r => r.LogLikelihood)), $"ℓ trace ({where})");
            }
        }
    }

    [Fact]
    public void PoissonFitAndHessian_ShardedAndLocal_BitIdenticalForEveryThreadAndBlockCount()
    {
        var random = new Random(42);
        const int rows = 1001;
        var counts = Enumerable.Range(0, rows).Select(n => (double)(n % 3 == 0 ? random.Next(0, 4) : random.Next(5, 20))).ToArray();
        var weights = Enumerable.Range(0, rows).Select(_ => (double)random.Next(1, 5)).ToArray();
        var data = new DataSet("counts", ["y"], counts, rows, weights);
        (double[] Eta, double LogLikelihood, double[] Hessian) Fit(ExecutionOptions execution)
        {
            var model = new PoissonMixtureModel(2);
            var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(model, data, execution);
            var result = new ExpectationMaximizationOptimizer().Run(problem, problem.ToUnconstrained(PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0])), new FitOptions { RelativeTolerance = 0, MaxIterations = 8 });
            var hessian = new double[problem.ParameterCount * problem.ParameterCount];
            problem.Hessian(result.Parameters, hessian);
            return (result.Parameters, result.LogLikelihood, hessian);
        }

        foreach (int blockRows in BlockSizes)
        {
            var local = Fit(new ExecutionOptions(1, blockRows));
            foreach (var execution in EveryBackend(blockRows))
            {
                var fit = Fit(execution);
                string where = Describe(execution);
                Assert.True(local.Eta.SequenceEqual(fit.Eta), $"η ({where})");
                Assert.True(local.LogLikelihood.Equals(fit.LogLikelihood), $"ℓ ({where})");
                Assert.True(local.Hessian.SequenceEqual(fit.Hessian), $"Hessian ({where})");
            }
        }
    }

    [Fact]
    public void PoissonHessian_InBlocks_MatchesTheModelsSumOverAllRowsAtOnce()
    {
        // The per-block Hessians merged against the model's Louis sum over every row in one call (whose formula
        // PoissonMixtureModelTests checks against second differences), so a block the reduction drops or counts twice
        // shows; the two sum in different orders, hence the tolerance.
        var random = new Random(43);
        const int rows = 2501;
        var counts = Enumerable.Range(0, rows).Select(n => (double)(n % 2 == 0 ? random.Next(0, 5) : random.Next(6, 16))).ToArray();
        var data = new DataSet("counts", ["y"], counts, rows);
        var model = new PoissonMixtureModel(2);
        var theta = PoissonMixtureParameters.Create([0.4, 0.6], [2.0, 10.0]);
        var eta = new double[model.ParameterCount];
        model.ToUnconstrained(theta, eta);
        int p = model.ParameterCount;
        var expected = new double[p * p];
        model.AccumulateHessian(theta, data.Block(0, rows), expected);
        foreach (var execution in new[] { new ExecutionOptions(2, 500), new ExecutionOptions(3, 333) { Backend = new ShardedBackend(2) } })
        {
            var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(model, data, execution);
            var hessian = new double[p * p];
            problem.Hessian(eta, hessian);
            for (int i = 0; i < p * p; i++)
            {
                Assert.True(Math.Abs(expected[i] - hessian[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"H[{i / p},{i % p}] = {hessian[i]}, one sum gives {expected[i]} ({Describe(execution)})");
            }
        }
    }

    [Fact]
    public void KMeansStart_OneRunOnAllRows_ShardedAndLocalBitIdentical()
    {
        // One run on all 10,000 rows (no subsample): the seeding's candidate potentials and every Lloyd pass over
        // three blocks go through the backend.
        var data = RandomProblems.MixtureData(new Random(44), 10000, 4, 5).ToSinglePrecision();
        var model = new GaussianMixtureModel(5, 4, DiagonalCovariance.Instance);
        var options = new KMeansOptions { Runs = 1 };
        var local = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 11, new ExecutionOptions(1), options);
        foreach (var execution in EveryBackend(4096))
        {
            var start = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 11, execution, options);
            Assert.True(local.Weights.SequenceEqual(start.Weights), $"weights ({Describe(execution)})");
            Assert.True(local.Means.SequenceEqual(start.Means), $"means ({Describe(execution)})");
            Assert.True(local.FullCovariances().SequenceEqual(start.FullCovariances()), $"covariances ({Describe(execution)})");
        }
    }

    [Fact]
    public void StartsEndingInTheMStep_ShardedAndLocal_BitIdenticalForEveryThreadAndBlockCount()
    {
        // The random-responsibility and hierarchical starts end in the two-pass M-step on the backend (weighted means,
        // then moments about them); k-means++ with its mean variance too (covered above).
        var data = RandomProblems.MixtureData(new Random(47), 1001, 2, 3);
        var model = new GaussianMixtureModel(3, 2, FullCovariance.Instance);
        foreach (int blockRows in BlockSizes)
        {
            var local = new ExecutionOptions(1, blockRows);
            foreach (var method in new[] { InitializationMethod.RandomResponsibilities, InitializationMethod.Hierarchical })
            {
                var expected = GaussianMixtureInitializer.Initialize(model, data, method, 5, local);
                foreach (var execution in EveryBackend(blockRows))
                {
                    var start = GaussianMixtureInitializer.Initialize(model, data, method, 5, execution);
                    Assert.True(expected.Weights.SequenceEqual(start.Weights), $"{method} weights ({Describe(execution)})");
                    Assert.True(expected.Means.SequenceEqual(start.Means), $"{method} means ({Describe(execution)})");
                    Assert.True(expected.FullCovariances().SequenceEqual(start.FullCovariances()), $"{method} covariances ({Describe(execution)})");
                }
            }
        }
    }

    [Fact]
    public void MStepFromResponsibilities_InBlocks_IsTheWeightedMleWrittenHere()
    {
        // The M-step that ends the k-means and hierarchical starts, for random responsibilities, against weights, means
        // and covariances summed over every row in this test, with no regularisation: a block that either of its two
        // passes drops or counts twice moves them far beyond the summation-order tolerance.
        const int rows = 1001, k = 3, d = 2;
        var data = RandomProblems.MixtureData(new Random(48), rows, d, k);
        var model = new GaussianMixtureModel(k, d, FullCovariance.Instance, 0);
        var random = new Random(9);
        var r = new double[rows * k];
        for (int n = 0; n < rows; n++)
        {
            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                sum += r[n * k + j] = random.NextDouble();
            }

            for (int j = 0; j < k; j++)
            {
                r[n * k + j] /= sum;
            }
        }

        var weights = new double[k];
        var means = new double[k * d];
        var covariances = new double[k * d * d];
        for (int j = 0; j < k; j++)
        {
            for (int n = 0; n < rows; n++)
            {
                weights[j] += r[n * k + j];
                for (int c = 0; c < d; c++)
                {
                    means[j * d + c] += r[n * k + j] * data[n, c];
                }
            }

            for (int c = 0; c < d; c++)
            {
                means[j * d + c] /= weights[j];
            }

            for (int n = 0; n < rows; n++)
            {
                for (int a = 0; a < d; a++)
                {
                    for (int b = 0; b < d; b++)
                    {
                        covariances[(j * d + a) * d + b] += r[n * k + j] * (data[n, a] - means[j * d + a]) * (data[n, b] - means[j * d + b]) / weights[j];
                    }
                }
            }
        }

        foreach (var execution in new[] { new ExecutionOptions(2, 97), new ExecutionOptions(3, 500) { Backend = new ShardedBackend(2) } })
        {
            var start = GaussianMixtureInitializer.FromResponsibilities(model, data, r, execution);
            string where = Describe(execution);
            AssertClose(weights.Select(w => w / rows).ToArray(), start.Weights.ToArray(), $"weights ({where})");
            AssertClose(means, start.Means.ToArray(), $"means ({where})");
            AssertClose(covariances, start.FullCovariances(), $"covariances ({where})");
        }
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}] = {actual[i]}, the sum here gives {expected[i]}");
        }
    }

    [Fact]
    public void PoissonQuantileStart_ShardedAndLocal_TheSortedRowsWeightedQuantiles()
    {
        // The start's rates (start 0: the weighted quantiles (j + ½)/K of the counts, + ½ + 0.01 j) against the
        // quantiles found here by sorting the rows by count (stable, so ties keep row order) and summing the integer
        // weights along them, as the start did before it ran on the backend: on every backend and block size.
        var random = new Random(49);
        const int rows = 1001, k = 4;
        var counts = Enumerable.Range(0, rows).Select(n => (double)(n % 4 == 0 ? random.Next(0, 6) : random.Next(4, 40))).ToArray();
        var weights = Enumerable.Range(0, rows).Select(_ => (double)random.Next(0, 5)).ToArray();
        var data = new DataSet("counts", ["y"], counts, rows, weights);
        var order = Enumerable.Range(0, rows).OrderBy(n => counts[n]).ToArray();
        double total = weights.Sum();
        var expected = new double[k];
        for (int j = 0; j < k; j++)
        {
            double target = (j + 0.5) / k * total, cumulative = 0;
            int n = order.First(n => (cumulative += weights[n]) >= target);
            expected[j] = counts[n] + 0.5 + 0.01 * j;
        }

        double[] Start(ExecutionOptions execution)
        {
            var specification = new LatentFit.Fitting.PoissonMixtureSpecification(data, k, execution: execution);
            return specification.InitialParameters(specification.CreateProblem(), 0);
        }

        foreach (int blockRows in BlockSizes)
        {
            var local = Start(new ExecutionOptions(1, blockRows));
            foreach (var execution in EveryBackend(blockRows))
            {
                var eta = Start(execution);
                Assert.True(local.SequenceEqual(eta), $"η ({Describe(execution)})");

                // η holds log-rates, so the rates come back to rounding.
                var rates = new PoissonMixtureModel(k).FromUnconstrained(eta).Rates.ToArray();
                AssertClose(expected, rates, $"rates {string.Join(", ", rates)} against sorting's {string.Join(", ", expected)} ({Describe(execution)})");
            }
        }
    }

    [Fact]
    public void EStep_RangeOfBlocks_EqualsTheEStepOfThoseRowsAlone()
    {
        // Blocks 2 to 5 of 300 rows are rows 600 to 1,799: a data set of just those rows, cut at the same offsets,
        // must give the same bits (incremental EM runs one block at a time through this).
        var data = RandomProblems.MixtureData(new Random(45), 2003, 3, 2);
        var theta = RandomProblems.Parameters(new Random(46), data, 2, FullCovariance.Instance);
        var model = new GaussianMixtureModel(2, 3, FullCovariance.Instance);
        var alone = new DataSet("rows 600–1799", data.ColumnNames, data.Values.Slice(600 * 3, 1200 * 3).ToArray(), 1200);
        var expected = ChunkedEStep.Run(model, theta, alone, new ExecutionOptions(1, 300));
        foreach (var execution in EveryBackend(300))
        {
            var stats = ChunkedEStep.Run(model, theta, data, execution.Partition(data), 2..6, execution);
            string where = Describe(execution);
            Assert.True(expected.LogLikelihood.Equals(stats.LogLikelihood), $"ℓ ({where})");
            Assert.True(expected.Weight.Equals(stats.Weight), $"weight ({where})");
            Assert.True(expected.FirstMoments.SequenceEqual(stats.FirstMoments), $"s₁ ({where})");
            Assert.True(expected.Scatter.SequenceEqual(stats.Scatter), $"scatter ({where})");
        }
    }

    [Fact]
    public void Reduce_EmptyRangeOfBlocks_GivesEmptyAccumulator()
    {
        var data = new DataSet("x", ["x"], [1.0, 2.0, 3.0], 3);
        var partition = BlockPartition.Create(3, 2);
        foreach (IExecutionBackend backend in new IExecutionBackend[] { LocalBackend.Instance, new ShardedBackend(2) })
        {
            var sum = backend.Reduce(data, partition, 1..1, 2, () => new VectorSum(1), (_, rows, into) => into.Values[0] += rows.Rows);
            Assert.Equal(0.0, sum.Values[0]);
            var all = backend.Reduce(data, partition, Range.All, 2, () => new VectorSum(1), (_, rows, into) => into.Values[0] += rows.Rows);
            Assert.Equal(3.0, all.Values[0]);
        }
    }

    [Fact]
    public void Reduce_PartitionOfOtherRows_Refused()
    {
        var data = new DataSet("x", ["x"], [1.0, 2.0, 3.0], 3);
        var error = Assert.Throws<ArgumentException>(() => LocalBackend.Instance.Reduce(data, BlockPartition.Create(4, 2), Range.All, 1, () => new VectorSum(1), (_, _, _) => { }));
        Assert.Contains("cuts 4 rows", error.Message);
    }

    [Fact]
    public void Reduce_ShardedData_GroupsSummedApartThenInGroupOrder()
    {
        // Values of very different sizes, so that the order of the sums shows in the bits: with shard starts at rows
        // 0, 700 and 1,300, blocks of 97 rows are summed within each shard and the shards' sums in shard order, on every
        // backend and thread count; written out here as the plain two-level loop. One group gives one left-to-right sum.
        var random = new Random(5);
        double[] values = [.. Enumerable.Range(0, 2000).Select(_ => Math.Exp(30 * random.NextDouble()) * (random.Next(2) * 2 - 1))];
        var sharded = new DataSet("x", ["x"], values, values.Length, layout: new DataSetLayout { ShardStarts = [0, 700, 1300] });
        var whole = new DataSet("x", ["x"], values, values.Length);

        static double Sum(DataSet data, BlockPartition partition, Range range)
        {
            var (first, count) = range.GetOffsetAndLength(partition.Count);
            double total = 0;
            int group = -1;
            double groupSum = 0;
            bool firstGroup = true;
            for (int b = first; b < first + count; b++)
            {
                double block = 0;
                for (int n = partition[b].Start; n < partition[b].End; n++)
                {
                    block += data[n, 0];
                }

                int g = partition.GroupOf(b);
                if (g != group)
                {
                    if (group >= 0)
                    {
                        total = firstGroup ? groupSum : total + groupSum;
                        firstGroup = false;
                    }

                    group = g;
                    groupSum = block;
                }
                else
                {
                    groupSum += block;
                }
            }

            return firstGroup ? groupSum : total + groupSum;
        }

        foreach (var data in new[] { sharded, whole })
        {
            foreach (var execution in EveryBackend(97))
            {
                var partition = execution.Partition(data);
                foreach (var range in new[] { Range.All, 3..17, 6..8, 7..8 })
                {
                    var sum = execution.Backend.Reduce(data, partition, range, execution.Threads, () => new VectorSum(1), (_, rows, into) =>
                    {
                        for (int n = 0; n < rows.Rows; n++)
                        {
                            into.Values[0] += rows.Values[n];
                        }
                    });
                    Assert.True(Sum(data, partition, range).Equals(sum.Values[0]), $"{Describe(execution)}, {data.ShardStarts.Length} shards, blocks {range}");
                }
            }
        }

        // The grouping changes the bits (else this test could not tell two-level sums from one left-to-right sum).
        Assert.NotEqual(Sum(whole, whole.Partition(97), Range.All), Sum(sharded, sharded.Partition(97), Range.All));
    }
}
