using LatentFit.Execution;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using Xunit.Abstractions;

namespace LatentFit.Distributed.Tests;

/// <summary>A silo killed in the middle of a fit: its shards' calls fail, are retried, and are answered by activations on the silos left, and the fit ends where the local one does.</summary>
public sealed class SiloCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Fit_SiloKilledAtIterationFive_BitIdenticalToLocal()
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
            var start = PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0]);
            var options = new FitOptions { RelativeTolerance = 0, MaxIterations = 15 };

            var localProblem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), data, new ExecutionOptions(1, 128));
            var local = new ExpectationMaximizationOptimizer().Run(localProblem, localProblem.ToUnconstrained(start), options);

            // The silo that holds shard 1 (not the primary, which holds shard 0) is stopped with its shutdown cancelled
            // (the test cluster's kill) as the sixth E-step's calls go out, so that some of them reach it while it
            // goes. Whether a call fails and is retried, or the runtime forwards it, depends on timing; the fit's bits
            // must not. (bench/orleans-crash.sh kills a silo process with SIGKILL.)
            var victim = fixture.Cluster.Silos.OrderBy(s => s.SiloAddress).ElementAt(1);
            Assert.NotEqual(fixture.Cluster.Silos[0], victim);
            var logged = new List<string>();
            Task? killed = null;
            fixture.Models.OnSend = sent =>
            {
                if (sent == 6)
                {
                    killed = Task.Run(() => fixture.Cluster.KillSiloAsync(victim));
                }
            };
            var backend = new OrleansBackend(fixture.Cluster.Client, directory, new OrleansBackendOptions { Log = line => { lock (logged) { logged.Add(line); } } });
            var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(fixture.Models.Portable(new PoissonMixtureModel(2)), data, new ExecutionOptions(2, 128) { Backend = backend });
            var cluster = new ExpectationMaximizationOptimizer().Run(problem, problem.ToUnconstrained(start), options);

            Assert.True(local.Parameters.SequenceEqual(cluster.Parameters), "η");
            Assert.True(local.Trace.Select(r => r.LogLikelihood).SequenceEqual(cluster.Trace.Select(r => r.LogLikelihood)), "ℓ trace");
            await killed!;
            Assert.Equal(2, fixture.Cluster.Silos.Count);
            output.WriteLine($"{backend.Retries} retries: {string.Join(" | ", logged)}");
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }
}
