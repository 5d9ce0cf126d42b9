using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Categorical;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Proximal;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Optimization;

/// <summary>
/// The Kullback proximal-point method (Chrétien &amp; Hero 2000): with β = 1 it is EM bit for bit; with the default
/// schedule βₖ → 0 it reaches EM's maximum, and ℓ never falls.
/// </summary>
public sealed class ProximalPointOptimizerTests
{
    private const int Categories = 4;

    private static readonly FitOptions EmSchedule = new() { ProximalBeta = 1, ProximalBetaDecay = 1 };

    /// <summary>A fresh problem (its own pass count and cache) and its start.</summary>
    private static (FitProblem Problem, double[] Start) Problem(string name)
    {
        if (name == "death_notices")
        {
            var poisson = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), TestData.DeathNotices);
            return (poisson, poisson.ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5])));
        }

        var categorical = new FitProblem<CategoricalMixtureParameters, CategoricalMixtureStatistics>(new CategoricalMixtureModel(2, Categories), Codes());
        return (categorical, categorical.ToUnconstrained(CategoricalMixtureParameters.Create(
            [0.3, 0.7],
            CategoricalEmissionParameters.Create(Categories, [0.1, 0.2, 0.3, 0.4, 0.5, 0.25, 0.15, 0.1]))));
    }

    /// <summary>One column of codes with frequency weights and a missing cell.</summary>
    private static DataSet Codes()
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 60).Select(_ => (double)random.Next(Categories)).ToArray();
        var weights = Enumerable.Range(0, 60).Select(_ => 1.0 + random.Next(3)).ToArray();
        values[9] = double.NaN;
        return new DataSet("codes", ["x"], values, 60, weights, new DataSetLayout
        {
            Categories = [["A", "C", "G", "T"]],
            MissingCells = values.Select(double.IsNaN).ToArray(),
        });
    }

    [Theory]
    [InlineData("death_notices")]
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

    [Fact]
    public void Proximal_DefaultSchedule_DeathNoticesReachesEmsMaximumMonotonically()
    {
        // EM to convergence is the reference: at its rate 0.9957 a parameter change of 10⁻¹¹ per step leaves it about
        // 2·10⁻⁹ from the maximiser in θ, far inside the tolerances below.
        var (emProblem, start) = Problem("death_notices");
        var em = OptimizerCatalog.Create("em").Run(emProblem, start, new FitOptions { RelativeTolerance = 0, ParameterTolerance = 1e-11, MaxIterations = 100_000 });
        Assert.True(em.Converged);

        var (problem, _) = Problem("death_notices");
        var result = new ProximalPointOptimizer().Run(problem, start, new FitOptions { RelativeTolerance = 0, ParameterTolerance = 1e-9, MaxIterations = 1000 });
        Assert.True(result.Converged, $"{result.Termination} after {result.Iterations}");
        AssertMonotone(result);
        Assert.True(Math.Abs(result.LogLikelihood - em.LogLikelihood) <= 1e-8 * Math.Abs(em.LogLikelihood), $"ℓ = {result.LogLikelihood:R}, EM's {em.LogLikelihood:R}");
        var expected = problem.NaturalParameters(em.Parameters);
        var actual = problem.NaturalParameters(result.Parameters);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * (1 + Math.Abs(expected[i])), $"parameter {i}: {actual[i]:R}, EM's {expected[i]:R}");
        }

        // Superlinear as β → 0: far fewer iterations than EM's thousands.
        Assert.True(result.Iterations < 100, $"{result.Iterations} iterations");
    }

    [Fact]
    public void Proximal_DefaultSchedule_CategoricalReachesTheSaturatedMaximum()
    {
        // One categorical column: any mixture whose marginal Σₖ πₖpₖ(c) equals the observed frequencies is a maximum
        // (a ridge, so the information is singular there), and ℓ* = Σ_c n_c log(n_c / N) over the observed cells.
        var data = Codes();
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
