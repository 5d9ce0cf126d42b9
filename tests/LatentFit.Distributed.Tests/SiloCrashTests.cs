using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics;
using Xunit.Abstractions;

namespace LatentFit.Distributed.Tests;

/// <summary>A silo lost in the middle of a fit: its shards' calls fail, are retried, and are answered by activations on the silos left, and the fit ends where the local one does.</summary>
public sealed class SiloCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Fit_SiloLostAtTheSixthEStep_BitIdenticalToLocal()
    {
        var fixture = new ThreeSilos();
        await fixture.InitializeAsync();
        try
        {
            const string directory = "/shards/crash";
            var random = new Random(21);
            const int rows = 4001;
            var counts = Enumerable.Range(0, rows).Select(n => (double)(n % 3 == 0 ? random.Next(0, 4) : random.Next(5, 20))).ToArray();
            var data = InMemoryShards.Sharded(directory, ["y"], counts, rows, 8);
            fixture.Shards.Add(directory, data);
            var local = OrleansBackendTests.FitPoisson(data, new ExecutionOptions(1, 128), iterations: 15);

            // A silo other than the primary (the first started) is stopped with its shutdown cancelled
            // (the test cluster's kill) as the sixth E-step's calls go out, so that some of them reach it while it
            // goes. Whether a call fails and is retried, or the runtime forwards it, depends on timing; the fit's bits
            // must not. (bench/orleans-crash.sh kills a silo process with SIGKILL.)
            var victim = fixture.Cluster.Silos.Skip(1).OrderBy(s => s.SiloAddress).First();
            var logged = new List<string>();
            Task? killed = null;
            var backend = new OrleansBackend(fixture.Cluster.Client, directory, new OrleansBackendOptions { Log = line => { lock (logged) { logged.Add(line); } } });
            var interrupted = new BeforeEachEStep(backend, estep =>
            {
                if (estep == 6)
                {
                    killed = Task.Run(() => fixture.Cluster.KillSiloAsync(victim));
                }
            });
            var cluster = OrleansBackendTests.FitPoisson(data, new ExecutionOptions(2, 128) { Backend = interrupted }, iterations: 15);

            OrleansBackendTests.AssertSameBits(local, cluster);
            Assert.NotNull(killed);
            await killed;
            Assert.Equal(2, fixture.Cluster.Silos.Count);
            output.WriteLine($"{backend.Retries} retries: {string.Join(" | ", logged)}");
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    /// <summary>A backend that calls <c>before</c> with the E-step's number (from 1) before handing it on.</summary>
    private sealed class BeforeEachEStep(IModelExecutionBackend inner, Action<int> before) : IModelExecutionBackend
    {
        private int _esteps;

        public string Name => inner.Name;

        public TAccumulator Reduce<TAccumulator>(DataSet data, BlockPartition partition, Range blocks, int threads, Func<TAccumulator> create, BlockWork<TAccumulator> work)
            where TAccumulator : IAdditive<TAccumulator> =>
            inner.Reduce(data, partition, blocks, threads, create, work);

        public TStats EStep<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, BlockPartition partition, Range blocks, int threads, Func<TStats> create)
            where TStats : ISufficientStatistics<TStats>
        {
            before(++_esteps);
            return inner.EStep(model, theta, data, partition, blocks, threads, create);
        }
    }
}
