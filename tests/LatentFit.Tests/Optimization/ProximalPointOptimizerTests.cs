using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Categorical;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Proximal;
using LatentFit.Tests.Models.Categorical;
using LatentFit.Tests.Models.Hmm;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Optimization;

/// <summary>
/// The Kullback proximal-point method (Chrétien &amp; Hero 2000): with β = 1 it is EM bit for bit; with the default
/// schedule βₖ → 0 it reaches EM's maximum, and ℓ never falls.
/// </summary>
public sealed class ProximalPointOptimizerTests
{
    private const int Categories = CategoricalMixtureModelTests.Categories;

    private static readonly FitOptions EmSchedule = new() { ProximalBeta = 1, ProximalBetaDecay = 1 };

    /// <summary>A fresh problem (its own pass count and cache) and its start.</summary>
    private static (FitProblem Problem, double[] Start) Problem(string name)
    {
        if (name is "death_notices" or "faithful" or "iris")
        {
            return TestProblems.Mixture(name);
        }

        if (name == "earthquakes")
        {
            var hmm = HmmTestCases.PoissonProblem(TestProblems.EarthquakeSequence());
            return (hmm, hmm.ToUnconstrained(HmmTestCases.PoissonParameters([0.5, 0.5], [0.9, 0.1, 0.2, 0.8], [12, 25])));
        }

        var categorical = new FitProblem<CategoricalMixtureParameters, CategoricalMixtureStatistics>(new CategoricalMixtureModel(2, Categories), CategoricalMixtureModelTests.Data());
        return (categorical, categorical.ToUnconstrained(CategoricalMixtureModelTests.Theta));
    }

    [Theory]
    [InlineData("death_notices")]
    [InlineData("faithful")]
    [InlineData("codes")]
    public void Proximal_BetaOne_ReproducesEmIterateByIterate(string name)
    {
        foreach (int iterations in new[] { 1, 2, 3, 10, 200 })
        {
            var options = EmSchedule with { RelativeTolerance = 0, MaxIterations = iterations };
            var (emProblem, start) = Problem(name);
            var em = OptimizerCatalog.Create("em").Run(emProblem, start, options);
            var (proximalProblem, _) = Problem(name);
            var proximal = new ProximalPointOptimizer().Run(proximalProblem, start, options);

            Assert.Equal(iterations, proximal.Iterations);
            Assert.Equal(em.Parameters.Select(BitConverter.DoubleToInt64Bits), proximal.Parameters.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(em.Trace.Select(r => BitConverter.DoubleToInt64Bits(r.LogLikelihood)), proximal.Trace.Select(r => BitConverter.DoubleToInt64Bits(r.LogLikelihood)));
            Assert.Equal(em.Trace.Select(r => r.Passes), proximal.Trace.Select(r => r.Passes));
        }
    }

    [Theory]
    [InlineData("death_notices")]
    [InlineData("faithful")]
    [InlineData("iris")]
    [InlineData("earthquakes")]
    public void Proximal_DefaultSchedule_ReachesEmsMaximumMonotonically(string name)
    {
        // EM to convergence is the reference: on the death notices, at its rate 0.9957, a parameter change of 10⁻¹¹ per
        // step leaves it about 2·10⁻⁹ from the maximiser in θ, far inside the tolerances below.
        var (emProblem, start) = Problem(name);
        var em = OptimizerCatalog.Create("em").Run(emProblem, start, new FitOptions { RelativeTolerance = 0, ParameterTolerance = 1e-11, MaxIterations = 100_000 });
        Assert.True(em.Converged);

        var (problem, _) = Problem(name);
        var result = new ProximalPointOptimizer().Run(problem, start, new FitOptions { RelativeTolerance = 0, ParameterTolerance = 1e-9, MaxIterations = 1000 });
        Assert.True(result.Converged, $"{result.Termination} after {result.Iterations}");
        AssertMonotone(result);
        Assert.True(Math.Abs(result.LogLikelihood - em.LogLikelihood) <= 1e-8 * Math.Abs(em.LogLikelihood), $"ℓ = {result.LogLikelihood:R}, EM's {em.LogLikelihood:R}");
        var expected = problem.NaturalParameters(em.Parameters);
        var actual = problem.NaturalParameters(result.Parameters);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"{problem.NaturalParameterNames[i]}: {actual[i]:R}, EM's {expected[i]:R}");
        }

        // Superlinear as β → 0: no more iterations than EM (thousands on the death notices), and few.
        Assert.True(result.Iterations <= Math.Min(em.Iterations, 50), $"{result.Iterations} iterations, EM {em.Iterations}");
    }

    [Fact]
    public void Proximal_FixedBeta_OneIterationMaximisesLikelihoodMinusKullbackPenalty()
    {
        // Chrétien & Hero (2000): θ₁ = argmax ℓ(θ) − β·I(θ₀, θ), I the Kullback–Leibler divergence between the posteriors of
        // the component labels, here computed in the test from the Poisson mixture's densities (not from Q).
        const double beta = 0.5;
        var data = TestData.DeathNotices;
        var (problem, start) = Problem("death_notices");
        var typed = (FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>)problem;
        var result = new ProximalPointOptimizer().Run(problem, start, new FitOptions { ProximalBeta = beta, ProximalBetaDecay = 1, RelativeTolerance = 0, MaxIterations = 1 });

        (double LogLikelihood, double[][] Posteriors) Evaluate(double[] eta)
        {
            var theta = typed.ToParameters(eta);
            double total = 0;
            var posteriors = new double[data.Rows][];
            for (int n = 0; n < data.Rows; n++)
            {
                double x = data[n, 0];
                var joint = new double[2];
                for (int k = 0; k < 2; k++)
                {
                    joint[k] = theta.Weights[k] * Math.Exp(x * Math.Log(theta.Rates[k]) - theta.Rates[k] - LogFactorial(x));
                }

                double density = joint.Sum();
                total += data.RowWeights!.Value.Span[n] * Math.Log(density);
                posteriors[n] = joint.Select(j => j / density).ToArray();
            }

            return (total, posteriors);
        }

        var (_, before) = Evaluate(start);
        double Objective(double[] eta)
        {
            var (logLikelihood, posteriors) = Evaluate(eta);
            double divergence = 0;
            for (int n = 0; n < data.Rows; n++)
            {
                for (int k = 0; k < 2; k++)
                {
                    divergence += data.RowWeights!.Value.Span[n] * before[n][k] * Math.Log(before[n][k] / posteriors[n][k]);
                }
            }

            return logLikelihood - beta * divergence;
        }

        var next = result.Parameters;
        var emStep = new double[next.Length];
        problem.EmMap(start, emStep);
        Assert.True(Objective(next) > Objective(emStep) + 1e-3, $"proximal {Objective(next):R}, M-step {Objective(emStep):R}");
        for (int i = 0; i < next.Length; i++)
        {
            double slope = CentralDifference.Richardson(Objective, next, i);
            Assert.True(Math.Abs(slope) <= 1e-4, $"∂/∂η{i} of ℓ − βI at the proximal step: {slope:R}");
            foreach (double h in new[] { 1e-3, -1e-3 })
            {
                var moved = (double[])next.Clone();
                moved[i] += h;
                Assert.True(Objective(moved) <= Objective(next), $"ℓ − βI rises by moving η{i} by {h}");
            }
        }
    }

    /// <summary>log x! by summing logarithms (the counts here are small integers).</summary>
    private static double LogFactorial(double x)
    {
        double sum = 0;
        for (int j = 2; j <= (int)x; j++)
        {
            sum += Math.Log(j);
        }

        return sum;
    }

    [Fact]
    public void Proximal_DefaultSchedule_CategoricalReachesTheSaturatedMaximum()
    {
        // One categorical column: any mixture whose marginal Σₖ πₖpₖ(c) equals the observed frequencies is a maximum
        // (a ridge, so the information is singular there), and ℓ* = Σ_c n_c log(n_c / N) over the observed cells.
        var data = CategoricalMixtureModelTests.Data();
        var counts = new double[Categories];
        for (int n = 0; n < data.Rows; n++)
        {
            if (!data.IsMissing(n, 0))
            {
                counts[(int)data[n, 0]] += data.RowWeights!.Value.Span[n];
            }
        }

        double total = counts.Sum();
        double saturated = counts.Where(c => c > 0).Sum(c => c * Math.Log(c / total));

        var (problem, start) = Problem("codes");
        var result = new ProximalPointOptimizer().Run(problem, start, new FitOptions { RelativeTolerance = 1e-14, MaxIterations = 1000 });
        AssertMonotone(result);
        Assert.True(Math.Abs(result.LogLikelihood - saturated) <= 1e-8 * Math.Abs(saturated), $"ℓ = {result.LogLikelihood:R}, saturated {saturated:R}");
    }

    [Fact]
    public void Proximal_ModelWithoutFisherIdentity_RunsAsEmAtBetaOneAndRefusesBelow()
    {
        var data = new DataSet("uniform", ["x"], [0.3, 1.2, 0.7, 2.5], 4);
        var problem = new FitProblem<double, UniformEndpointStatistics>(new UniformEndpointModel(), data);
        var error = Assert.Throws<GradientNotDefinedException>(() => new ProximalPointOptimizer().Run(problem, [Math.Log(3.0)], new FitOptions()));
        Assert.Contains("proximal with β < 1", error.Message);
        Assert.Contains("moves the support", error.Message);
        Assert.Equal(0, problem.Passes);

        var result = new ProximalPointOptimizer().Run(problem, [Math.Log(3.0)], EmSchedule);
        Assert.True(result.Converged);
        Assert.Equal(2.5, Math.Exp(result.Parameters[0]), 1e-12);
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(-0.5, 0.5)]
    [InlineData(1.5, 0.5)]
    [InlineData(double.NaN, 0.5)]
    [InlineData(1.0, 0.0)]
    [InlineData(1.0, 1.01)]
    [InlineData(1.0, double.NaN)]
    public void FitOptions_BetaOrDecayOutsideUnitInterval_Refused(double beta, double decay)
    {
        var (problem, start) = Problem("death_notices");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ProximalPointOptimizer().Run(problem, start, new FitOptions { ProximalBeta = beta, ProximalBetaDecay = decay }));
        Assert.Equal(beta is > 0 and <= 1 ? nameof(FitOptions.ProximalBetaDecay) : nameof(FitOptions.ProximalBeta), error.ParamName);
    }

    private static void AssertMonotone(FitResult result)
    {
        for (int t = 1; t < result.Trace.Count; t++)
        {
            Assert.True(result.Trace[t].LogLikelihood >= result.Trace[t - 1].LogLikelihood - 1e-12 * Math.Abs(result.Trace[t - 1].LogLikelihood), $"ℓ fell at iteration {t}: {result.Trace[t - 1].LogLikelihood:R} → {result.Trace[t].LogLikelihood:R}");
        }
    }
}
