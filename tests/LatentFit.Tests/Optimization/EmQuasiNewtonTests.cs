using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Models.Hmm;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Optimization;

/// <summary>
/// Jamshidian &amp; Jennrich's QN1, QN2 (1997) and EM-CG (1993) against EM run to convergence (an independent route to
/// the same maximum), on the problem zoo's Gaussian and Poisson mixtures, iris and the earthquake Poisson HMM.
/// </summary>
public sealed class EmQuasiNewtonTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string problem in new[] { "faithful", "iris", "death_notices", "earthquakes" })
        {
            foreach (string algorithm in new[] { "qn1", "qn2", "em-cg" })
            {
                data.Add(problem, algorithm);
            }
        }

        return data;
    }

    private static (FitProblem Problem, double[] Start) Problem(string name)
    {
        switch (name)
        {
            case "faithful":
                {
                    var model = new GaussianMixtureModel(2, 2, FullCovariance.Instance, regularization: 0);
                    var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, TestData.Faithful);
                    return (problem, problem.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus(model, TestData.Faithful, 0)));
                }

            case "iris":
                {
                    var model = new GaussianMixtureModel(3, 4, DiagonalCovariance.Instance, regularization: 0);
                    var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, TestData.Iris);
                    return (problem, problem.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus(model, TestData.Iris, 0)));
                }

            case "death_notices":
                {
                    var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), TestData.DeathNotices);
                    return (problem, problem.ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5])));
                }

            default:
                {
                    // The counts as one sequence (the CSV has no sequence column), from rates near the data's quantiles.
                    var counts = EmbeddedDatasets.Load("earthquakes");
                    var data = new DataSet("earthquakes", ["count"], counts.Values.ToArray(), counts.Rows, layout: new DataSetLayout { SequenceStarts = [0] });
                    var problem = HmmTestCases.PoissonProblem(data, 2);
                    return (problem, problem.ToUnconstrained(HmmTestCases.PoissonParameters([0.5, 0.5], [0.9, 0.1, 0.1, 0.9], [12, 25])));
                }
        }
    }

    private static readonly FitOptions Tight = new() { RelativeTolerance = 1e-14, ParameterTolerance = 1e-9, MaxIterations = 20_000 };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Method_Problem_ReachesEmMaximumMonotonically(string problemName, string algorithm)
    {
        var (reference, start) = Problem(problemName);
        var em = new ExpectationMaximizationOptimizer().Run(reference, start, new FitOptions { RelativeTolerance = 0, ParameterTolerance = 1e-11, MaxIterations = 200_000 });
        Assert.True(em.Converged, $"EM: {em.Termination} after {em.Iterations}");
        var expected = reference.NaturalParameters(em.Parameters);

        var (problem, _) = Problem(problemName);
        var result = OptimizerCatalog.Create(algorithm).Run(problem, start, Tight);
        Assert.True(result.Converged, $"{algorithm}: {result.Termination} after {result.Iterations}");
        Assert.True(
            Math.Abs(result.LogLikelihood - em.LogLikelihood) <= 1e-8 * Math.Abs(em.LogLikelihood),
            $"{algorithm} on {problemName}: ℓ = {result.LogLikelihood:R} after {result.Iterations} ({result.Passes} passes), EM {em.LogLikelihood:R} after {em.Iterations}");
        var actual = problem.NaturalParameters(result.Parameters);
        for (int i = 0; i < expected.Length; i++)
        {
            // As in the zoo: the death-notice likelihood is so flat (EM's rate 0.9957) that 10⁻⁹ in ℓ allows ~10⁻⁵ in θ.
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{algorithm} on {problemName}: parameter {i}: {actual[i]:R} vs EM's {expected[i]:R}");
        }

        for (int t = 1; t < result.Trace.Count; t++)
        {
            double previous = result.Trace[t - 1].LogLikelihood;
            Assert.True(result.Trace[t].LogLikelihood >= previous - 1e-12 * Math.Abs(previous), $"{algorithm} on {problemName}: ℓ fell at iteration {t} ({result.Trace[t].Note})");
        }

        Assert.Equal(result.Passes, result.Trace[^1].Passes);
    }

    /// <summary>
    /// On the death notices EM's rate is 0.9957 and EM needs thousands of steps; each method learns the missing
    /// curvature (Broyden's A, QN2's S, conjugacy) and converges in well under a hundred. A wrong update would fall
    /// back to EM-like steps and run out of iterations.
    /// </summary>
    [Theory]
    [InlineData("qn1")]
    [InlineData("qn2")]
    [InlineData("em-cg")]
    public void Method_SlowEmProblem_ConvergesInFarFewerStepsThanEm(string algorithm)
    {
        var (reference, start) = Problem("death_notices");
        var em = new ExpectationMaximizationOptimizer().Run(reference, start, Tight with { MaxIterations = 100_000 });
        Assert.True(em.Converged && em.Iterations > 1000, $"EM: {em.Termination} after {em.Iterations}");

        var (problem, _) = Problem("death_notices");
        var result = OptimizerCatalog.Create(algorithm).Run(problem, start, Tight with { MaxIterations = 100 });
        Assert.True(result.Converged, $"{algorithm}: {result.Termination} after {result.Iterations}, ℓ = {result.LogLikelihood:R}");
        Assert.True(Math.Abs(result.LogLikelihood - em.LogLikelihood) <= 1e-10 * Math.Abs(em.LogLikelihood), $"{algorithm}: ℓ = {result.LogLikelihood:R}, EM {em.LogLikelihood:R}");
    }

    [Theory]
    [InlineData("faithful")]
    [InlineData("iris")]
    [InlineData("earthquakes")]
    public void Qn1_FirstStep_IsEmStepBitForBit(string problemName)
    {
        var (problem, start) = Problem(problemName);
        var next = new double[start.Length];
        problem.EmMap(start, next);
        double value = problem.Value(next);
        var result = OptimizerCatalog.Create("qn1").Run(problem, start, new FitOptions { RelativeTolerance = 0, MaxIterations = 1 });
        Assert.Equal(next, result.Parameters);
        Assert.Equal(value, result.Trace[1].LogLikelihood);
    }

    [Fact]
    public void Qn1_BroydenStepWouldLowerLikelihood_RejectedForEmStepAndMonotone()
    {
        // From this start on the flat ridge of the death-notice likelihood, some Broyden steps overshoot; each
        // must be replaced by the EM step.
        var (problem, start) = Problem("death_notices");
        var result = OptimizerCatalog.Create("qn1").Run(problem, start, Tight);
        Assert.Contains(result.Trace, r => r.Note?.Contains("Broyden step rejected") == true);
        for (int t = 1; t < result.Trace.Count; t++)
        {
            double previous = result.Trace[t - 1].LogLikelihood;
            Assert.True(result.Trace[t].LogLikelihood >= previous - 1e-12 * Math.Abs(previous), $"ℓ fell at iteration {t}");
        }
    }

    [Fact]
    public void Qn1_ModelWithoutFisherIdentity_RunsWithoutGradient()
    {
        var data = new DataSet("uniform", ["x"], [0.3, 1.2, 0.7, 2.5], 4);
        var problem = new FitProblem<double, UniformEndpointStatistics>(new UniformEndpointModel(), data);
        var result = OptimizerCatalog.Create("qn1").Run(problem, [Math.Log(3.0)], new FitOptions());
        Assert.True(result.Converged);
        Assert.Equal(2.5, Math.Exp(result.Parameters[0]), 1e-12);
        Assert.Equal(-4 * Math.Log(2.5), result.LogLikelihood, 1e-12);
    }

    [Theory]
    [InlineData("qn2")]
    [InlineData("em-cg")]
    public void GradientMethod_ModelWithoutFisherIdentity_Refuses(string algorithm)
    {
        var data = new DataSet("uniform", ["x"], [0.3, 1.2, 0.7, 2.5], 4);
        var problem = new FitProblem<double, UniformEndpointStatistics>(new UniformEndpointModel(), data);
        var error = Assert.Throws<GradientNotDefinedException>(() => OptimizerCatalog.Create(algorithm).Run(problem, [Math.Log(3.0)], new FitOptions()));
        Assert.Contains("moves the support", error.Message);
        Assert.Equal(0, problem.Passes);
    }
}
