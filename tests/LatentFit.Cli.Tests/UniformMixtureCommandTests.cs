using System.Globalization;
using System.Text.Json;

namespace LatentFit.Cli.Tests;

/// <summary>The uniform mixture on the command line: EM fits it, gradient methods refuse it, check reports the failed identity.</summary>
public sealed class UniformMixtureCommandTests
{
    /// <summary>U(0, 2) and U(1.5, 5), 150 and 100 rows, seeded.</summary>
    private static string Data(TempDirectory temp)
    {
        var random = new Random(1);
        var lines = Enumerable.Range(0, 250).Select(n => (n < 150 ? 2 * random.NextDouble() : 1.5 + 3.5 * random.NextDouble()).ToString("R", CultureInfo.InvariantCulture));
        return temp.File("uniform.csv", "x\n" + string.Join("\n", lines) + "\n");
    }

    [Fact]
    public void Fit_Em_Exit0_WritesAFileThatInitReadsBack()
    {
        using var temp = new TempDirectory();
        string data = Data(temp), output = temp.File("fit.json");
        var (code, stdout, err) = CliRunner.Run("fit", "--data", data, "--model", "uniform-mixture", "-k", "2", "--output", output);
        Assert.True(code == 0, err);
        Assert.Contains("no standard errors", stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        Assert.Equal("uniform-mixture", json.RootElement.GetProperty("model").GetString());
        double fitted = json.RootElement.GetProperty("logLikelihood").GetDouble();
        Assert.Equal(2, json.RootElement.GetProperty("lower").GetArrayLength());

        // ℓ at the file's parameters, with no iteration: the same number, so the file holds what was fitted.
        string again = temp.File("again.json");
        var (code2, _, err2) = CliRunner.Run("fit", "--data", data, "--model", "uniform-mixture", "--init", output, "--max-iter", "0", "--output", again);
        Assert.True(code2 == 0, err2);
        using var json2 = JsonDocument.Parse(File.ReadAllText(again));
        Assert.Equal(fitted, json2.RootElement.GetProperty("logLikelihood").GetDouble(), 1e-9);
    }

    [Theory]
    [InlineData("lbfgs")]
    [InlineData("gradient")]
    [InlineData("newton")]
    public void Fit_GradientOptimiser_Exit2SaysTheSupportDependsOnTheta(string algorithm)
    {
        using var temp = new TempDirectory();
        string output = temp.File("fit.json");
        var (code, _, err) = CliRunner.Run("fit", "--data", Data(temp), "--model", "uniform-mixture", "-k", "2", "--algorithm", algorithm, "--output", output);
        Assert.Equal(2, code);
        Assert.Contains("gradient of the log-likelihood is not available from the E-step because the support of U(a, b) depends on θ", err);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Check_PrintsTheSupportLine_Exit0()
    {
        using var temp = new TempDirectory();
        var (code, stdout, err) = CliRunner.Run("check", "--data", Data(temp), "--model", "uniform-mixture", "-k", "2");
        Assert.True(code == 0, err + stdout);
        var line = stdout.Split('\n').Single(l => l.StartsWith("the support depends on θ", StringComparison.Ordinal));
        Assert.Contains("Fisher's identity fails", line);
        Assert.Contains("EM monotone", stdout);
        Assert.Contains("all checks passed", stdout);
    }

    [Fact]
    public void Compare_SkipsTheGradientMethods_SayingWhy()
    {
        using var temp = new TempDirectory();
        var (code, stdout, err) = CliRunner.Run("compare", "--data", Data(temp), "--model", "uniform-mixture", "-k", "2", "--algorithms", "em,squarem,lbfgs");
        Assert.True(code == 0, err);
        var lbfgs = stdout.Split('\n').Single(l => l.Contains("lbfgs", StringComparison.Ordinal));
        Assert.Contains("skipped", lbfgs);
        Assert.Contains("squarem", stdout);
    }

    [Theory]
    [InlineData("x\n1.5\n2.5\nabc\n3.5\n", "data.csv:4", "abc")]
    [InlineData("x\n1.5\nNaN\n2.5\n3.5\n", "data.csv:3", "\"x\"")]
    public void Fit_BadValue_Exit2NamesRowAndColumn(string content, string where, string what)
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", content), output = temp.File("fit.json");
        var (code, _, err) = CliRunner.Run("fit", "--data", data, "--model", "uniform-mixture", "-k", "2", "--output", output);
        Assert.Equal(2, code);
        err = err.Replace(data, "data.csv", StringComparison.Ordinal);
        Assert.Contains(where, err);
        Assert.Contains("column 1", err);
        Assert.Contains(what, err);
        Assert.False(File.Exists(output));
    }
}
