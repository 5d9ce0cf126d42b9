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
    public void Check_SinglePrecision_RefusedAsUsage()
    {
        // The identities are checked to 1e-6..1e-9, below what float32 data resolve.
        var (code, _, stderr) = CliRunner.Run("check", "--data", "faithful", "-k", "2", "--precision", "single");
        Assert.Equal(2, code);
        Assert.Contains("--precision", stderr);
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
    public void Demo_PrintsBothComparisonsAndWritesReports()
    {
        using var temp = new TempDirectory();
        var (code, stdout, stderr) = CliRunner.Run("demo", "--report", temp.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("faithful: 272 rows × 2 columns", stdout);
        Assert.Contains("death_notices: 10 rows × 1 columns", stdout);
        foreach (string algorithm in LatentFit.Optimization.OptimizerCatalog.Names)
        {
            Assert.Contains($"│ {algorithm} ", stdout);
        }

        Assert.True(File.Exists(Path.Combine(temp.Path, "faithful", "report.md")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "death_notices", "report.md")));
        Assert.Contains($"report written to {Path.Combine(temp.Path, "death_notices")}", stdout);
    }

    [Fact]
    public void Compare_DeathNoticesReport_PlotsDecodeAndReportNamesWinner()
    {
        using var temp = new TempDirectory();
        string report = Path.Combine(temp.Path, "report");
        var (code, stdout, stderr) = CliRunner.Run("compare", "--data", "death_notices", "--model", "poisson", "-k", "2", "--algorithms", "em,newton,squarem,anderson", "--tol", "0", "--param-tol", "1e-8", "--max-iter", "100000", "--report", report);
        Assert.True(code == 0, stdout + stderr);
        foreach (string name in new[] { "convergence-iterations", "convergence-passes", "convergence-seconds", "density" })
        {
            using var bitmap = SkiaSharp.SKBitmap.Decode(Path.Combine(report, name + ".png"));
            Assert.NotNull(bitmap);
            Assert.Equal((900, 560), (bitmap.Width, bitmap.Height));
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(report, name + ".svg")));
        }

        string markdown = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("## Which method won, and why", markdown);
        Assert.Matches(@"\*\*(newton|anderson)\*\* reached the maximum", markdown);
        Assert.Contains("largest fraction of missing information: **0.9956", markdown);
        Assert.Contains("Plain EM needed", markdown);
        Assert.Empty(Directory.GetDirectories(temp.Path, ".*"));
    }

    [Fact]
    public void Compare_ReportIntoMissingParent_Exit2AndNothingWritten()
    {
        var (code, _, err) = CliRunner.Run("compare", "--data", "faithful", "--algorithms", "em", "--report", "/nonexistent-parent/report");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent-parent", err);
    }

    [Fact]
    public void NoCommand_PrintsHelpOrError()
    {
        var (code, stdout, stderr) = CliRunner.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("fit", stdout + stderr);
    }
}
