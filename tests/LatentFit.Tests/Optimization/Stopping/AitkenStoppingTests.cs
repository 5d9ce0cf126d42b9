using LatentFit.Data;
using LatentFit.Models.Categorical;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.SecondOrder;
using LatentFit.Optimization.Stopping;
using LatentFit.Tests.Models.Hmm;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Optimization.Stopping;

/// <summary>
/// The Aitken rule of <see cref="RunRecorder"/> (Böhning et al. 1994) on sequences whose limit is known in closed form,
/// and the promise it makes on real fits: a run that says converged is within its tolerance of the maximum.
/// </summary>
public sealed class AitkenStoppingTests
{
    private static readonly FitProblem AnyProblem =
        new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), TestData.DeathNotices);

    /// <summary>Feeds ℓ₀, ℓ₁, … to a recorder as an optimiser would; returns the stop (iteration and reason) and the result.</summary>
    private static (int Iteration, TerminationReason? Reason, FitResult Result) Feed(IReadOnlyList<double> values, FitOptions options)
    {
        var recorder = new RunRecorder("sequence", AnyProblem, options, sink: null);
        recorder.Begin(values[0], double.NaN);
        for (int t = 1; t < values.Count; t++)
        {
            recorder.Record(t, values[t], double.NaN);
            if (recorder.Check(values[t - 1], values[t], double.NaN, [], []) is { } reason)
            {
                return (t, reason, recorder.Finish([], values[t], t, reason));
            }
        }

        return (values.Count - 1, null, recorder.Finish([], values[^1], values.Count - 1, TerminationReason.IterationLimit));
    }

    [Fact]
    public void Aitken_GeometricSequence_StopsOneIterationAfterTheTrueGapMeetsTheToleranceWithTheExactGap()
    {
        // ℓₜ = L − c·aᵗ: Aitken's extrapolation is exact, so the rule first holds at the first t ≥ 3 (two rates) with
        // L − ℓₜ ≤ tol·|ℓₜ|, and must hold again one iteration later.
        const double limit = -1000, scale = 50, rate = 0.99, tolerance = 1e-8;
        var values = Enumerable.Range(0, 5000).Select(t => limit - (scale * Math.Pow(rate, t))).ToArray();
        int first = Enumerable.Range(3, 4997).First(t => limit - values[t] <= tolerance * Math.Abs(values[t]));

        var (iteration, reason, result) = Feed(values, new FitOptions { RelativeTolerance = tolerance });

        Assert.Equal(TerminationReason.AitkenConverged, reason);
        Assert.Equal(first + 1, iteration);
        Assert.True(result.Converged);
        Assert.NotNull(result.EstimatedGap);
        Assert.Equal(limit - values[iteration], result.EstimatedGap!.Value, 1e-9);
    }

    [Fact]
    public void Aitken_OneSmallRatioBeforeASlowTail_DoesNotStop()
    {
        // Increments 10, 10⁻³ (a ratio of 10⁻⁴: ℓ∞ − ℓ estimated at 10⁻⁷, inside the tolerance), then a tail at rate 0.99
        // that still has 0.1 to go: one lucky ratio must not end the run.
        var values = new List<double> { -1000, -990, -989.999 };
        double step = 0.00099;
        for (int t = 0; t < 20; t++)
        {
            values.Add(values[^1] + step);
            step *= 0.99;
        }

        var (iteration, reason, _) = Feed(values, new FitOptions { RelativeTolerance = 1e-8 });

        Assert.Null(reason);
        Assert.Equal(values.Count - 1, iteration);
    }

    [Fact]
    public void Aitken_IncrementsAtTheRoundingLevel_StopsAndSaysSo()
    {
        // A tolerance below what ℓ resolves: the steps of 10⁻¹³ at ℓ ≈ −1000 are under 16 units of rounding of |ℓ|.
        var values = new[] { -1000.0, -999.9, -999.89, -999.889, -999.889 + 1e-13, -999.889 + 2e-13, -999.889 + 3e-13 };

        var (iteration, reason, result) = Feed(values, new FitOptions { RelativeTolerance = 1e-18 });

        Assert.Equal(TerminationReason.RoundingLevel, reason);
        Assert.Equal(4, iteration);
        Assert.True(result.Converged);
    }

    [Fact]
    public void RelativeChange_ChosenExplicitly_StopsAtTheFirstSmallStepAsBefore()
    {
        const double tolerance = 1e-8;
        var values = Enumerable.Range(0, 5000).Select(t => -1000 - (50 * Math.Pow(0.99, t))).ToArray();
        int first = Enumerable.Range(1, 4999).First(t => Math.Abs(values[t] - values[t - 1]) <= tolerance * Math.Abs(values[t]));

        var (iteration, reason, _) = Feed(values, new FitOptions { RelativeTolerance = tolerance, Stopping = StoppingRule.RelativeChange });

        Assert.Equal(TerminationReason.Converged, reason);
        Assert.Equal(first, iteration);
    }

    [Fact]
    public void Validate_UndefinedStoppingRule_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FitOptions { Stopping = (StoppingRule)7 }.Validate());

    /// <summary>
    /// EM on death notices from the SQUAREM comparison's start (p = 0.3, λ = (1, 2.5)) at the default tolerance: the change
    /// rule stops more than a hundred times the tolerance below the SQUAREM R package's maximum (EM's rate there is
    /// 0.9957) and says converged; the Aitken rule stops within the tolerance and estimates what is left to a factor 2.
    /// </summary>
    [Fact]
    public void Em_DeathNotices_StopsWithinToleranceOfSquaremsMaximum()
    {
        var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), TestData.DeathNotices);
        var start = problem.ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5]));
        var em = OptimizerCatalog.Create("em");

        var aitken = em.Run(problem, start, new FitOptions { MaxIterations = 5000 });
        var change = em.Run(problem, start, new FitOptions { MaxIterations = 5000, Stopping = StoppingRule.RelativeChange });

        double allowed = 1e-8 * Math.Abs(OptimizerZooTests.DeathNoticesOptimum);
        Assert.Equal(TerminationReason.Converged, change.Termination);
        Assert.True(OptimizerZooTests.DeathNoticesOptimum - change.LogLikelihood > 100 * allowed);
        Assert.Equal(TerminationReason.AitkenConverged, aitken.Termination);
        double gap = OptimizerZooTests.DeathNoticesOptimum - aitken.LogLikelihood;
        Assert.True(gap <= 1e-8 * Math.Abs(aitken.LogLikelihood), $"stopped {gap:G3} below the maximum after {aitken.Iterations} iterations");
        Assert.InRange(aitken.EstimatedGap!.Value, 0.5 * gap, 2 * gap);
    }

    public static TheoryData<string, string> Fits()
    {
        var data = new TheoryData<string, string>();
        foreach (string problem in new[] { "faithful", "iris", "death_notices", "earthquakes", "categorical" })
        {
            foreach (string algorithm in new[] { "em", "overrelaxed", "incremental-em", "squarem", "anderson", "newton" })
            {
                data.Add(problem, algorithm);
            }
        }

        return data;
    }

    /// <summary>
    /// Every default fit (tolerance 1e-8, the method's default rule) that says converged is within 1e-8·|ℓ| of the
    /// maximum: EM's own run under the other rule (relative change 1e-13), then Newton steps from there, whichever is
    /// higher. The gradient methods are left out: their increments of ℓ follow no geometric law, and measured here
    /// L-BFGS on the earthquakes stops 14 times the tolerance short, conjugate gradients 590 times (docs/theory.md).
    /// </summary>
    [Theory]
    [MemberData(nameof(Fits))]
    public void DefaultFit_SaysConverged_IsWithinItsToleranceOfTheMaximum(string name, string algorithm)
    {
        var (problem, start) = Problem(name);
        var result = OptimizerCatalog.Create(algorithm).Run(problem, start, new FitOptions());
        if (!result.Converged)
        {
            Assert.Equal(TerminationReason.IterationLimit, result.Termination);
            return;
        }

        var longRun = OptimizerCatalog.Create("em").Run(problem, start, new FitOptions { RelativeTolerance = 1e-13, Stopping = StoppingRule.RelativeChange, MaxIterations = 20_000 });
        var polished = new NewtonOptimizer().Run(problem, longRun.Parameters, new FitOptions { RelativeTolerance = 0, GradientTolerance = 1e-9, MaxIterations = 20 });
        double maximum = Math.Max(longRun.LogLikelihood, polished.LogLikelihood);
        double gap = maximum - result.LogLikelihood;
        Assert.True(gap <= 1e-8 * Math.Abs(result.LogLikelihood), $"{algorithm} on {name}: {result.Termination} after {result.Iterations} iterations, {gap:G3} below the maximum {maximum:R}");
    }

    private static (FitProblem Problem, double[] Start) Problem(string name)
    {
        switch (name)
        {
            case "faithful":
            case "iris":
            case "death_notices":
                return TestProblems.Mixture(name);

            case "earthquakes":
                {
                    var data = TestProblems.EarthquakeSequence();
                    var problem = HmmTestCases.PoissonProblem(data, 3);
                    return (problem, problem.ToUnconstrained(HmmTestCases.PoissonParameters([1.0 / 3, 1.0 / 3, 1.0 / 3], [0.9, 0.05, 0.05, 0.05, 0.9, 0.05, 0.05, 0.05, 0.9], [10, 18, 28])));
                }

            default:
                {
                    // Four categories drawn from two profiles, 300 rows.
                    var random = new Random(5);
                    var values = Enumerable.Range(0, 300).Select(n => (double)(n < 120 ? Math.Min(3, random.Next(3)) : 1 + random.Next(3))).ToArray();
                    var data = new DataSet("codes", ["x"], values, 300, layout: new DataSetLayout { Categories = [["A", "C", "G", "T"]] });
                    var model = new CategoricalMixtureModel(2, 4);
                    var problem = new FitProblem<CategoricalMixtureParameters, CategoricalMixtureStatistics>(model, data);
                    return (problem, problem.ToUnconstrained(CategoricalMixtureParameters.Create([0.5, 0.5], CategoricalEmissionParameters.Create(4, [0.4, 0.3, 0.2, 0.1, 0.1, 0.2, 0.3, 0.4]))));
                }
        }
    }
}
