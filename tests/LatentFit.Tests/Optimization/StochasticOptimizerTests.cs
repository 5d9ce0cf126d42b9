using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Support;
using Xunit.Abstractions;

namespace LatentFit.Tests.Optimization;

/// <summary>
/// The stochastic methods (online-em, online-gradient, sgd) against batch EM run to convergence from the same start, on
/// a generated Gaussian mixture and a generated Poisson HMM of many sequences; and their determinism.
/// </summary>
public sealed class StochasticOptimizerTests(ITestOutputHelper output)
{
    internal static FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics> Mixture(int threads = 1) =>
        new(new GaussianMixtureModel(3, 2, FullCovariance.Instance, regularization: 0), MixtureData.Value, new ExecutionOptions(threads, 256));

    internal static readonly Lazy<DataSet> MixtureData = new(() => RandomProblems.MixtureData(new Random(11), 3000, 2, 3));

    internal static double[] MixtureStart(FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics> problem) =>
        problem.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus((GaussianMixtureModel)problem.Model, MixtureData.Value, 0));

    internal static FitProblem<HmmParameters<PoissonEmissionParameters>, HmmStatistics<PoissonEmissionStatistics>> Hmm(int threads = 1) =>
        new(new HiddenMarkovModel<PoissonEmissionParameters, PoissonEmissionStatistics>(new PoissonEmissionFamily(2)), HmmData.Value, new ExecutionOptions(threads, 256));

    internal static readonly Lazy<DataSet> HmmData = new(() => PoissonHmmData(new Random(5), sequences: 200));

    internal static double[] HmmStart(FitProblem<HmmParameters<PoissonEmissionParameters>, HmmStatistics<PoissonEmissionStatistics>> problem) =>
        problem.ToUnconstrained(HmmParameters<PoissonEmissionParameters>.Create([0.5, 0.5], [0.7, 0.3, 0.3, 0.7], new PoissonEmissionFamily(2).FromUnconstrained([Math.Log(1.0), Math.Log(5.0)])));

    /// <summary>Sequences of 10 to 30 steps of a two-state Poisson HMM: π = (0.6, 0.4), A = [[0.9, 0.1], [0.2, 0.8]], λ = (2, 8).</summary>
    private static DataSet PoissonHmmData(Random random, int sequences)
    {
        double[] rates = [2, 8];
        double[] stay = [0.9, 0.8];
        var values = new List<double>();
        var starts = new int[sequences];
        for (int s = 0; s < sequences; s++)
        {
            starts[s] = values.Count;
            int length = 10 + random.Next(21);
            int state = random.NextDouble() < 0.6 ? 0 : 1;
            for (int t = 0; t < length; t++)
            {
                if (t > 0 && random.NextDouble() >= stay[state])
                {
                    state = 1 - state;
                }

                // Knuth's Poisson sampler: count uniforms until their product falls below e^(−λ).
                double limit = Math.Exp(-rates[state]), product = random.NextDouble();
                int count = 0;
                while (product > limit)
                {
                    count++;
                    product *= random.NextDouble();
                }

                values.Add(count);
            }
        }

        return new DataSet("poisson-hmm", ["count"], values.ToArray(), values.Count, layout: new DataSetLayout { SequenceStarts = starts });
    }

    private static FitOptions Epochs(int epochs) => new() { RelativeTolerance = 0, MaxIterations = epochs };

    private static double BatchOptimum(FitProblem problem, double[] start)
    {
        var em = new ExpectationMaximizationOptimizer().Run(problem, start, new FitOptions { RelativeTolerance = 1e-14, MaxIterations = 100_000 });
        Assert.True(em.Converged, em.Termination.ToString());
        return em.LogLikelihood;
    }

    /// <summary>
    /// Checks the run against batch EM's maximum from the same start, and that the ℓ it reports is ℓ at the point it
    /// returns, measured on all the rows: one pass at the start, then per epoch one pass of batches and one to measure.
    /// </summary>
    private void AssertReaches(FitProblem fresh, FitResult result, double optimum, double tolerance, int epochs)
    {
        foreach (var record in result.Trace)
        {
            output.WriteLine($"{result.Algorithm} epoch {record.Iteration}: ℓ {record.LogLikelihood:R}, {(optimum - record.LogLikelihood) / Math.Abs(optimum):E3} below EM, {record.Passes} passes");
        }

        Assert.True(Math.Abs(result.LogLikelihood - optimum) <= tolerance * Math.Abs(optimum), $"{result.Algorithm}: ℓ {result.LogLikelihood:R}, batch EM {optimum:R}");
        Assert.Equal(epochs, result.Iterations);
        Assert.Equal(1.0 + 2 * epochs, result.Passes, 12);
        double value = fresh.Value(result.Parameters);
        Assert.True(Math.Abs(result.LogLikelihood - value) <= 1e-12 * Math.Abs(value), $"reported {result.LogLikelihood:R}, ℓ at the returned point {value:R}");
    }

    [Theory]
    [InlineData("online-em", 1e-4)]
    [InlineData("online-gradient", 1e-4)]
    [InlineData("sgd", 1e-3)]
    public void Stochastic_GaussianMixture_ReachesBatchEmOptimum(string algorithm, double tolerance)
    {
        var problem = Mixture();
        var start = MixtureStart(problem);
        double optimum = BatchOptimum(Mixture(), start);
        var result = OptimizerCatalog.Create(algorithm).Run(problem, start, Epochs(20));
        AssertReaches(Mixture(), result, optimum, tolerance, 20);
    }

    [Theory]
    [InlineData("online-em", 1e-4)]
    [InlineData("online-gradient", 1e-4)]
    [InlineData("sgd", 1e-3)]
    public void Stochastic_PoissonHmmOfManySequences_ReachesBatchEmOptimum(string algorithm, double tolerance)
    {
        var problem = Hmm();
        var start = HmmStart(problem);
        double optimum = BatchOptimum(Hmm(), start);
        var result = OptimizerCatalog.Create(algorithm).Run(problem, start, Epochs(20));
        AssertReaches(Hmm(), result, optimum, tolerance, 20);
    }

    [Theory]
    [InlineData("online-em")]
    [InlineData("online-gradient")]
    [InlineData("sgd")]
    public void Stochastic_SameSeed_BitIdenticalForOneAndTwoThreads(string algorithm)
    {
        // Blocks of 8 rows, batches of about 150 rows: each batch's E-step runs over many blocks, in parallel with two
        // threads, and must merge them in the same order.
        FitProblem Problem(int threads) => new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(
            new GaussianMixtureModel(3, 2, FullCovariance.Instance, regularization: 0), MixtureData.Value, new ExecutionOptions(threads, 8));
        var start = MixtureStart(Mixture());
        var options = Epochs(3) with { BatchRows = 150, Seed = 7 };
        var one = OptimizerCatalog.Create(algorithm).Run(Problem(1), start, options);
        var two = OptimizerCatalog.Create(algorithm).Run(Problem(2), start, options);
        Assert.Equal(one.Parameters, two.Parameters);
        Assert.Equal(one.Trace.Select(r => r.LogLikelihood), two.Trace.Select(r => r.LogLikelihood));

        // The seed drives the batch order: another seed visits the batches in another order and ends elsewhere.
        var other = OptimizerCatalog.Create(algorithm).Run(Problem(1), start, options with { Seed = 8 });
        Assert.NotEqual(one.Parameters, other.Parameters);
    }
}
