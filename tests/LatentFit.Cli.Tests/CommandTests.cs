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
    [InlineData("full", "VVV")]
    [InlineData("tied", "EEE")]
    [InlineData("diag", "VVI")]
    [InlineData("spherical", "VII")]
    public void Check_Faithful_MaximumAndEmRateMatchPeers(string structure, string mclustModel)
    {
        var (code, stdout, stderr) = CliRunner.Run("check", "--data", "faithful", "-k", "2", "--covariance", structure);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("Fisher identity", stdout);
        Assert.Contains("Xu–Jordan", stdout);
        Assert.DoesNotContain("FAIL", stdout);
        Assert.Contains("all checks passed", stdout);

        // The verdict above is the library's own; these two numbers are not. The maximum at which the rate was
        // measured is mclust's (References/mclust_loglik.json), and the rate is the largest eigenvalue of the EM
        // map's Jacobian written in base R (References/em_rates.json). Both are printed to four decimals.
        Assert.Equal(Reference.MclustLogLikelihood("faithful", 2, mclustModel), PrintedMaximum(stdout), 1e-3);
        Assert.Equal(Reference.Json("em_rates.json").GetProperty("faithfulK2").GetProperty(structure).GetDouble(), PrintedRate(stdout), 1e-4);
    }

    [Fact]
    public void Check_DeathNotices_MaximumAndEmRateMatchPeers()
    {
        var (code, stdout, stderr) = CliRunner.Run("check", "--data", "death_notices", "--model", "poisson", "-k", "2");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("all checks passed", stdout);

        // SQUAREM's maximum, without the log y! terms, plus Σ wᵢ log yᵢ! (References/squarem_poisson.json).
        var squarem = Reference.Json("squarem_poisson.json");
        double maximum = -squarem.GetProperty("squarem").GetProperty("negLogLikNoFactorial").GetDouble() - squarem.GetProperty("logFactorialTerm").GetDouble();
        Assert.Equal(maximum, PrintedMaximum(stdout), 1e-3);
        Assert.Equal(Reference.Json("em_rates.json").GetProperty("deathNoticesK2").GetDouble(), PrintedRate(stdout), 1e-4);
    }

    private static double PrintedMaximum(string stdout) =>
        double.Parse(System.Text.RegularExpressions.Regex.Match(stdout, @"at the maximum \(ℓ = (-?[0-9.]+)\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    private static double PrintedRate(string stdout) =>
        double.Parse(System.Text.RegularExpressions.Regex.Match(stdout, @"largest fraction of missing information: ([0-9.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Check_SinglePrecision_RefusedAsUsage()
    {
        // The identities are checked to 1e-6..1e-9, below what float32 data resolve.
        var (code, _, stderr) = CliRunner.Run("check", "--data", "faithful", "-k", "2", "--precision", "single");
        Assert.Equal(2, code);
        Assert.Contains("--precision", stderr);
    }

    [Fact]
    public void Check_Iris_AllPassAtMclustsMaximum()
    {
        var (code, stdout, stderr) = CliRunner.Run("check", "--data", "iris", "-k", "3", "--seed", "4");
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(Reference.MclustLogLikelihood("iris", 3, "VVV"), PrintedMaximum(stdout), 1e-3);
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
    public void Demo_PrintsEveryComparisonAndWritesReports()
    {
        using var temp = new TempDirectory();
        var (code, stdout, stderr) = CliRunner.Run("demo", "--report", temp.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("faithful: 272 rows × 2 columns", stdout);
        Assert.Contains("death_notices: 10 rows × 1 columns", stdout);
        Assert.Contains("earthquakes: 107 rows × 1 columns (count), hidden Markov model, K=2 states", stdout);
        foreach (string algorithm in LatentFit.Optimization.OptimizerCatalog.Names)
        {
            Assert.Contains($"│ {algorithm} ", stdout);
        }

        Assert.True(File.Exists(Path.Combine(temp.Path, "faithful", "report.md")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "death_notices", "report.md")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "earthquakes", "report.md")));
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
    public void NoCommand_Exit2AndPointsToHelp()
    {
        var (code, stdout, stderr) = CliRunner.Run();
        Assert.Equal(2, code);
        Assert.Contains("--help", stdout + stderr);
    }

    [Fact]
    public void Help_Exit0AndListsEveryCommand()
    {
        var (code, stdout, stderr) = CliRunner.Run("--help");
        Assert.Equal(0, code);
        foreach (string command in new[] { "fit", "check", "compare", "demo" })
        {
            Assert.Matches($@"(?m)^\s+{command}\b", stdout + stderr);
        }
    }
}
