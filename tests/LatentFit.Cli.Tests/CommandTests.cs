namespace LatentFit.Cli.Tests;

public sealed class CommandTests
{
    [Fact]
    public void Compare_Faithful_TableAndTraceFiles()
    {
        using var temp = new TempDirectory();
        string traces = Path.Combine(temp.Path, "traces");
        var (code, stdout, stderr) = CliRunner.Run("compare", "--data", "faithful", "-k", "2", "--algorithms", "em,lbfgs,gradient", "--traces", traces);
        Assert.True(code == 0, stderr);
        foreach (string algorithm in new[] { "em", "lbfgs", "gradient" })
        {
            Assert.Contains(algorithm, stdout);
            string path = Path.Combine(traces, $"{algorithm}.csv");
            var lines = File.ReadAllLines(path);
            Assert.Equal("iteration,logLikelihood,gradientNorm,passes,seconds,note", lines[0]);
            Assert.StartsWith("0,", lines[1]);
        }

        Assert.DoesNotContain("gradient-em", stdout);
        Assert.Contains("same parameters", stdout);
    }

    [Fact]
    public void Compare_DuplicateAlgorithm_Exit2()
    {
        var (code, _, err) = CliRunner.Run("compare", "--data", "faithful", "--algorithms", "em,EM");
        Assert.Equal(2, code);
        Assert.Contains("twice", err);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("tied")]
    [InlineData("diag")]
    [InlineData("spherical")]
    public void Check_Faithful_AllPassExit0(string structure)
    {
        var (code, stdout, stderr) = CliRunner.Run("check", "--data", "faithful", "-k", "2", "--covariance", structure);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("all checks passed", stdout);
        Assert.Contains("Fisher identity", stdout);
        Assert.Contains("Xu–Jordan", stdout);
        Assert.DoesNotContain("FAIL", stdout);
    }

    [Fact]
    public void Check_Iris_AllPassExit0()
    {
        var (code, stdout, stderr) = CliRunner.Run("check", "--data", "iris", "-k", "3", "--seed", "4");
        Assert.True(code == 0, stdout + stderr);
    }

    [Fact]
    public void Check_ExactEmDegeneratesFromThisStart_ReportsStepsTakenAndStillJudges()
    {
        // From this random θ the exact (unregularised) EM map drives an iris component onto too few points.
        var (code, stdout, stderr) = CliRunner.Run("check", "--data", "iris", "-k", "3", "--seed", "0");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("EM stopped after", stdout);
        Assert.Contains("not positive definite", stdout);
        Assert.Contains("all checks passed", stdout);
    }

    [Fact]
    public void Demo_PrintsBothComparisons()
    {
        var (code, stdout, stderr) = CliRunner.Run("demo");
        Assert.True(code == 0, stderr);
        Assert.Contains("faithful: 272 rows × 2 columns", stdout);
        Assert.Contains("iris: 150 rows × 4 columns", stdout);
        foreach (string algorithm in new[] { "em", "gradient", "gradient-em", "lbfgs" })
        {
            Assert.Contains(algorithm, stdout);
        }
    }

    [Fact]
    public void NoCommand_PrintsHelpOrError()
    {
        var (code, stdout, stderr) = CliRunner.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("fit", stdout + stderr);
    }
}
