using System.Text.Json;
using LatentFit.Diagnostics;
using LatentFit.Fitting;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Diagnostics;

/// <summary>
/// Newton steps from where EM stopped, on the death-notice Poisson mixture, against the maximum the SQUAREM R package
/// finds (References/squarem_poisson.json: −(negLogLikNoFactorial + logFactorialTerm) = −1989.945859883).
/// </summary>
public sealed class MaximumPolishTests
{
    private static double PublishedMaximum()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "References", "squarem_poisson.json")));
        var root = json.RootElement;
        return -(root.GetProperty("squarem").GetProperty("negLogLikNoFactorial").GetDouble() + root.GetProperty("logFactorialTerm").GetDouble());
    }

    [Fact]
    public void Run_FromEmsRelativeToleranceStop_ReachesPublishedMaximum()
    {
        var specification = new PoissonMixtureSpecification(TestData.DeathNotices, 2);
        var fit = ModelFitter.Fit(specification, new ExpectationMaximizationOptimizer(), new FitOptions { RelativeTolerance = 1e-8, Stopping = StoppingRule.RelativeChange });
        double maximum = PublishedMaximum();
        double gap = maximum - fit.Result.LogLikelihood;
        Assert.True(gap > 1e-4, $"EM stopped only {gap:G3} below the maximum; the test needs a stop short of it");

        var polish = MaximumPolish.Run(fit.Problem, fit.Result.Parameters, fit.Result.LogLikelihood);
        Assert.True(polish.AtMaximum, polish.Failure);
        Assert.InRange(polish.Steps, 1, MaximumPolish.MaximumSteps);
        Assert.Equal(maximum, polish.LogLikelihood, 1e-8);
        // ½gᵀI⁻¹g at the stop estimates the gap to the maximum (exact for a quadratic ℓ); here within 10%.
        Assert.InRange(polish.StartGainEstimate / gap, 0.9, 1.1);
    }

    [Fact]
    public void Run_NoSteps_MeasuresOnly()
    {
        var specification = new PoissonMixtureSpecification(TestData.DeathNotices, 2);
        var fit = ModelFitter.Fit(specification, new ExpectationMaximizationOptimizer(), new FitOptions { RelativeTolerance = 1e-8 });
        var polish = MaximumPolish.Run(fit.Problem, fit.Result.Parameters, fit.Result.LogLikelihood, maximumSteps: 0);
        Assert.False(polish.AtMaximum);
        Assert.Equal(0, polish.Steps);
        Assert.Equal(fit.Result.Parameters, polish.Parameters);
    }

    [Fact]
    public void Run_FarFromTheMaximum_TakesNoStepsAndSaysWhy()
    {
        var specification = new PoissonMixtureSpecification(TestData.DeathNotices, 2);
        var fit = ModelFitter.Fit(specification, new ExpectationMaximizationOptimizer(), new FitOptions { RelativeTolerance = 0, MaxIterations = 5 });
        var polish = MaximumPolish.Run(fit.Problem, fit.Result.Parameters, fit.Result.LogLikelihood);
        Assert.True(polish.StartDecrement > MaximumPolish.StartDecrementLimit, $"gᵀI⁻¹g = {polish.StartDecrement:G3} after five EM steps; the test needs a start outside the limit");
        Assert.Equal(0, polish.Steps);
        Assert.Equal(fit.Result.Parameters, polish.Parameters);
        Assert.Contains("too far for Newton steps", polish.Failure);
    }
}
