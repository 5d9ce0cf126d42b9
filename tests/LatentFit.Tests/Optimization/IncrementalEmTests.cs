using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Optimization;

/// <summary>
/// Incremental EM (Neal &amp; Hinton 1998) and the block-level objective beneath it: it reaches the batch EM optimum,
/// its trace pairs ℓ with the θ it names and never falls, and block E-steps count as their share of a pass.
/// </summary>
public sealed class IncrementalEmTests
{
    // mclust's maximum for faithful, K = 2, VVV; the SQUAREM R package's for death notices, K = 2 (see OptimizerZooTests).
    private const double FaithfulOptimum = OptimizerZooTests.FaithfulOptimum;
    private const double DeathNoticesOptimum = OptimizerZooTests.DeathNoticesOptimum;

    private static FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics> Faithful(ExecutionOptions? execution = null) =>
        new(new GaussianMixtureModel(2, 2, FullCovariance.Instance, regularization: 0), TestData.Faithful, execution);

    private static double[] FaithfulStart(FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics> problem) =>
        problem.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus((GaussianMixtureModel)problem.Model, TestData.Faithful, 0));

    private static FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics> DeathNotices() =>
        new(new PoissonMixtureModel(2), TestData.DeathNotices);

    private static double[] DeathNoticesStart => DeathNotices().ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5]));

    private static FitOptions Tight => new() { RelativeTolerance = 1e-14, MaxIterations = 100_000 };

    [Fact]
    public void IncrementalEm_Faithful_ReachesBatchEmOptimum()
    {
        var problem = Faithful();
        var start = FaithfulStart(problem);
        var em = new ExpectationMaximizationOptimizer().Run(problem, start, Tight);
        var incremental = OptimizerCatalog.Create("incremental-em").Run(Faithful(), start, Tight);
        Assert.True(incremental.Converged, incremental.Termination.ToString());
        Assert.True(Math.Abs(incremental.LogLikelihood - em.LogLikelihood) <= 1e-8 * Math.Abs(em.LogLikelihood), $"incremental {incremental.LogLikelihood:R}, EM {em.LogLikelihood:R}");
        Assert.True(Math.Abs(incremental.LogLikelihood - FaithfulOptimum) <= 1e-8 * Math.Abs(FaithfulOptimum), $"incremental {incremental.LogLikelihood:R}, mclust {FaithfulOptimum:R}");
        var expected = problem.NaturalParameters(em.Parameters);
        var actual = problem.NaturalParameters(incremental.Parameters);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"{problem.NaturalParameterNames[i]}: {actual[i]:R} vs EM's {expected[i]:R}");
        }
    }

    [Fact]
    public void IncrementalEm_DeathNotices_ReachesBatchEmOptimum()
    {
        var problem = DeathNotices();
        var em = new ExpectationMaximizationOptimizer().Run(problem, DeathNoticesStart, Tight);
        var incremental = OptimizerCatalog.Create("incremental-em").Run(DeathNotices(), DeathNoticesStart, Tight);
        Assert.True(incremental.Converged, incremental.Termination.ToString());
        Assert.True(Math.Abs(incremental.LogLikelihood - em.LogLikelihood) <= 1e-8 * Math.Abs(em.LogLikelihood), $"incremental {incremental.LogLikelihood:R}, EM {em.LogLikelihood:R}");
        Assert.True(Math.Abs(incremental.LogLikelihood - DeathNoticesOptimum) <= 1e-8 * Math.Abs(DeathNoticesOptimum), $"incremental {incremental.LogLikelihood:R}, SQUAREM (R) {DeathNoticesOptimum:R}");
    }

    [Theory]
    [InlineData("faithful")]
    [InlineData("death_notices")]
    public void IncrementalEm_Trace_PairsEachLogLikelihoodWithItsPointAndNeverFalls(string name)
    {
        // The free energy rises at every step and equals ℓ right after a full E-step, so ℓ at successive sweep starts
        // cannot fall (Neal & Hinton 1998, §4); and each ℓ recorded is that of the point the record names.
        FitProblem problem = name == "faithful" ? Faithful() : DeathNotices();
        var start = name == "faithful" ? FaithfulStart(Faithful()) : DeathNoticesStart;
        var sink = new LatentFit.Tracing.MemoryTraceSink();
        var result = new IncrementalEmOptimizer().Run(problem, start, new FitOptions { RelativeTolerance = 0, MaxIterations = 12 }, sink);
        Assert.Equal(12, result.Iterations);
        Assert.Equal(TerminationReason.IterationLimit, result.Termination);
        for (int t = 1; t < result.Trace.Count; t++)
        {
            Assert.True(result.Trace[t].LogLikelihood >= result.Trace[t - 1].LogLikelihood - 1e-12 * Math.Abs(result.Trace[t - 1].LogLikelihood), $"ℓ fell at sweep {t}");

            // One pass to refresh every group at the sweep's start and one for the groups in turn.
            Assert.Equal(1 + 2 * t, result.Trace[t].Passes);
        }

        Assert.Equal(result.Passes, result.Trace[^1].Passes);
        Assert.Equal(result.Trace, sink.Records);

        // The ℓ a run ends with is that of the point it returns, whatever sweep it stops after (each record's ℓ is
        // the last one of a run stopped there).
        for (int sweeps = 1; sweeps <= 4; sweeps++)
        {
            FitProblem again = name == "faithful" ? Faithful() : DeathNotices();
            var shorter = new IncrementalEmOptimizer().Run(again, start, new FitOptions { RelativeTolerance = 0, MaxIterations = sweeps });
            Assert.Equal(result.Trace[sweeps].LogLikelihood, shorter.LogLikelihood);
            double value = (name == "faithful" ? (FitProblem)Faithful() : DeathNotices()).Value(shorter.Parameters);
            Assert.True(Math.Abs(shorter.LogLikelihood - value) <= 1e-12 * Math.Abs(value), $"after {sweeps} sweeps: recorded {shorter.LogLikelihood:R}, ℓ at the returned point {value:R}");
        }
    }

    [Theory]
    [InlineData("faithful")]
    [InlineData("death_notices")]
    public void IncrementalEm_MeasureEvery_RecordsMeasuredSweepsOnlyAndTheirTrueLogLikelihood(string name)
    {
        // ℓ is measured (one pass) after sweeps 3, 6, 9 and the last, 10; every sweep costs one pass for its groups:
        // 1 (start) + 10 + 4 passes. Each measured ℓ is ℓ at the point a run stopped there returns, and never falls.
        FitProblem Problem() => name == "faithful" ? Faithful() : DeathNotices();
        var start = name == "faithful" ? FaithfulStart(Faithful()) : DeathNoticesStart;
        var result = new IncrementalEmOptimizer().Run(Problem(), start, new FitOptions { RelativeTolerance = 0, MaxIterations = 10, MeasureEvery = 3 });
        Assert.Equal([0, 3, 6, 9, 10], result.Trace.Select(record => record.Iteration));
        Assert.Equal([1.0, 5.0, 9.0, 13.0, 15.0], result.Trace.Select(record => record.Passes));
        Assert.Equal(15.0, result.Passes);
        for (int t = 1; t < result.Trace.Count; t++)
        {
            Assert.True(result.Trace[t].LogLikelihood >= result.Trace[t - 1].LogLikelihood - 1e-12 * Math.Abs(result.Trace[t - 1].LogLikelihood), $"ℓ fell at record {t}");
            int sweeps = result.Trace[t].Iteration;
            var shorter = new IncrementalEmOptimizer().Run(Problem(), start, new FitOptions { RelativeTolerance = 0, MaxIterations = sweeps, MeasureEvery = 3 });
            Assert.Equal(result.Trace[t].LogLikelihood, shorter.LogLikelihood);
            double value = Problem().Value(shorter.Parameters);
            Assert.True(Math.Abs(shorter.LogLikelihood - value) <= 1e-12 * Math.Abs(value), $"after {sweeps} sweeps: recorded {shorter.LogLikelihood:R}, ℓ at the returned point {value:R}");
        }
    }

    [Fact]
    public void IncrementalEm_MeasureEveryLongerThanTheRun_IsNealAndHintonsLoop()
    {
        // Measured only at the end, a run is Neal & Hinton's (1998) incremental EM after one full E-step and M-step:
        // group after group, an E-step over its rows at the current θ and an M-step from every group's statistics.
        // The loop is written here from the block statistics alone.
        var problem = Faithful();
        var eta = FaithfulStart(problem);
        var blocks = problem.CreateBlockStatistics(10);
        var next = new double[eta.Length];
        blocks.Refresh(eta, new double[eta.Length], out _);
        blocks.Maximize(eta, next);
        (eta, next) = (next, eta);
        for (int sweep = 0; sweep < 5; sweep++)
        {
            for (int group = 0; group < blocks.Groups; group++)
            {
                blocks.Replace(group, eta);
                blocks.Maximize(eta, next);
                (eta, next) = (next, eta);
            }
        }

        var result = new IncrementalEmOptimizer().Run(Faithful(), FaithfulStart(Faithful()), new FitOptions { RelativeTolerance = 0, MaxIterations = 5, MeasureEvery = 100 });
        Assert.Equal(eta, result.Parameters);
        Assert.Equal(1 + 5 + 1, result.Passes);
        Assert.Equal([0, 5], result.Trace.Select(record => record.Iteration));
    }

    [Theory]
    [InlineData(272, 4096, 10, 28)]
    [InlineData(272, 16, 4, 16)]
    [InlineData(272, 16, 40, 7)]
    [InlineData(9, 4096, 4, 3)]
    public void CreateBlockStatistics_Groups_ConsecutiveWholeBlocksCoveringEveryRow(int rows, int chunkRows, int groups, int blockRows)
    {
        // Blocks hold min(chunk, ⌈N/B⌉) rows; groups are runs of whole blocks, as even in count as can be.
        var values = Enumerable.Range(0, rows).Select(i => (double)(i % 7)).ToArray();
        var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), new DataSet("counts", ["y"], values, rows), new ExecutionOptions(1, chunkRows));
        var blocks = problem.CreateBlockStatistics(groups);
        int blockCount = (rows + blockRows - 1) / blockRows;
        Assert.Equal(Math.Min(groups, blockCount), blocks.Groups);
        int next = 0;
        for (int g = 0; g < blocks.Groups; g++)
        {
            var range = blocks.GroupRows(g);
            Assert.Equal(next, range.Start);
            Assert.True(range.Count > 0);
            Assert.True(range.End % blockRows == 0 || range.End == rows, $"group {g} ends inside a block at row {range.End}");
            next = range.End;
        }

        Assert.Equal(rows, next);
    }

    [Fact]
    public void BlockStatistics_OneGroupReplaced_CountsItsShareOfAPass()
    {
        var problem = Faithful();
        var blocks = problem.CreateBlockStatistics(10);
        var eta = FaithfulStart(problem);
        blocks.Refresh(eta, new double[eta.Length], out _);
        Assert.Equal(1.0, problem.Passes);
        blocks.Replace(3, eta);
        Assert.Equal(1.0 + 28.0 / 272.0, problem.Passes);
    }

    [Fact]
    public void BlockStatistics_AllGroupsAtOnePoint_MaximizeIsTheEmMapAndGradientIsFisher()
    {
        // Refreshed at one θ, the groups' sum is the statistics of all rows at θ: the M-step from it is the EM map,
        // and the gradient the same as a full pass's.
        var problem = Faithful(new ExecutionOptions(1, 16));
        var eta = FaithfulStart(problem);
        var blocks = problem.CreateBlockStatistics(7);
        var gradient = new double[eta.Length];
        double value = blocks.Refresh(eta, gradient, out _);
        var next = new double[eta.Length];
        blocks.Maximize(eta, next);
        var expectedGradient = new double[eta.Length];
        double expected = problem.ValueAndGradient(eta, expectedGradient);
        var expectedNext = new double[eta.Length];
        problem.EmMap(eta, expectedNext);
        Assert.True(Math.Abs(value - expected) <= 1e-13 * Math.Abs(expected));
        for (int i = 0; i < eta.Length; i++)
        {
            Assert.True(Math.Abs(next[i] - expectedNext[i]) <= 1e-12 * (1 + Math.Abs(expectedNext[i])), $"η'[{i}]: {next[i]:R} vs {expectedNext[i]:R}");
            Assert.True(Math.Abs(gradient[i] - expectedGradient[i]) <= 1e-9 * (1 + Math.Abs(expectedGradient[i])), $"∇ℓ[{i}]: {gradient[i]:R} vs {expectedGradient[i]:R}");
        }
    }

    [Theory]
    [InlineData("full")]
    [InlineData("diag")]
    public void BlockStatistics_StartFarFromData_ReanchoredCovarianceAsPreciseAsTwoPassVariance(string name)
    {
        // 200 draws near 0 and a start at 10⁷: moments about the anchor there would lose everything to rounding in
        // S/n − ΔμΔμᵀ, so the statistics are taken again about the new mean; the M-step is then the sample covariance.
        var random = new Random(31);
        var values = Enumerable.Range(0, 400).Select(_ => RandomProblems.Normal(random)).ToArray();
        var data = new DataSet("near-zero", ["x", "y"], values, 200);
        Assert.True(CovarianceStructure.TryParse(name, out var structure));
        var model = new GaussianMixtureModel(1, 2, structure, regularization: 0);
        var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data, new ExecutionOptions(1, 32));
        var eta = problem.ToUnconstrained(GaussianMixtureParameters.FromFullCovariances(structure, [1.0], [1e7, -1e7], [1, 0, 0, 1], 2));
        var blocks = problem.CreateBlockStatistics(5);
        blocks.Refresh(eta, new double[eta.Length], out _);
        var next = new double[eta.Length];
        blocks.Maximize(eta, next);
        Assert.Equal(1, blocks.Reanchorings);
        Assert.Equal(2.0, problem.Passes);

        double mx = 0, my = 0;
        for (int n = 0; n < 200; n++)
        {
            mx += values[2 * n] / 200;
            my += values[2 * n + 1] / 200;
        }

        double sxx = 0, syy = 0;
        for (int n = 0; n < 200; n++)
        {
            sxx += (values[2 * n] - mx) * (values[2 * n] - mx) / 200;
            syy += (values[2 * n + 1] - my) * (values[2 * n + 1] - my) / 200;
        }

        var full = problem.ToParameters(next).FullCovariances();
        Assert.Equal(sxx, full[0], 1e-12 * sxx);
        Assert.Equal(syy, full[3], 1e-12 * syy);
    }

    [Fact]
    public void ChunkedEStep_BlockRanges_AddToTheWholeData()
    {
        var model = new PoissonMixtureModel(2);
        var theta = PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5]);
        var data = TestData.DeathNotices;
        var options = new ExecutionOptions(1, 3);
        var partition = options.Partition(data);
        var whole = ChunkedEStep.Run(model, theta, data, options);
        var sum = ChunkedEStep.Run(model, theta, data, partition, 0..2, options);
        sum.Add(ChunkedEStep.Run(model, theta, data, partition, 2.., options));
        Assert.Equal(whole.Weight, sum.Weight);
        Assert.Equal(whole.LogLikelihood, sum.LogLikelihood, 1e-12 * Math.Abs(whole.LogLikelihood));
        Assert.ThrowsAny<ArgumentException>(() => ChunkedEStep.Run(model, theta, data, partition, 2..(partition.Count + 1), options));
    }
}
