namespace LatentFit.Cli.Tests;

/// <summary>
/// The stochastic methods' options (--kappa, --batch, --learning-rate) are refused, before anything is written, when no
/// chosen algorithm takes them or their value is out of range; with an algorithm that takes them, fit runs.
/// </summary>
public sealed class AlgorithmOptionTests
{
    private static (int Code, string Out, string Err, bool OutputWritten) Fit(params string[] options)
    {
        using var temp = new TempDirectory();
        string output = temp.File("out.json");
        var (code, stdout, err) = CliRunner.Run(["fit", "--data", "faithful", "-k", "2", "--output", output, .. options]);
        return (code, stdout, err, File.Exists(output));
    }

    [Theory]
    [InlineData("em", "--kappa", "0.7", "online-em, online-gradient")]
    [InlineData("sgd", "--kappa", "0.7", "online-em, online-gradient")]
    [InlineData("lbfgs", "--batch", "50", "online-em, online-gradient, sgd")]
    [InlineData("online-em", "--learning-rate", "0.1", "online-gradient, sgd")]
    [InlineData("em", "--beta", "0.5", "proximal")]
    [InlineData("lbfgs", "--beta-decay", "0.5", "proximal")]
    public void Fit_OptionOfAnotherAlgorithm_Exit2NamingTheAlgorithmsThatTakeIt(string algorithm, string option, string value, string takers)
    {
        var (code, _, err, written) = Fit("--algorithm", algorithm, option, value);
        Assert.Equal(2, code);
        Assert.False(written);
        Assert.StartsWith($"latentfit: error: {option} applies to {takers} only, not to {algorithm}; leave it out", err);
    }

    [Theory]
    [InlineData("--kappa", "0.5", "--kappa must lie in (0.5, 1], got 0.5")]
    [InlineData("--kappa", "1.5", "--kappa must lie in (0.5, 1], got 1.5")]
    [InlineData("--batch", "0", "--batch must be at least 1 row, got 0")]
    [InlineData("--learning-rate", "-1", "--learning-rate must be a finite number > 0, got -1")]
    public void Fit_StochasticOptionOutOfRange_Exit2(string option, string value, string message)
    {
        var (code, _, err, written) = Fit("--algorithm", "online-gradient", option, value);
        Assert.Equal(2, code);
        Assert.False(written);
        Assert.StartsWith($"latentfit: error: {message}", err);
    }

    [Theory]
    [InlineData("--beta", "0", "--beta must lie in (0, 1] (1 is EM), got 0")]
    [InlineData("--beta", "1.5", "--beta must lie in (0, 1] (1 is EM), got 1.5")]
    [InlineData("--beta", "NaN", "--beta must lie in (0, 1] (1 is EM), got NaN")]
    [InlineData("--beta-decay", "0", "--beta-decay must lie in (0, 1] (1 keeps β fixed), got 0")]
    [InlineData("--beta-decay", "-0.5", "--beta-decay must lie in (0, 1] (1 keeps β fixed), got -0.5")]
    public void Fit_ProximalBetaOutOfRange_Exit2(string option, string value, string message)
    {
        var (code, _, err, written) = Fit("--algorithm", "proximal", option, value);
        Assert.Equal(2, code);
        Assert.False(written);
        Assert.StartsWith($"latentfit: error: {message}", err);
    }

    [Fact]
    public void Fit_ProximalBetaOneFixed_SameFitAsEm()
    {
        // β = 1 is EM iterate by iterate, so the summary line (ℓ, iterations, passes) is EM's.
        static string Summary(string stdout)
        {
            string line = stdout.Split('\n').First(l => l.StartsWith("log-likelihood", StringComparison.Ordinal));
            return line[..line.IndexOf(" passes over the data", StringComparison.Ordinal)];
        }

        var em = Fit("--algorithm", "em", "--max-iter", "7", "--tol", "0");
        var proximal = Fit("--algorithm", "proximal", "--beta", "1", "--beta-decay", "1", "--max-iter", "7", "--tol", "0");
        Assert.True(em.Code == 0 && proximal.Code == 0, em.Err + proximal.Err);
        Assert.Equal(Summary(em.Out), Summary(proximal.Out));
        Assert.Contains("algorithm proximal", proximal.Out);
    }

    [Fact]
    public void Compare_OptionTakenByOneOfTheAlgorithms_Runs()
    {
        var (code, stdout, stderr) = CliRunner.Run("compare", "--data", "faithful", "-k", "2", "--algorithms", "em,sgd", "--learning-rate", "0.01", "--batch", "30", "--max-iter", "3", "--tol", "0");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("│ sgd ", stdout);
        Assert.Contains("│ em ", stdout);
    }

    [Fact]
    public void Fit_OnlineEm_WritesTheFitWithEpochsAsIterations()
    {
        var (code, stdout, err, written) = Fit("--algorithm", "online-em", "--kappa", "0.7", "--batch", "30", "--max-iter", "4", "--tol", "0");
        Assert.True(code == 0, stdout + err);
        Assert.True(written);
        Assert.Contains("algorithm online-em", stdout);
        Assert.Contains("after 4 iterations", stdout);
    }
}
