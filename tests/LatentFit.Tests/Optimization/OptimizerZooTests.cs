using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Optimization;

/// <summary>
/// The conformance suite: every optimiser × the problem zoo (Old Faithful, Gaussian K=2 full; death notices,
/// Poisson K=2), each from one start, against the best known maximum: mclust's for faithful
/// (References/mclust_loglik.json) and the SQUAREM R package's for death notices (References/squarem_poisson.json,
/// −535.36979086459 without the log y! terms, 1454.5760690184 with them).
/// </summary>
public sealed class OptimizerZooTests
{
    internal const double FaithfulOptimum = -1130.2639601842;
    internal const double DeathNoticesOptimum = -535.36979086458882 - 1454.5760690183754;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string problem in new[] { "faithful", "death_notices" })
        {
            foreach (string algorithm in OptimizerCatalog.Names)
            {
                data.Add(problem, algorithm);
            }
        }

        return data;
    }

    private static (FitProblem Problem, double[] Start, double Optimum, Func<double[], double[]> Natural) Problem(string name)
    {
        if (name == "faithful")
        {
            var model = new GaussianMixtureModel(2, 2, FullCovariance.Instance, regularization: 0);
            var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, TestData.Faithful);
            var start = problem.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus(model, TestData.Faithful, 0));
            return (problem, start, FaithfulOptimum, eta => problem.NaturalParameters(eta));
        }

        var poisson = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), TestData.DeathNotices);
        return (poisson, poisson.ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5])), DeathNoticesOptimum, eta => poisson.NaturalParameters(eta));
    }

    private static FitOptions Options(string problem, string algorithm) => new()
    {
        RelativeTolerance = 1e-14,
        ParameterTolerance = 1e-9,
        MaxIterations = 200_000,

        // Gradient EM's fixed step must suit the curvature of the per-observation log-likelihood.
        Step = problem == "faithful" ? 0.2 : 1.0,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Optimizer_ProblemZoo_ReachesBestKnownMaximum(string problemName, string algorithm)
    {
        var (problem, start, optimum, natural) = Problem(problemName);
        var result = OptimizerCatalog.Create(algorithm).Run(problem, start, Options(problemName, algorithm));
        Assert.True(
            Math.Abs(result.LogLikelihood - optimum) <= 1e-6 * Math.Abs(optimum),
            $"{algorithm} on {problemName}: ℓ = {result.LogLikelihood:R} ({result.Termination} after {result.Iterations}), best known {optimum:R}");
        Assert.True(result.LogLikelihood >= result.Trace[0].LogLikelihood);
        Assert.Equal(result.Passes, result.Trace[^1].Passes);
    }

    [Theory]
    [InlineData("faithful")]
    [InlineData("death_notices")]
    public void Optimizers_SameProblem_AgreeOnParameters(string problemName)
    {
        var (reference, start, _, natural) = Problem(problemName);
        var newton = OptimizerCatalog.Create("newton").Run(reference, start, new FitOptions { RelativeTolerance = 0, GradientTolerance = 1e-8, MaxIterations = 200 });
        var expected = natural(newton.Parameters);
        foreach (string algorithm in new[] { "em", "lbfgs", "squarem", "anderson", "auto", "incremental-em" })
        {
            var (problem, _, _, _) = Problem(problemName);
            var result = OptimizerCatalog.Create(algorithm).Run(problem, start, Options(problemName, algorithm));
            var actual = natural(result.Parameters);
            for (int i = 0; i < expected.Length; i++)
            {
                // The death-notice likelihood is very flat (EM's rate is 0.9957), so 10⁻⁹ in ℓ allows ~10⁻⁵ in θ.
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{algorithm}: parameter {i}: {actual[i]:R} vs Newton's {expected[i]:R}");
            }
        }
    }

    [Fact]
    public void Squarem_ExtrapolationWouldLowerLikelihood_RejectedAndMonotone()
    {
        // From this start SQUAREM's extrapolations overshoot along the flat ridge of the death-notice likelihood
        // several times (α in the hundreds); each must be rejected for the double EM step.
        var (problem, start, _, _) = Problem("death_notices");
        var result = OptimizerCatalog.Create("squarem").Run(problem, start, new FitOptions { RelativeTolerance = 0, ParameterTolerance = 1e-8 });
        Assert.Contains(result.Trace, r => r.Note?.Contains("rejected (ℓ would fall)") == true);
        for (int t = 1; t < result.Trace.Count; t++)
        {
            Assert.True(result.Trace[t].LogLikelihood >= result.Trace[t - 1].LogLikelihood - 1e-12 * Math.Abs(result.Trace[t - 1].LogLikelihood), $"ℓ fell at iteration {t}");
        }
    }

    [Fact]
    public void Squarem_StartOutsideValidRegionAfterExtrapolation_FallsBackToEm()
    {
        // Three-component Poisson on data from two: extrapolations in (π, λ) can leave the simplex or make a rate
        // negative; those steps must be caught as invalid, never produce NaN.
        var random = new Random(3);
        var values = Enumerable.Range(0, 400).Select(i => (double)(i % 2 == 0 ? random.Next(3) : 5 + random.Next(4))).ToArray();
        var data = new DataSet("counts", ["y"], values, values.Length);
        var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(3), data);
        var start = problem.ToUnconstrained(PoissonMixtureParameters.Create([0.2, 0.3, 0.5], [0.5, 3, 7]));
        var result = OptimizerCatalog.Create("squarem").Run(problem, start, new FitOptions { MaxIterations = 500 });
        Assert.True(double.IsFinite(result.LogLikelihood));
        Assert.All(result.Parameters, v => Assert.True(double.IsFinite(v)));
        for (int t = 1; t < result.Trace.Count; t++)
        {
            Assert.True(result.Trace[t].LogLikelihood >= result.Trace[t - 1].LogLikelihood - 1e-12 * Math.Abs(result.Trace[t - 1].LogLikelihood));
        }
    }
}
