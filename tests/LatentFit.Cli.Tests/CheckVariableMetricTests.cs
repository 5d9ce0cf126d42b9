using System.Globalization;
using LatentFit.Data;
using LatentFit.Diagnostics;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;

namespace LatentFit.Cli.Tests;

/// <summary>The variable-metric line of <c>latentfit check</c>: EM's step against I_oc⁻¹∇ℓ, shown as information.</summary>
public sealed class CheckVariableMetricTests
{
    [Fact]
    public void Check_PoissonMixtureFromInit_PrintsVariableMetricResidualOfThatTheta()
    {
        // At θ = (0.3, 0.7; 1, 2.5) the residual is checked against a hand computation in
        // LatentFit.Tests (ScoringAndEmGradientTests); here the line must show that θ's numbers.
        using var temp = new TempDirectory();
        string init = temp.File("start.json", "{\"weights\": [0.3, 0.7], \"rates\": [1, 2.5]}");
        var (code, stdout, err) = CliRunner.Run("check", "--data", "death_notices", "--model", "poisson", "-k", "2", "--init", init);
        Assert.True(code == 0, stdout + err);
        Assert.Contains("all checks passed", stdout);

        var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), EmbeddedDatasets.Load("death_notices"));
        var report = VariableMetricCheck.Run(problem, problem.ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5])));
        Assert.Contains("variable-metric", stdout);
        Assert.Contains(report.Residual.ToString("0.00e+00", CultureInfo.InvariantCulture), stdout);
        Assert.Contains(report.EmStepNorm.ToString("0.00e+00", CultureInfo.InvariantCulture), stdout);
    }

    [Fact]
    public void Check_HiddenMarkovModel_ShowsVariableMetricView()
    {
        var (code, stdout, err) = CliRunner.Run("check", "--data", "earthquakes", "--model", "hmm", "--emission", "poisson", "-k", "2", "--em-steps", "30");
        Assert.True(code == 0, stdout + err);
        Assert.Contains("variable-metric", stdout);
        Assert.DoesNotContain("Variable-metric view not measured", stdout);
    }
}
