using LatentFit.Cli.Commands;
using LatentFit.Fitting;
using Spectre.Console;

namespace LatentFit.Cli.Tests;

/// <summary>Options that belong to one model family are refused for another; the catalog's names are the choices of --model.</summary>
public sealed class FamilyOptionTests
{
    private static (int Code, string Err, bool OutputWritten) Fit(params string[] options)
    {
        using var temp = new TempDirectory();
        string output = temp.File("out.json");
        var (code, _, err) = CliRunner.Run(["fit", "--data", "death_notices", "--output", output, .. options]);
        return (code, err, File.Exists(output));
    }

    [Theory]
    [InlineData("--covariance", "diag")]
    [InlineData("--covariance", "full")]
    [InlineData("--reg-covar", "1e-3")]
    [InlineData("--init-method", "hc")]
    public void Fit_GaussianOptionForPoisson_Exit2NamingOptionAndFamilies(string option, string value)
    {
        var (code, err, written) = Fit("--model", "poisson", option, value);
        Assert.Equal(2, code);
        Assert.False(written);
        Assert.StartsWith($"latentfit: error: {option} applies to the Gaussian mixture (gmm), not to poisson", err);
    }

    [Fact]
    public void Fit_CovarianceWithPoissonStartFile_Exit2NamingTheFile()
    {
        using var temp = new TempDirectory();
        string init = temp.File("poisson.json", "{\"weights\": [0.5, 0.5], \"rates\": [1, 3]}");
        var (code, err, _) = Fit("--init", init, "--covariance", "diag");
        Assert.Equal(2, code);
        Assert.Contains($"--covariance applies to the Gaussian mixture (gmm), not to poisson, the model of --init {init}", err);
    }

    [Fact]
    public void Fit_PrecisionDoubleForPoisson_Accepted()
    {
        // Double is what the Poisson mixture computes in; only single belongs to the Gaussian mixture.
        var (code, err, written) = Fit("--model", "poisson", "--precision", "double", "--max-iter", "2");
        Assert.True(code == 0, err);
        Assert.True(written);
    }

    [Fact]
    public void Check_RegularizationForPoisson_Exit2()
    {
        var (code, _, err) = CliRunner.Run("check", "--data", "death_notices", "--model", "poisson", "--reg-covar", "0");
        Assert.Equal(2, code);
        Assert.Contains("--reg-covar applies to the Gaussian mixture (gmm), not to poisson", err);
    }

    [Fact]
    public void ModelOption_Help_ListsEveryCatalogFamily()
    {
        string help = new ModelOptions().Model.Description!;
        foreach (var family in ModelCatalog.Families)
        {
            Assert.Contains($"{family.Name} ({family.Description})", help);
        }

        Assert.Equal(ModelCatalog.Names.Count, help.Split(", ").Length);
    }

    [Fact]
    public void SettingFlags_EverySetting_IsAnOptionOfFit()
    {
        var fit = FitCommand.Create(new CommandContext(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) })));
        var names = fit.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        foreach (var setting in Enum.GetValues<FitSetting>())
        {
            Assert.Contains(SettingFlags.Flag(setting), names);
        }
    }

    [Fact]
    public void Fit_CollapsedComponent_MessageEndsWithTheOptionsOfItsAdvice()
    {
        using var temp = new TempDirectory();
        string init = temp.File("init.json", "{\"weights\": [0.5, 0.5], \"means\": [[3.5, 70], [1000, 100000]], \"covariances\": [[[1, 0], [0, 100]], [[1, 0], [0, 1]]]}");
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "--init", init);
        Assert.Equal(3, code);
        Assert.Contains("(more restarts, another seed)", err);
        Assert.Contains("(options: -k, --restarts, --seed, --init-method)", err);
    }
}
