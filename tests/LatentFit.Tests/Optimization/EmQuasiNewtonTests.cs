using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Acceleration;
using LatentFit.Optimization.Em;
using LatentFit.Optimization.QuasiNewton;
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
        if (name != "earthquakes")
        {
            return TestProblems.Mixture(name);
        }

        // From rates near the data's quantiles.
        var problem = HmmTestCases.PoissonProblem(TestProblems.EarthquakeSequence(), 2);
        return (problem, problem.ToUnconstrained(HmmTestCases.PoissonParameters([0.5, 0.5], [0.9, 0.1, 0.1, 0.9], [12, 25])));
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
        TestProblems.AssertReachedMaximumMonotonically($"{algorithm} on {problemName}", problem, result, em.LogLikelihood, expected);
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
    [InlineData("death_notices")]
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

    private static double[] RandomVector(Random random, int n) => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();

    private static double Dot(double[] a, double[] b) => a.Zip(b, (u, v) => u * v).Sum();

    /// <summary>
    /// Broyden's inverse update must satisfy the inverse secant equation A₊Δg̃ = Δθ (Nocedal &amp; Wright §11.1): then
    /// the next step η − A₊g̃ is the zero of the secant model through the last two points. Checked by applying A₊
    /// through <c>Step</c>: A₊Δg̃ = (θ − A₊g̃) − (θ − A₊(g̃ + Δg̃)).
    /// </summary>
    [Fact]
    public void Qn1_BroydenUpdate_SatisfiesInverseSecantEquation()
    {
        var random = new Random(11);
        const int n = 5;
        var inverse = new Qn1Optimizer.BroydenInverse(n);
        for (int update = 0; update < 4; update++)
        {
            var point = RandomVector(random, n);
            var next = RandomVector(random, n);
            var step = RandomVector(random, n);
            var nextStep = RandomVector(random, n);
            inverse.Update(point, next, step, nextStep);

            var zero = new double[n];
            var first = new double[n];
            var second = new double[n];
            inverse.Step(zero, step, first);
            inverse.Step(zero, nextStep, second);
            for (int i = 0; i < n; i++)
            {
                // −A₊step − (−A₊nextStep) = A₊Δg̃, which must be Δθ.
                Assert.Equal(next[i] - point[i], first[i] - second[i], 1e-10);
            }
        }
    }

    /// <summary>
    /// QN2's S must satisfy its secant equation S₊Δg = Δη + Δg̃ (the Newton step (−∇²ℓ)⁻¹g = g̃ − Sg differenced
    /// between two points, J&amp;J 1997 §4) and stay symmetric; read through the direction d = g̃ − Sg.
    /// </summary>
    [Fact]
    public void Qn2_SecantUpdate_SatisfiesSecantEquationAndSymmetry()
    {
        var random = new Random(12);
        const int n = 5;
        var rule = new Qn2Optimizer.SecantRule(n);
        var zero = new double[n];
        for (int update = 0; update < 4; update++)
        {
            var deltaPoint = RandomVector(random, n);
            var deltaEmStep = RandomVector(random, n);

            // ΔgᵀΔη < 0, the curvature of a maximum along the step that the update requires.
            var deltaGradient = deltaPoint.Select((v, i) => -2 * v + 0.1 * (random.NextDouble() - 0.5)).ToArray();
            Assert.True(Dot(deltaGradient, deltaPoint) < 0);
            rule.Update(deltaPoint, deltaGradient, deltaEmStep, zero, zero, zero, restarted: false);

            // d = g̃ − Sg with g̃ = 0 and g = Δg gives −SΔg.
            var direction = new double[n];
            rule.Direction(deltaGradient, zero, direction);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(deltaPoint[i] + deltaEmStep[i], -direction[i], 1e-10);
            }

            var a = RandomVector(random, n);
            var b = RandomVector(random, n);
            var sa = new double[n];
            var sb = new double[n];
            rule.Direction(a, zero, sa);
            rule.Direction(b, zero, sb);
            Assert.Equal(Dot(b, sa), Dot(a, sb), 1e-10);
        }
    }

    /// <summary>
    /// EM-CG's Hestenes–Stiefel β makes the next direction conjugate to the last step's change of gradient,
    /// dₖᵀ(gₖ − gₖ₋₁) = 0 (what makes dₖᵀ∇²ℓ dₖ₋₁ = 0 on a quadratic; Nocedal &amp; Wright eq. 5.46).
    /// </summary>
    [Fact]
    public void EmCg_NextDirection_IsConjugateToGradientChange()
    {
        var random = new Random(13);
        const int n = 6;
        var rule = new EmConjugateGradientOptimizer.ConjugacyRule(n);
        var direction = new double[n];
        Assert.True(rule.Direction(RandomVector(random, n), RandomVector(random, n), direction));
        var deltaGradient = direction.Select(v => -v + 0.1 * (random.NextDouble() - 0.5)).ToArray();
        var emStep = RandomVector(random, n);
        rule.Update(RandomVector(random, n), deltaGradient, RandomVector(random, n), RandomVector(random, n), emStep, direction, restarted: true);
        var next = new double[n];
        Assert.False(rule.Direction(RandomVector(random, n), emStep, next));
        Assert.Equal(0, Dot(next, deltaGradient), 1e-12);
        Assert.NotEqual(0, Dot(next, direction));
    }
}
