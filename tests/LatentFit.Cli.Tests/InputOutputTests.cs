using System.Text.Json;
using LatentFit.Data;

namespace LatentFit.Cli.Tests;

/// <summary>
/// Issue 9 §3: outputs never overwrite inputs and are checked before fitting, model files are honoured or refused,
/// degenerate fits warn or are refused, scale and separator problems are named, and the default fit of the
/// death-notice data ends at the published maximum with the published standard errors.
/// </summary>
public sealed class InputOutputTests
{
    private const string TwoClusters = "a,b\n1,2\n2,3\n3,1\n2,2.5\n10,11\n11,12\n12,10\n11,10.5\n";

    private static void AssertRefused((int Code, string Out, string Err) run, params string[] fragments)
    {
        Assert.Equal(2, run.Code);
        Assert.StartsWith("latentfit: error: ", run.Err);
        // Refused before fitting: nothing of a fit was printed.
        Assert.DoesNotContain("log-likelihood", run.Out);
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, run.Err);
        }
    }

    // ---- outputs that are inputs ----

    [Theory]
    [InlineData("same")]
    [InlineData("relative")]
    [InlineData("symlink")]
    [InlineData("symlinked folder")]
    public void Fit_OutputIsTheDataFile_Exit2AndDataIntact(string how)
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", TwoClusters);
        string output = how switch
        {
            "same" => data,
            "relative" => Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(temp.Path, ".", "sub", "..", "data.csv")),
            "symlink" => File.CreateSymbolicLink(temp.File("link.json"), "data.csv").FullName,
            _ => Path.Combine(Directory.CreateSymbolicLink(temp.File("linked"), temp.Path).FullName, "data.csv"),
        };
        AssertRefused(CliRunner.Run("fit", "--data", data, "-k", "2", "--output", output), "--output", "is the --data file", data);
        Assert.Equal(TwoClusters, File.ReadAllText(data));
    }

    [Fact]
    public void Fit_OutputIsTheInitFile_Exit2AndInitIntact()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", TwoClusters);
        string init = temp.File("init.json");
        Assert.Equal(0, CliRunner.Run("fit", "--data", data, "-k", "2", "--output", init).Code);
        string before = File.ReadAllText(init);
        AssertRefused(CliRunner.Run("fit", "--data", data, "--init", init, "--output", init), "is the --init file");
        Assert.Equal(before, File.ReadAllText(init));
    }

    [Theory]
    [InlineData("em.csv", "--traces", "folder", "holds the --data file|em.csv")] // compare writes DIR/em.csv
    [InlineData("data.csv", "--report", "folder", "holds the --data file|replaced whole")]
    [InlineData("data.csv", "--traces", "file", ": is a file|names a folder")]
    public void Compare_OutputFolderThatWouldOverwriteAFile_Exit2AndFileIntact(string dataName, string option, string target, string fragments)
    {
        using var temp = new TempDirectory();
        string data = temp.File(dataName, TwoClusters);
        string path = target == "folder" ? temp.Path : temp.File("traces", "not a folder");
        AssertRefused(CliRunner.Run("compare", "--data", data, "-k", "2", "--algorithms", "em", option, path), [$"{option} {path}", .. fragments.Split('|')]);
        Assert.Equal(TwoClusters, File.ReadAllText(data));
        if (target == "file")
        {
            Assert.Equal("not a folder", File.ReadAllText(path));
        }
    }

    // ---- outputs that cannot be written ----

    [Fact]
    public void Demo_ReportOntoAnExistingFile_Exit2BeforeAnyRun()
    {
        using var temp = new TempDirectory();
        string file = temp.File("report", "not a folder");
        AssertRefused(CliRunner.Run("demo", "--report", file), $"--report {file}: is a file");
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void Fit_OutputInAMissingFolder_Exit2BeforeFittingNamingTheUsersPath()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", TwoClusters);
        string output = Path.Combine(temp.Path, "missing", "model.json");
        var run = CliRunner.Run("fit", "--data", data, "-k", "2", "--output", output);
        AssertRefused(run, $"--output {output}", "does not exist");
        Assert.DoesNotContain(".tmp", run.Err);
    }

    [Fact]
    public void Fit_OutputUnderAFile_Exit2SaysWhichPathIsAFile()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", TwoClusters);
        AssertRefused(CliRunner.Run("fit", "--data", data, "-k", "2", "--output", Path.Combine(data, "model.json")), $"{data} is a file, not a folder");
    }

    [Fact]
    public void Fit_OutputWhereNoFileCanBeCreated_Exit2NamingTheUsersPath()
    {
        // Permission bits do not stop root, which the tests may run as; /proc refuses new files to everyone.
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self"))
        {
            return;
        }

        using var temp = new TempDirectory();
        string data = temp.File("data.csv", TwoClusters);
        var run = CliRunner.Run("fit", "--data", data, "-k", "2", "--output", "/proc/model.json");
        AssertRefused(run, "--output /proc/model.json: cannot write in the folder /proc");
        Assert.DoesNotContain("probe", run.Err);
    }

    // ---- model files given to --init ----

    private static string FitTo(TempDirectory temp, string name, params string[] args)
    {
        string output = temp.File(name);
        var (code, _, err) = CliRunner.Run([.. args, "--output", output]);
        Assert.True(code == 0, err);
        return output;
    }

    [Fact]
    public void Fit_InitWithDiagonalCovarianceAndNoCovarianceOption_StaysDiagonal()
    {
        using var temp = new TempDirectory();
        string init = FitTo(temp, "diag.json", "fit", "--data", "faithful", "--covariance", "diag", "--max-iter", "3", "--tol", "0");
        string output = FitTo(temp, "again.json", "fit", "--data", "faithful", "--init", init);
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        Assert.Equal("diag", json.RootElement.GetProperty("covariance").GetString());
        foreach (var matrix in json.RootElement.GetProperty("covariances").EnumerateArray())
        {
            Assert.Equal(0.0, matrix[0][1].GetDouble());
        }
    }

    [Theory]
    [InlineData("faithful", "--covariance diag", "--covariance full", "diag covariances", "--covariance full")]
    [InlineData("death_notices", "--model poisson", "--model gmm", "holds a Poisson mixture", "--model gmm")]
    [InlineData("death_notices", "-k 2", "--model poisson", "holds a Gaussian mixture", "--model poisson")]
    public void Fit_InitFileContradictedByAnOption_Exit2NamingBoth(string data, string writtenWith, string refusedWith, params string[] fragments)
    {
        using var temp = new TempDirectory();
        string init = FitTo(temp, "init.json", ["fit", "--data", data, .. writtenWith.Split(' '), "--max-iter", "3", "--tol", "0"]);
        AssertRefused(CliRunner.Run(["fit", "--data", data, "--init", init, .. refusedWith.Split(' ')]), [init, .. fragments]);
    }

    [Fact]
    public void Fit_PoissonFileWithoutModelOption_FitsAPoissonMixture()
    {
        using var temp = new TempDirectory();
        string init = FitTo(temp, "poisson.json", "fit", "--data", "death_notices", "--model", "poisson", "--max-iter", "3", "--tol", "0");
        var (code, stdout, err) = CliRunner.Run("fit", "--data", "death_notices", "--init", init);
        Assert.True(code == 0, err);
        Assert.Contains("Poisson mixture, K=2", stdout);
    }

    [Fact]
    public void Fit_FileOfANewerFormat_Exit2()
    {
        using var temp = new TempDirectory();
        string init = FitTo(temp, "model.json", "fit", "--data", "faithful", "--max-iter", "3", "--tol", "0");
        string text = File.ReadAllText(init);
        Assert.Contains("\"formatVersion\": 1,", text);
        File.WriteAllText(init, text.Replace("\"formatVersion\": 1,", "\"formatVersion\": 2,", StringComparison.Ordinal));
        AssertRefused(CliRunner.Run("fit", "--data", "faithful", "--init", init), init, "format version 2 is newer");
    }

    [Fact]
    public void Fit_FileWithoutFormatVersion_StillRead()
    {
        using var temp = new TempDirectory();
        string init = temp.File("old.json", "{\"model\": \"gmm\", \"covariance\": \"spherical\", \"weights\": [0.5, 0.5], \"means\": [[2, 55], [4, 80]], \"covariances\": [[[30, 0], [0, 30]], [[30, 0], [0, 30]]]}");
        var (code, stdout, err) = CliRunner.Run("fit", "--data", "faithful", "--init", init);
        Assert.True(code == 0, err);
        Assert.Contains("spherical covariances", stdout);
    }

    // ---- degenerate fits ----

    [Fact]
    public void Fit_AsManyComponentsAsRows_Exit2Explaining()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", "a\n1\n2\n3\n");
        AssertRefused(CliRunner.Run("fit", "--data", data, "-k", "3"), "K = 3 components for 3 rows", data, "single row", "meaningless");
    }

    [Fact]
    public void Fit_ConstantColumn_WarnsNamingItInOutputAndJson()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", "a,level\n1,5\n2,5\n3,5\n2,5\n10,5\n11,5\n12,5\n11,5\n");
        string output = temp.File("model.json");
        var (code, stdout, err) = CliRunner.Run("fit", "--data", data, "-k", "2", "--output", output);
        Assert.True(code == 0, err);
        Assert.Contains("warning: column \"level\" is constant", stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        var warning = Assert.Single(json.RootElement.GetProperty("warnings").EnumerateArray());
        Assert.Equal("ConstantColumn", warning.GetProperty("kind").GetString());
        Assert.Equal("level", warning.GetProperty("column").GetString());
    }

    [Fact]
    public void Fit_ComponentOnASingleRow_WarnsNamingIt()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", "a\n1\n2\n3\n4\n2.5\n100\n");
        string output = temp.File("model.json");
        var (code, stdout, err) = CliRunner.Run("fit", "--data", data, "-k", "2", "--output", output);
        Assert.True(code == 0, err);

        // The warnings name the component that holds the outlier 100, whichever number the start gave it.
        var root = JsonDocument.Parse(File.ReadAllText(output)).RootElement;
        int outlier = 1 + root.GetProperty("means").EnumerateArray().Select(m => m[0].GetDouble()).ToList().FindIndex(m => Math.Abs(m - 100) < 1e-6);
        Assert.True(outlier >= 1, "no component sits on the row 100");
        Assert.Contains($"warning: component {outlier} rests on 1 observations", stdout);
        Assert.Contains($"warning: component {outlier}'s variance along column \"a\"", stdout);
        var kinds = root.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("kind").GetString()!).ToArray();
        Assert.Equal(["ComponentOnFewRows", "VarianceAtFloor"], kinds);
    }

    [Fact]
    public void Fit_EveryVarianceAtTheFloor_Warns()
    {
        using var temp = new TempDirectory();
        // Two clusters 1e-3 apart whose spread (1e-5) has a variance of about 1e-10, far below --reg-covar 1e-6.
        var rows = Enumerable.Range(0, 8).Select(i => FormattableString.Invariant($"{i * 1e-5:R}")).Concat(Enumerable.Range(0, 8).Select(i => FormattableString.Invariant($"{1e-3 + i * 1e-5:R}")));
        string data = temp.File("data.csv", "x\n" + string.Join("\n", rows) + "\n");
        var (code, stdout, err) = CliRunner.Run("fit", "--data", data, "-k", "2");
        Assert.True(code == 0, err);
        Assert.Contains("warning: every variance of every component is at most twice --reg-covar", stdout);
    }

    // ---- scale, separators, messages ----

    [Fact]
    public void Fit_ValuesNear1e300_DiagnosedAsScaleNamingTheColumn()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", "x,y\n" + string.Join("\n", Enumerable.Range(1, 100).Select(i => FormattableString.Invariant($"{i * 1e298:R},{i % 7}"))) + "\n");
        var run = CliRunner.Run("fit", "--data", data, "-k", "2");
        AssertRefused(run, data, "column 1 (\"x\")", "magnitude 1e300", "overflow", "rescale the column");
        Assert.DoesNotContain("distinct", run.Err);
    }

    [Fact]
    public void Fit_EuropeanCsv_ReadAsNumbers()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", TwoClusters.Replace(',', ';').Replace(".5", ",5", StringComparison.Ordinal));
        string reference = temp.File("reference.csv", TwoClusters);
        var european = CliRunner.Run("fit", "--data", data, "-k", "2", "--standard-errors", "no");
        var plain = CliRunner.Run("fit", "--data", reference, "-k", "2", "--standard-errors", "no");
        Assert.True(european.Code == 0, european.Err);
        // Everything but the file name and the seconds: ℓ, iterations, parameters.
        string[] plainLines = plain.Out.Split('\n'), europeanLines = european.Out.Split('\n');
        Assert.Equal(plainLines[2].Split(',')[0], europeanLines[2].Split(',')[0]);
        Assert.Equal(plainLines[3..], europeanLines[3..]);
    }

    [Theory]
    [InlineData("-k", "99999999999", "a whole number from -2147483648 to 2147483647")]
    [InlineData("--tol", "small", "a number")]
    public void Fit_UnconvertibleNumber_PlainMessageWithoutTypeNames(string option, string value, string expected)
    {
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", option, value);
        Assert.Equal(2, code);
        Assert.Contains($"{option} \"{value}\": expected {expected}", err);
        Assert.DoesNotContain("System.", err);
        Assert.DoesNotContain("Int32", err);
    }

    [Fact]
    public void Check_EmStepCollapsesAComponent_SaysWhichCheckNotFitFailed()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", "a\n0\n0\n0\n1\n5\n9\n");
        // Component 2 sits a million units away: EM gives it no responsibility, so the Xu–Jordan step has no M-step.
        string init = temp.File("far.json", "{\"weights\": [0.5, 0.5], \"means\": [[0], [1e6]], \"covariances\": [[[10]], [[1]]]}");
        var (code, stdout, err) = CliRunner.Run("check", "--data", data, "--init", init);
        Assert.DoesNotContain("fit failed", err + stdout);
        Assert.Contains("Xu–Jordan check not made: EM's step from θ has no M-step: component 2 collapsed", stdout);
        Assert.Equal(0, code);
    }

    [Fact]
    public void Help_DataOption_ListsEveryEmbeddedDataSet()
    {
        var (_, stdout, _) = CliRunner.Run("fit", "--help");
        string line = stdout.Split('\n').Single(l => l.TrimStart().StartsWith("--data", StringComparison.Ordinal));
        Assert.All(EmbeddedDatasets.Names, name => Assert.Contains(name, line));
    }

    // ---- the default fit is at the maximum before its standard errors ----

    [Fact]
    public void Fit_DeathNoticesDefault_AtThePublishedMaximumWithThePublishedStandardErrors()
    {
        using var temp = new TempDirectory();
        string output = FitTo(temp, "model.json", "fit", "--data", "death_notices", "--model", "poisson");
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        var root = json.RootElement;
        // The maximum found by the SQUAREM R package (References/squarem_poisson.json in LatentFit.Tests:
        // −(535.36979086458882 + 1454.5760690183754)); /work/shared/data/README.md rounds it to −1989.946.
        Assert.Equal(-1989.9458598829642, root.GetProperty("logLikelihood").GetDouble(), 1e-6);
        // Standard errors of p, λ₁, λ₂ in the SQUAREM package's documentation (Varadhan & Roland), from the Hessian at its optimum.
        var errors = root.GetProperty("standardErrors");
        Assert.Equal(0.1946843, errors.GetProperty("weight[1]").GetDouble(), 1e-4);
        Assert.Equal(0.3500297, errors.GetProperty("rate[1]").GetDouble(), 1e-4);
        Assert.Equal(0.2504783, errors.GetProperty("rate[2]").GetDouble(), 1e-4);
        var maximum = root.GetProperty("maximum");
        Assert.True(maximum.GetProperty("verified").GetBoolean());
        // EM's former relative-change rule stopped 2.2e-3 short (issue 12); the Aitken rule stops within the default
        // tolerance 1e-8·|ℓ|, by the Newton decrement at the stop, and its own estimate of the gap agrees with it.
        double gain = maximum.GetProperty("gainEstimateAtStop").GetDouble();
        Assert.InRange(gain, 0, 1e-8 * 1989.9458598829642);
        Assert.InRange(root.GetProperty("estimatedGap").GetDouble() / gain, 0.5, 2);
    }
}
