using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;

namespace LatentFit.Distributed.Tests;

/// <summary>
/// EM fits whose E-steps run on an in-process Orleans cluster against the same fits on the <see cref="LocalBackend"/>
/// over the same sharded data: θ (as η) and every ℓ of the trace must agree to the bit, which they do only if each
/// shard's statistics come back whole and are merged in shard order. Five shards of unequal block counts (blocks of
/// 97 rows that do not divide a shard), on one silo and on three.
/// </summary>
public abstract class OrleansBackendTests(ClusterFixture fixture)
{
    private const int Shards = 5;

    private const int BlockRows = 97;

    private const int Iterations = 20;

    private OrleansBackend Backend(string directory, OrleansBackendOptions? options = null) => new(fixture.Cluster.Client, directory, options);

    private DataSet GaussianData(string directory)
    {
        const int rows = 3001, dimension = 3;
        var data = InMemoryShards.Sharded(directory, ["x", "y", "z"], InMemoryShards.MixtureValues(new Random(11), rows, dimension, 3), rows, Shards);
        fixture.Shards.Add(directory, data);
        return data;
    }

    private DataSet CountData(string directory)
    {
        var random = new Random(12);
        const int rows = 2503;
        var counts = Enumerable.Range(0, rows).Select(n => (double)(n % 3 == 0 ? random.Next(0, 4) : random.Next(5, 20))).ToArray();
        var weights = Enumerable.Range(0, rows).Select(_ => (double)random.Next(1, 5)).ToArray();
        var data = InMemoryShards.Sharded(directory, ["y"], counts, rows, Shards, weights);
        fixture.Shards.Add(directory, data);
        return data;
    }

    private static (double[] Eta, double[] LogLikelihoods) FitGaussian(DataSet data, CovarianceStructure structure, ExecutionOptions execution)
    {
        // The k-means start runs on the coordinator (Reduce: the local backend), EM's E-steps on the cluster.
        var model = new GaussianMixtureModel(3, data.Dimension, structure);
        var start = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 5, execution, new KMeansOptions { Runs = 2 });
        var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data, execution);
        return Fit(problem, problem.ToUnconstrained(start));
    }

    internal static (double[] Eta, double[] LogLikelihoods) FitPoisson(DataSet data, ExecutionOptions execution, int iterations = Iterations)
    {
        var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), data, execution);
        return Fit(problem, problem.ToUnconstrained(PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0])), iterations);
    }

    private static (double[] Eta, double[] LogLikelihoods) FitPoissonHmm(DataSet data, ExecutionOptions execution)
    {
        // A start drawn in η, where every vector is valid: δ and Γ's rows as logits, the rates' logarithms.
        var model = new HiddenMarkovModel<PoissonEmissionParameters, PoissonEmissionStatistics>(new PoissonEmissionFamily(2));
        var random = new Random(31);
        var start = Enumerable.Range(0, model.ParameterCount).Select(_ => 2 * random.NextDouble()).ToArray();
        return Fit(new FitProblem<HmmParameters<PoissonEmissionParameters>, HmmStatistics<PoissonEmissionStatistics>>(model, data, execution), start);
    }

    private static (double[] Eta, double[] LogLikelihoods) Fit<TParams, TStats>(FitProblem<TParams, TStats> problem, double[] start, int iterations = Iterations)
        where TStats : ISufficientStatistics<TStats>
    {
        var result = new ExpectationMaximizationOptimizer().Run(problem, start, new FitOptions { RelativeTolerance = 0, MaxIterations = iterations });
        Assert.Equal(iterations, result.Iterations);
        return (result.Parameters, [.. result.Trace.Select(r => r.LogLikelihood), result.LogLikelihood]);
    }

    internal static void AssertSameBits((double[] Eta, double[] LogLikelihoods) local, (double[] Eta, double[] LogLikelihoods) cluster)
    {
        Assert.Equal(local.LogLikelihoods.Length, cluster.LogLikelihoods.Length);
        for (int i = 0; i < local.LogLikelihoods.Length; i++)
        {
            Assert.True(local.LogLikelihoods[i].Equals(cluster.LogLikelihoods[i]), $"ℓ {i}: local {local.LogLikelihoods[i]:R}, cluster {cluster.LogLikelihoods[i]:R}");
        }

        Assert.True(local.Eta.SequenceEqual(cluster.Eta), $"η: local [{string.Join(", ", local.Eta.Select(v => v.ToString("R")))}], cluster [{string.Join(", ", cluster.Eta.Select(v => v.ToString("R")))}]");
    }

    [Theory]
    [InlineData("full")]
    [InlineData("diag")]
    public void GaussianFit_OnTheCluster_BitIdenticalToLocal(string structureName)
    {
        Assert.True(CovarianceStructure.TryParse(structureName, out var structure));
        string directory = $"/shards/gaussian-{structureName}-{fixture.Silos}";
        var data = GaussianData(directory);
        var local = FitGaussian(data, structure, new ExecutionOptions(2, BlockRows));
        var backend = Backend(directory);
        var cluster = FitGaussian(data, structure, new ExecutionOptions(2, BlockRows) { Backend = backend });
        AssertSameBits(local, cluster);
        Assert.Equal(0, backend.Retries);
    }

    [Fact]
    public void PoissonFit_OnTheCluster_BitIdenticalToLocal()
    {
        string directory = $"/shards/poisson-{fixture.Silos}";
        var data = CountData(directory);
        var local = FitPoisson(data, new ExecutionOptions(1, BlockRows));
        var cluster = FitPoisson(data, new ExecutionOptions(3, BlockRows) { Backend = Backend(directory) });
        AssertSameBits(local, cluster);
    }

    [Fact]
    public void PoissonHmmFit_OnTheCluster_BitIdenticalToLocal()
    {
        // Sequences of 20–80 rows, never split by a block or a shard: blocks end at sequence starts.
        string directory = $"/shards/hmm-{fixture.Silos}";
        var data = InMemoryShards.ShardedSequences(directory, new Random(13), 60, Shards);
        fixture.Shards.Add(directory, data);
        var local = FitPoissonHmm(data, new ExecutionOptions(2, 150));
        var cluster = FitPoissonHmm(data, new ExecutionOptions(2, 150) { Backend = Backend(directory) });
        AssertSameBits(local, cluster);
    }

    [Fact]
    public void EStep_BlockRangesAcrossShards_BitIdenticalToLocal()
    {
        // Ranges that start and end inside shards, span several, lie in one, or are empty: incremental EM's calls; into
        // empty statistics and into statistics anchored at other centres (moments about fixed centres, flagged in the
        // flat form so that the silo's E-step takes them about the anchor, not about θ's means).
        string directory = $"/shards/ranges-{fixture.Silos}";
        var data = GaussianData(directory);
        var model = new GaussianMixtureModel(3, data.Dimension, CovarianceStructure.All.Single(s => s.Name == "full"));
        var theta = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 5, new ExecutionOptions(1, BlockRows));
        var anchor = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 6, new ExecutionOptions(1, BlockRows));
        var partition = data.Partition(BlockRows);
        Assert.Equal(Shards, partition.GroupCount);
        var backend = Backend(directory);
        foreach (var range in new[] { Range.All, 3..17, 0..1, 7..8, 10..10, (partition.Count - 2)..partition.Count, partition.GroupBlocks(2) })
        {
            foreach (var (name, create) in new (string, Func<GaussianMixtureStatistics>)[] { ("empty", model.CreateStatistics), ("anchored", () => model.CreateAnchoredStatistics(anchor)) })
            {
                var local = ChunkedEStep.Run(model, theta, data, partition, range, new ExecutionOptions(2, BlockRows), create);
                var remote = ChunkedEStep.Run(model, theta, data, partition, range, new ExecutionOptions(2, BlockRows) { Backend = backend }, create);
                Assert.True(Flat(local).SequenceEqual(Flat(remote)), $"blocks {range}, {name} statistics");
            }
        }
    }

    [Fact]
    public void EStep_ShardFailsOnce_RetriedAndSameBits()
    {
        // The first activation of shard 1 cannot read its rows (a file briefly unavailable); the call fails, the
        // coordinator retries, a new activation loads the shard, and the fit is the local one.
        string directory = $"/shards/flaky-{fixture.Silos}";
        var data = CountData(directory);
        var logged = new List<string>();
        fixture.Shards.BeforeLoad = (dir, shard, attempt) =>
        {
            if (dir == directory && shard == 1 && attempt == 1)
            {
                throw new IOException($"{dir}: shard {shard} is not readable yet");
            }
        };
        try
        {
            var local = FitPoisson(data, new ExecutionOptions(1, BlockRows));
            var backend = Backend(directory, new OrleansBackendOptions { Log = line => { lock (logged) { logged.Add(line); } } });
            var cluster = FitPoisson(data, new ExecutionOptions(2, BlockRows) { Backend = backend });
            AssertSameBits(local, cluster);
            Assert.True(backend.Retries >= 1, "no call was retried");
            Assert.Contains(logged, line => line.StartsWith("shard 1: call failed", StringComparison.Ordinal));
            Assert.Contains(logged, line => line.StartsWith("shard 1: answered after", StringComparison.Ordinal));
        }
        finally
        {
            fixture.Shards.BeforeLoad = null;
        }
    }

    [Fact]
    public void EStep_ShardAnswersPastItsDeadline_RetriedAndSameBits()
    {
        // Shard 2's first activation takes 2 s to load, past the 0.5 s deadline: the call times out and is tried again
        // (queued behind the first on the same activation), and both answer with the same statistics.
        string directory = $"/shards/slow-{fixture.Silos}";
        var data = CountData(directory);
        var logged = new List<string>();
        fixture.Shards.BeforeLoad = (dir, shard, attempt) =>
        {
            if (dir == directory && shard == 2 && attempt == 1)
            {
                Thread.Sleep(2000);
            }
        };
        try
        {
            var local = FitPoisson(data, new ExecutionOptions(1, BlockRows), iterations: 3);
            var backend = Backend(directory, new OrleansBackendOptions { CallTimeout = TimeSpan.FromSeconds(0.5), Log = line => { lock (logged) { logged.Add(line); } } });
            var cluster = FitPoisson(data, new ExecutionOptions(2, BlockRows) { Backend = backend }, iterations: 3);
            AssertSameBits(local, cluster);
            Assert.Contains(logged, line => line.StartsWith("shard 2: call failed (no answer within 0.5 s); retrying", StringComparison.Ordinal));
        }
        finally
        {
            fixture.Shards.BeforeLoad = null;
        }
    }

    [Fact]
    public void EStep_ShardFailsUntilTheBudgetEnds_ClearError()
    {
        string directory = $"/shards/broken-{fixture.Silos}";
        var data = CountData(directory);
        fixture.Shards.BeforeLoad = (dir, shard, _) =>
        {
            if (dir == directory && shard == 3)
            {
                throw new IOException($"{dir}: shard {shard} is unreadable");
            }
        };
        try
        {
            var backend = Backend(directory, new OrleansBackendOptions { RetryBudget = TimeSpan.FromSeconds(1.5), FirstRetryDelay = TimeSpan.FromMilliseconds(50) });
            var model = new PoissonMixtureModel(2);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var failure = Assert.Throws<ShardCallFailedException>(() => ChunkedEStep.Run(model, PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0]), data, new ExecutionOptions(1, BlockRows) { Backend = backend }));
            Assert.InRange(started.Elapsed.TotalSeconds, 1.5, 30);
            Assert.StartsWith($"shard 3 of {directory}: the E-step call failed for", failure.Message, StringComparison.Ordinal);
            Assert.Contains("is unreadable", failure.Message, StringComparison.Ordinal);
            Assert.Contains("active silos: ", failure.Message, StringComparison.Ordinal);
            Assert.Equal(fixture.Silos, failure.Message.Split("active silos: ")[1].Split(", ").Length);
        }
        finally
        {
            fixture.Shards.BeforeLoad = null;
        }
    }

    [Fact]
    public void EStep_SiloReadsOtherRows_RefusedAtOnce()
    {
        // The silos' directory holds 5 shards of other sizes than the coordinator's data: a mismatch, not retried.
        string directory = $"/shards/mismatch-{fixture.Silos}";
        CountData(directory);
        var coordinatorView = InMemoryShards.Sharded(directory, ["y"], [.. Enumerable.Range(0, 2000).Select(i => (double)(i % 7))], 2000, Shards);
        var backend = Backend(directory);
        var model = new PoissonMixtureModel(2);
        var failure = Assert.Throws<ShardDataMismatchException>(() => ChunkedEStep.Run(model, PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0]), coordinatorView, new ExecutionOptions(1, BlockRows) { Backend = backend }));
        Assert.Contains("shard 0 of " + directory, failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, backend.Retries);
    }

    [Fact]
    public void Placement_ShardK_OnSiloKModN()
    {
        string directory = $"/shards/placement-{fixture.Silos}";
        var data = CountData(directory);
        ChunkedEStep.Run(new PoissonMixtureModel(2), PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0]), data, new ExecutionOptions(1, BlockRows) { Backend = Backend(directory) });
        var silos = fixture.Cluster.Silos.Select(s => s.SiloAddress).Order().ToArray();
        Assert.Equal(fixture.Silos, silos.Length);
        for (int k = 0; k < Shards; k++)
        {
            var grain = fixture.Cluster.Client.GetGrain<IShardGrain>(k, directory).GetGrainId();
            Assert.True(fixture.Cluster.TryGetGrainContext(grain, out var context), $"shard {k} is not active");
            Assert.Equal(silos[k % silos.Length], context.Address.SiloAddress);
        }
    }

    [Theory]
    [InlineData(FailingKinds.AlwaysInvalid, typeof(InvalidParametersException), "covariance 2 is not positive definite")]
    [InlineData("no-such-model", typeof(ArgumentException), "no-such-model")]
    public void EStep_ModelFailsOnTheSilo_SameExceptionAtOnceWithoutRetries(string kind, Type expected, string message)
    {
        // A failure of the E-step itself (a model's, or a recipe the silo refuses) meets every retry the same way: it
        // comes back as the library's exception of its kind (invalid parameters are ℓ = −∞ to a line search), at once.
        string directory = $"/shards/failing-{kind}-{fixture.Silos}";
        var data = CountData(directory);
        var backend = Backend(directory);
        var model = new OtherRecipe(new PoissonMixtureModel(2), kind);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var failure = Assert.ThrowsAny<Exception>(() => ChunkedEStep.Run(model, PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0]), data, new ExecutionOptions(1, BlockRows) { Backend = backend }));
        Assert.IsType(expected, failure);
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, backend.Retries);
        Assert.InRange(started.Elapsed.TotalSeconds, 0, 20);
        if (failure is InvalidParametersException invalid)
        {
            Assert.Equal([LatentFit.FitSetting.Regularization], invalid.Settings);
        }
    }

    [Fact]
    public void EStep_DataNotSharded_ClearError()
    {
        var data = new DataSet("plain.csv", ["y"], [1, 2, 3, 4], 4);
        var failure = Assert.Throws<ArgumentException>(() => ChunkedEStep.Run(new PoissonMixtureModel(2), PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0]), data, new ExecutionOptions(1, BlockRows) { Backend = Backend("/shards/none") }));
        Assert.StartsWith("plain.csv is not sharded data", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EStep_SinglePrecision_ClearError()
    {
        string directory = $"/shards/single-{fixture.Silos}";
        var data = GaussianData(directory).ToSinglePrecision();
        var model = new GaussianMixtureModel(3, data.Dimension, CovarianceStructure.All.Single(s => s.Name == "diag"));
        var theta = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 5, new ExecutionOptions(1, BlockRows));
        var failure = Assert.Throws<ArgumentException>(() => ChunkedEStep.Run(model, theta, data, new ExecutionOptions(1, BlockRows) { Backend = Backend(directory) }));
        Assert.Contains("the orleans backend runs in double precision only", failure.Message, StringComparison.Ordinal);
    }

    private static double[] Flat<TStats>(TStats stats)
        where TStats : ISufficientStatistics<TStats>
    {
        var flat = new double[stats.FlatLength];
        stats.WriteFlat(flat);
        return flat;
    }
}

[Collection("one silo")]
public sealed class OrleansBackendOneSiloTests(OneSilo fixture) : OrleansBackendTests(fixture), IClassFixture<OneSilo>;

[Collection("three silos")]
public sealed class OrleansBackendThreeSiloTests(ThreeSilos fixture) : OrleansBackendTests(fixture), IClassFixture<ThreeSilos>;

/// <summary>The Poisson mixture under another recipe's kind, so that the silo rebuilds (or refuses) something else.</summary>
internal sealed class OtherRecipe(PoissonMixtureModel inner, string kind) : ILatentVariableModel<PoissonMixtureParameters, PoissonMixtureStatistics>, IPortableModel<PoissonMixtureParameters>
{
    public ModelRecipe Recipe { get; } = new(kind, "{}");

    public int ParameterCount => inner.ParameterCount;

    public GradientSupport GradientSupport => inner.GradientSupport;

    public PoissonMixtureStatistics CreateStatistics() => inner.CreateStatistics();

    public void Accumulate(PoissonMixtureParameters theta, DataBlock rows, PoissonMixtureStatistics into) => inner.Accumulate(theta, rows, into);

    public PoissonMixtureParameters Maximize(PoissonMixtureParameters current, PoissonMixtureStatistics stats) => inner.Maximize(current, stats);

    public void Gradient(PoissonMixtureParameters current, PoissonMixtureStatistics stats, Span<double> gradient) => inner.Gradient(current, stats, gradient);

    public void ToUnconstrained(PoissonMixtureParameters theta, Span<double> eta) => inner.ToUnconstrained(theta, eta);

    public PoissonMixtureParameters FromUnconstrained(ReadOnlySpan<double> eta) => inner.FromUnconstrained(eta);

    public double[] WriteParameters(PoissonMixtureParameters theta) => inner.WriteParameters(theta);

    public PoissonMixtureParameters ReadParameters(ReadOnlySpan<double> values) => inner.ReadParameters(values);
}
