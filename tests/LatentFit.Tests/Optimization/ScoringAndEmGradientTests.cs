using LatentFit.Models.Abstractions;
using LatentFit.Diagnostics;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tests.Models.Hmm;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Optimization;

/// <summary>
/// Fisher scoring with the empirical information (BHHH + Levenberg–Marquardt) and Lange's (1995) EM gradient algorithm:
/// each reaches the maximum that Newton's method, run to a gradient of 10⁻⁸, finds from the same start; the EM gradient
/// algorithm converges at EM's observed rate. (Both refusing a model without Fisher's identity is in OptimizerTests.)
/// </summary>
public sealed class ScoringAndEmGradientTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string problem in new[] { "death_notices", "faithful", "iris", "poisson_hmm" })
        {
            data.Add(problem, "scoring");
            data.Add(problem, "em-gradient");
        }

        return data;
    }

    internal static (FitProblem Problem, double[] Start) Problem(string name)
    {
        if (name != "poisson_hmm")
        {
            return TestProblems.Mixture(name);
        }

        // Sixty sequences: the empirical information Σ sᵢsᵢᵀ sums one score per sequence, so one sequence would give
        // it rank one.
        var hmm = HmmTestCases.PoissonProblem(HmmTestCases.PoissonData(21, Enumerable.Repeat(20, 60).ToArray(), [2, 9]));
        return (hmm, hmm.ToUnconstrained(HmmTestCases.PoissonStart()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Optimizer_Problem_ReachesNewtonsMaximumMonotonically(string problemName, string algorithm)
    {
        var (reference, start) = Problem(problemName);
        var newton = OptimizerCatalog.Create("newton").Run(reference, start, new FitOptions { RelativeTolerance = 0, GradientTolerance = 1e-8, MaxIterations = 500 });
        Assert.Equal(TerminationReason.GradientConverged, newton.Termination);

        var (problem, _) = Problem(problemName);
        var result = OptimizerCatalog.Create(algorithm).Run(problem, start, new FitOptions { RelativeTolerance = 0, ParameterTolerance = 1e-10, MaxIterations = 100_000 });
        TestProblems.AssertReachedMaximumMonotonically($"{algorithm} on {problemName}", problem, result, newton.LogLikelihood, reference.NaturalParameters(newton.Parameters));
    }

    [Fact]
    public void Scoring_OneSequenceOfAnHmm_RefusedBecauseTheEmpiricalInformationIsSingular()
    {
        // One sequence is one observation: Σᵢ sᵢsᵢᵀ has rank one for P = 5 parameters.
        var hmm = HmmTestCases.PoissonProblem(HmmTestCases.PoissonData(21, [200], [2, 9]));
        var failure = Assert.Throws<ModelFailureException>(() => OptimizerCatalog.Create("scoring").Run(hmm, hmm.ToUnconstrained(HmmTestCases.PoissonStart()), new FitOptions()));
        Assert.Contains("the data have 1", failure.Message);
        Assert.Contains("5 parameters", failure.Message);
        Assert.Equal(0, hmm.Passes);
    }

    [Fact]
    public void Scoring_Iteration_CostsOneScorePassAndOnePassPerTrial()
    {
        // From the death-notice start each of the first three steps is accepted at once (λ falls 10⁻³, 10⁻⁴, 10⁻⁵): two
        // passes per iteration, plus the start's.
        var (problem, start) = Problem("death_notices");
        var result = OptimizerCatalog.Create("scoring").Run(problem, start, new FitOptions { RelativeTolerance = 0, MaxIterations = 3 });
        Assert.Equal(3, result.Iterations);
        Assert.Equal(problem.Passes, result.Passes);
        Assert.Equal(1 + (2 * 3), result.Passes);
    }

    [Fact]
    public void EmGradient_NearMaximum_ConvergesAtEmsObservedRate()
    {
        // Lange (1995), §2: the EM gradient map has the EM map's Jacobian I − I_oc⁻¹I_o at the maximum. Both runs start
        // where 200 EM steps from the death-notice start end (the slow direction already dominates), and each rate is read
        // as ConvergenceRate reads EM's: the ratio of successive steps at the last step above 10⁻⁹ of the first.
        var (problem, start) = Problem("death_notices");
        var near = OptimizerCatalog.Create("em").Run(problem, start, new FitOptions { RelativeTolerance = 0, MaxIterations = 200 }).Parameters;
        ConvergenceRate.ObservedRates(problem, near, 100_000, out double emRate);

        var algorithm = OptimizerCatalog.Create("em-gradient");
        var options = new FitOptions { RelativeTolerance = 0, MaxIterations = 1 };
        var current = near;
        double first = double.NaN, previous = double.NaN, observed = double.NaN;
        for (int t = 0; t < 100_000; t++)
        {
            var next = algorithm.Run(problem, current, options).Parameters;
            double step = Math.Sqrt(current.Zip(next, (a, b) => (a - b) * (a - b)).Sum());
            first = double.IsNaN(first) ? step : first;
            if (!double.IsNaN(previous) && step > 1e-9 * first)
            {
                observed = step / previous;
            }

            if (step <= 1e-9 * first)
            {
                break;
            }

            previous = step;
            current = next;
        }

        Assert.True(emRate > 0.99, $"EM's observed rate {emRate:R}");
        Assert.True(Math.Abs(observed - emRate) <= 1e-3, $"EM gradient's observed rate {observed:R}, EM's {emRate:R}");
    }

    [Fact]
    public void VariableMetricCheck_PoissonMixture_MatchesHandComputation()
    {
        // η = (log(π₁/π₂), log λ₁, log λ₂). With responsibilities rᵢₖ at θ, nₖ = Σ wᵢrᵢₖ, sₖ = Σ wᵢrᵢₖxᵢ, N = Σ wᵢ:
        // Q = n₁η₁ − N log(1 + e^η₁) + Σₖ (sₖηₖ − nₖe^ηₖ) + const, so ∇ℓ = ∇Q = (n₁ − Nπ₁, sₖ − nₖλₖ),
        // I_oc = diag(Nπ₁π₂, n₁λ₁, n₂λ₂) (no cross terms), and EM's step goes to (log(n₁/n₂), log(sₖ/nₖ)).
        var (problem, start) = Problem("death_notices");
        double[] pi = [0.3, 0.7], lambda = [1.0, 2.5];
        var data = TestData.DeathNotices;
        double total = 0;
        var n = new double[2];
        var s = new double[2];
        for (int i = 0; i < data.Rows; i++)
        {
            double x = data[i, 0], w = data.RowWeights!.Value.Span[i];
            var joint = new double[2];
            for (int k = 0; k < 2; k++)
            {
                joint[k] = pi[k] * Math.Exp(-lambda[k] + (x * Math.Log(lambda[k])));
            }

            for (int k = 0; k < 2; k++)
            {
                n[k] += w * joint[k] / (joint[0] + joint[1]);
                s[k] += w * x * joint[k] / (joint[0] + joint[1]);
            }

            total += w;
        }

        double[] gradient = [n[0] - (total * pi[0]), s[0] - (n[0] * lambda[0]), s[1] - (n[1] * lambda[1])];
        double[] information = [total * pi[0] * pi[1], n[0] * lambda[0], n[1] * lambda[1]];
        double[] emStep = [Math.Log(n[0] / n[1]) - start[0], Math.Log(s[0] / n[0]) - start[1], Math.Log(s[1] / n[1]) - start[2]];
        double difference = 0, emNorm = 0, stepNorm = 0;
        for (int i = 0; i < 3; i++)
        {
            double step = gradient[i] / information[i];
            difference += (emStep[i] - step) * (emStep[i] - step);
            emNorm += emStep[i] * emStep[i];
            stepNorm += step * step;
        }

        var report = VariableMetricCheck.Run(problem, start);
        Assert.Equal(Math.Sqrt(emNorm), report.EmStepNorm, 1e-9);
        Assert.Equal(Math.Sqrt(stepNorm), report.GradientStepNorm, 1e-6);
        Assert.Equal(Math.Sqrt(difference / emNorm), report.Residual, 1e-6);
        Assert.True(report.Residual > 1e-3, $"the two steps differ at second order, residual {report.Residual:R}");
    }

    [Fact]
    public void VariableMetricCheck_TowardsMaximum_ResidualShrinksWithTheStep()
    {
        // First-order agreement: at θ* + s(θ − θ*) the residual is O(‖Δ_EM‖) = O(s), so a tenfold smaller s gives a
        // residual about ten times smaller; a metric that differed from I_oc⁻¹ at θ* would leave it O(1).
        var (problem, start) = Problem("death_notices");
        var optimum = OptimizerCatalog.Create("newton").Run(problem, start, new FitOptions { RelativeTolerance = 0, GradientTolerance = 1e-8, MaxIterations = 500 }).Parameters;
        double Residual(double scale) => VariableMetricCheck.Run(problem, optimum.Zip(start, (a, b) => a + (scale * (b - a))).ToArray()).Residual;
        double coarse = Residual(1e-1), fine = Residual(1e-2);
        Assert.True(fine < 0.2 * coarse && fine > 0.05 * coarse, $"residual {coarse:R} at s = 0.1, {fine:R} at s = 0.01");
    }
}
