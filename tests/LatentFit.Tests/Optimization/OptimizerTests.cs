using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Fitting;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Gaussian;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Optimization;

/// <summary>Every optimiser × the faithful problem: they reach EM's optimum from the same start, and stop for the stated reason.</summary>
public sealed class OptimizerTests
{
    private static (FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics> Problem, double[] Start) Faithful(CovarianceStructure structure)
    {
        var model = new GaussianMixtureModel(2, 2, structure);
        var start = GaussianMixtureInitializer.KMeansPlusPlus(model, TestData.Faithful, seed: 0);
        var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, TestData.Faithful);
        return (problem, problem.ToUnconstrained(start));
    }

    private static FitOptions TightOptions(string algorithm) => new()
    {
        RelativeTolerance = algorithm is "em" or "lbfgs" ? 1e-12 : 1e-14,
        MaxIterations = 100_000,
        Step = 0.2,
    };

    public static TheoryData<string, string> GradientMethodsByStructure()
    {
        var data = new TheoryData<string, string>();
        foreach (var structure in CovarianceStructure.All)
        {
            foreach (string algorithm in new[] { "gradient", "gradient-em", "lbfgs" })
            {
                data.Add(structure.Name, algorithm);
            }
        }

        return data;
    }

    [Fact]
    public void Em_Faithful_ReachesMclustOptimum()
    {
        var (problem, start) = Faithful(FullCovariance.Instance);
        var result = new ExpectationMaximizationOptimizer().Run(problem, start, TightOptions("em"));
        Assert.True(result.Converged);

        // The reference maximum of mclust (model VVV) given in ../shared/data/README.md.
        Assert.Equal(-1130.264, result.LogLikelihood, 1e-3);
    }

    [Theory]
    [MemberData(nameof(GradientMethodsByStructure))]
    public void GradientMethod_FaithfulSameStart_ReachesEmOptimum(string structureName, string algorithm)
    {
        Assert.True(CovarianceStructure.TryParse(structureName, out var structure));
        var (problem, start) = Faithful(structure);
        var em = new ExpectationMaximizationOptimizer().Run(problem, start, TightOptions("em"));
        var (fresh, _) = Faithful(structure);
        var result = OptimizerCatalog.Create(algorithm).Run(fresh, start, TightOptions(algorithm));
        Assert.True(
            Math.Abs(result.LogLikelihood - em.LogLikelihood) <= 1e-6 * Math.Abs(em.LogLikelihood),
            $"{algorithm}: ℓ = {result.LogLikelihood:R}, EM: {em.LogLikelihood:R}, stopped: {result.Termination}");

        // Same optimum, not merely the same height: the parameters agree too.
        var emTheta = problem.ToParameters(em.Parameters);
        var theta = fresh.ToParameters(result.Parameters);
        for (int i = 0; i < emTheta.Means.Length; i++)
        {
            Assert.Equal(emTheta.Means[i], theta.Means[i], 1e-3 * (1 + Math.Abs(emTheta.Means[i])));
        }
    }

    [Theory]
    [InlineData("em")]
    [InlineData("gradient")]
    [InlineData("gradient-em")]
    [InlineData("lbfgs")]
    [InlineData("incremental-em")]
    public void Run_ToleranceZero_RunsExactlyMaxIterations(string algorithm)
    {
        var (problem, start) = Faithful(FullCovariance.Instance);
        var result = OptimizerCatalog.Create(algorithm).Run(problem, start, new FitOptions { RelativeTolerance = 0, MaxIterations = 7, Step = 0.05 });
        Assert.Equal(7, result.Iterations);
        Assert.Equal(TerminationReason.IterationLimit, result.Termination);
        Assert.False(result.Converged);
        Assert.Equal(Enumerable.Range(0, 8), result.Trace.Select(r => r.Iteration));
        Assert.Equal(result.LogLikelihood, result.Trace[^1].LogLikelihood);
        Assert.Equal(result.Passes, result.Trace[^1].Passes);
        for (int t = 1; t < result.Trace.Count; t++)
        {
            Assert.True(result.Trace[t].Passes > result.Trace[t - 1].Passes);
            Assert.True(result.Trace[t].Seconds >= result.Trace[t - 1].Seconds);
            Assert.True(double.IsFinite(result.Trace[t].GradientNorm));
        }
    }

    [Fact]
    public void Em_Trace_OnePassPerIterationAndMonotone()
    {
        var (problem, start) = Faithful(TiedCovariance.Instance);
        var result = new ExpectationMaximizationOptimizer().Run(problem, start, new FitOptions { RelativeTolerance = 0, MaxIterations = 30 });
        for (int t = 0; t < result.Trace.Count; t++)
        {
            // One pass per new point; once EM sits at a fixed point exactly (η' = η bit for bit, here after about
            // 15 steps) the cached evaluation is reused and no pass is spent.
            Assert.True(result.Trace[t].Passes == t + 1 || (t > 10 && result.Trace[t].Passes == result.Trace[t - 1].Passes), $"iteration {t}: {result.Trace[t].Passes} passes");
            if (t > 0)
            {
                Assert.True(result.Trace[t].LogLikelihood >= result.Trace[t - 1].LogLikelihood - 1e-12 * Math.Abs(result.Trace[t].LogLikelihood));
            }
        }
    }

    [Fact]
    public void GradientEm_StepFarTooLarge_StopsAtLastGoodPoint()
    {
        var (problem, start) = Faithful(FullCovariance.Instance);
        var result = OptimizerCatalog.Create("gradient-em").Run(problem, start, new FitOptions { Step = 50, MaxIterations = 100 });
        Assert.Equal(TerminationReason.StepTooLarge, result.Termination);
        Assert.False(result.Converged);
        Assert.Contains("reduce the step", result.Trace[^1].Note);

        // The trace ends at the point returned, not at the rejected one.
        Assert.Equal(result.LogLikelihood, result.Trace[^1].LogLikelihood);
        Assert.Equal(result.Iterations, result.Trace[^1].Iteration);
        Assert.True(result.LogLikelihood >= result.Trace[0].LogLikelihood);
        Assert.Equal(result.LogLikelihood, problem.Value(result.Parameters));
    }

    [Theory]
    [InlineData("gradient")]
    [InlineData("gradient-em")]
    [InlineData("lbfgs")]
    [InlineData("scoring")]
    [InlineData("em-gradient")]
    public void GradientMethod_ModelWithoutFisherIdentity_RefusesWithReason(string algorithm)
    {
        var data = new DataSet("uniform", ["x"], [0.3, 1.2, 0.7, 2.5], 4);
        var problem = new FitProblem<double, UniformEndpointStatistics>(new UniformEndpointModel(), data);
        var error = Assert.Throws<GradientNotDefinedException>(() => OptimizerCatalog.Create(algorithm).Run(problem, [Math.Log(3.0)], new FitOptions()));
        Assert.Contains("moves the support", error.Message);
        Assert.Contains("the EM algorithm (em)", error.Message);
        Assert.Equal([FitSetting.Algorithm], error.Settings);
        Assert.Equal(0, problem.Passes);
    }

    [Fact]
    public void Em_ModelWithoutFisherIdentity_RunsWithoutGradient()
    {
        var data = new DataSet("uniform", ["x"], [0.3, 1.2, 0.7, 2.5], 4);
        var problem = new FitProblem<double, UniformEndpointStatistics>(new UniformEndpointModel(), data);
        var result = new ExpectationMaximizationOptimizer().Run(problem, [Math.Log(3.0)], new FitOptions());
        Assert.True(result.Converged);
        Assert.Equal(2.5, Math.Exp(result.Parameters[0]), 1e-12);
        Assert.Equal(-4 * Math.Log(2.5), result.LogLikelihood, 1e-12);
        Assert.True(double.IsNaN(result.Trace[0].GradientNorm));
    }

    [Fact]
    public void Fit_Restarts_KeepsBestAndIsDeterministic()
    {
        var settings = new GaussianMixtureFitSettings { Data = TestData.Iris, Components = 3, Structure = FullCovariance.Instance, Restarts = 4, Seed = 5 };
        var first = GaussianMixtureFitter.Fit(settings, new ExpectationMaximizationOptimizer(), new FitOptions());
        var second = GaussianMixtureFitter.Fit(settings, new ExpectationMaximizationOptimizer(), new FitOptions());
        // Small EM: 10 short runs per restart, 4 carried on; the kept fit is the best of those carried.
        Assert.Equal(40, first.Restarts.Count);
        Assert.Equal(4, first.Restarts.Count(r => r.Carried));
        Assert.Equal(first.Restarts.Where(r => r.Carried).Max(r => r.LogLikelihood), first.Result.LogLikelihood);
        Assert.Equal(first.Result.LogLikelihood, second.Result.LogLikelihood);
        Assert.Equal(first.Parameters.Means.ToArray(), second.Parameters.Means.ToArray());
    }

    [Theory]
    [InlineData("em")]
    [InlineData("lbfgs")]
    public void Fit_OneTwoThreeThreads_BitIdenticalResults(string algorithm)
    {
        var data = RandomProblems.MixtureData(new Random(21), 20_000, 3, 3);
        FitResult Run(int threads)
        {
            var settings = new GaussianMixtureFitSettings { Data = data, Components = 3, Execution = new LatentFit.Execution.ExecutionOptions(threads, 1024) };
            return GaussianMixtureFitter.Fit(settings, OptimizerCatalog.Create(algorithm), new FitOptions { RelativeTolerance = 0, MaxIterations = 15 }).Result;
        }

        var reference = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var result = Run(threads);
            Assert.Equal(reference.Parameters, result.Parameters);
            Assert.Equal(reference.Trace.Select(r => r.LogLikelihood), result.Trace.Select(r => r.LogLikelihood));
        }
    }

    [Fact]
    public void FitSettings_MoreComponentsThanRows_ExplainsWhy()
    {
        var data = new DataSet("tiny.csv", ["x"], [1.0, 2.0, 3.0], 3);
        var settings = new GaussianMixtureFitSettings { Data = data, Components = 4 };
        var error = Assert.Throws<ArgumentException>(() => GaussianMixtureFitter.Fit(settings, new ExpectationMaximizationOptimizer(), new FitOptions()));
        Assert.Contains("tiny.csv has 3", error.Message);
    }

    [Fact]
    public void Initializer_FewerDistinctRowsThanComponents_ExplainsWhy()
    {
        var data = new DataSet("dup", ["x"], [1.0, 1.0, 1.0, 2.0], 4);
        var model = new GaussianMixtureModel(3, 1, FullCovariance.Instance);
        var error = Assert.Throws<ArgumentException>(() => GaussianMixtureInitializer.KMeansPlusPlus(model, data, 0));
        Assert.Contains("fewer than 3 distinct rows", error.Message);
    }

    [Theory]
    [InlineData(Precision.Double)]
    [InlineData(Precision.Single)]
    public void Initializer_KMeansOnManyChunks_SameStartForOneTwoThreeThreads(Precision precision)
    {
        // 10,000 rows: three chunks of Lloyd's passes, whose sums merge in chunk order whatever the thread count.
        var data = RandomProblems.MixtureData(new Random(5), 10000, 5, 3);
        data = precision == Precision.Single ? data.ToSinglePrecision() : data;
        var model = new GaussianMixtureModel(3, 5, FullCovariance.Instance);
        var reference = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 7, new ExecutionOptions(1));
        foreach (int threads in new[] { 2, 3 })
        {
            var start = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 7, new ExecutionOptions(threads));
            Assert.Equal(reference.Weights.ToArray(), start.Weights.ToArray());
            Assert.Equal(reference.Means.ToArray(), start.Means.ToArray());
            Assert.Equal(reference.FullCovariances(), start.FullCovariances());
        }
    }

    [Fact]
    public void Initializer_KMeansOnSeparatedClusters_FindsTheirMeans()
    {
        // Three tight clusters far apart: whatever the seeding, Lloyd's passes end at the cluster means.
        var rows = new List<double>();
        double[][] centres = [[0, 0], [50, 0], [0, 50]];
        var random = new Random(9);
        for (int n = 0; n < 9000; n++)
        {
            var centre = centres[n % 3];
            rows.Add(centre[0] + random.NextDouble() - 0.5);
            rows.Add(centre[1] + random.NextDouble() - 0.5);
        }

        var data = new DataSet("three", ["x", "y"], [.. rows], 9000);
        var model = new GaussianMixtureModel(3, 2, DiagonalCovariance.Instance);
        var start = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 1, new ExecutionOptions(2));
        foreach (var centre in centres)
        {
            double nearest = Enumerable.Range(0, 3).Min(j => Math.Abs(start.Means[2 * j] - centre[0]) + Math.Abs(start.Means[(2 * j) + 1] - centre[1]));
            Assert.True(nearest < 0.05, $"no mean within 0.05 of ({centre[0]}, {centre[1]})");
        }

        Assert.All(start.Weights.ToArray(), w => Assert.Equal(1.0 / 3, w, 1e-12));
    }

    [Fact]
    public void Initializer_KMeansOnTinyScale_SeparatesTheClusters()
    {
        // Squared distances near 1e-48 would flush to zero in float32; the seeding measures them in units of the
        // data's variance.
        var data = new DataSet("tiny", ["x"], [0, 1e-24, 2e-24, 10e-24, 11e-24, 12e-24], 6);
        var model = new GaussianMixtureModel(2, 1, FullCovariance.Instance, regularization: 0);
        var start = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 0);
        Assert.Equal([1e-24, 11e-24], start.Means.ToArray().Order().ToArray(), (a, b) => Math.Abs(a - b) < 1e-30);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void ExecutionOptions_ThreadsBelowOne_Refused(int threads) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExecutionOptions(threads));
}
