namespace LatentFit.Cli.Tests;

/// <summary>One test per kind of bad input: exit code 2, one clear message naming file, line and column where they apply, and no output written.</summary>
public sealed class BadInputTests
{
    private static (int Code, string Err, bool OutputWritten) FitFile(string content, params string[] extra)
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", content);
        string output = temp.File("out.json");
        string[] components = extra.Contains("-k") ? [] : ["-k", "2"];
        var (code, _, err) = CliRunner.Run(["fit", "--data", data, .. components, "--output", output, .. extra]);
        return (code, err.Replace(data, "data.csv", StringComparison.Ordinal), File.Exists(output));
    }

    private static void AssertBadInput((int Code, string Err, bool OutputWritten) run, params string[] fragments)
    {
        Assert.Equal(2, run.Code);
        Assert.False(run.OutputWritten);
        Assert.StartsWith("latentfit: error: ", run.Err);
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, run.Err);
        }
    }

    [Fact]
    public void Fit_MissingFile_Exit2()
    {
        var (code, _, err) = CliRunner.Run("fit", "--data", "/nonexistent/data.csv", "-k", "2");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/data.csv", err);
        Assert.Contains("not found", err);
    }

    [Fact]
    public void Fit_EmptyFile_Exit2() => AssertBadInput(FitFile(string.Empty), "data.csv", "empty");

    [Fact]
    public void Fit_HeaderOnly_Exit2() => AssertBadInput(FitFile("a,b\n"), "data.csv", "no data rows");

    [Fact]
    public void Fit_RaggedRow_Exit2NamesLine() => AssertBadInput(FitFile("a,b\n1,2\n3,4\n5\n6,7\n"), "data.csv:4", "expected 2 fields", "found 1");

    [Fact]
    public void Fit_NonNumericValue_Exit2NamesLineAndColumn() => AssertBadInput(FitFile("a,b\n1,2\n3,x4\n5,6\n"), "data.csv:3", "column 2", "\"b\"", "x4");

    [Fact]
    public void Fit_NaN_Exit2NamesLineAndColumn() => AssertBadInput(FitFile("a,b\n1,2\nNaN,4\n5,6\n"), "data.csv:3", "column 1", "\"a\"");

    [Fact]
    public void Fit_Infinity_Exit2NamesLineAndColumn() => AssertBadInput(FitFile("a,b\n1,2\n3,4\n5,-Inf\n"), "data.csv:4", "column 2", "\"b\"");

    [Fact]
    public void Fit_NonNumericColumnNotExcluded_Exit2SuggestsColumns() =>
        AssertBadInput(FitFile("x,label\n1,a\n2,b\n3,c\n"), "data.csv:2", "column 2", "\"label\"", "--columns");

    [Fact]
    public void Fit_NonNumericColumnExcluded_Fits()
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", "x,label\n1,a\n2,b\n3,c\n10,d\n11,e\n12,f\n");
        var (code, stdout, err) = CliRunner.Run("fit", "--data", data, "--columns", "x", "-k", "2");
        Assert.True(code == 0, err);
        Assert.Contains("6 rows × 1 columns (x)", stdout);
    }

    [Fact]
    public void Fit_UnknownColumn_Exit2ListsColumns() => AssertBadInput(FitFile("a,b\n1,2\n3,4\n", "--columns", "a,c"), "\"c\"", "a, b");

    [Fact]
    public void Fit_ComponentsBelowOne_Exit2() => AssertBadInput(FitFile("a\n1\n2\n3\n", "-k", "0"), "-k must be at least 1");

    [Fact]
    public void Fit_MoreComponentsThanRows_Exit2() => AssertBadInput(FitFile("a\n1\n2\n3\n", "-k", "4"), "-k 4 is larger than the number of rows (3)", "data.csv");

    [Fact]
    public void Fit_UnknownCovariance_Exit2ListsChoices() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--covariance", "banana"), "\"banana\"", "full, tied, diag, spherical");

    [Fact]
    public void Fit_BlocksBelowOne_Exit2NamesOption() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--algorithm", "incremental-em", "--blocks", "0"), "--blocks must be at least 1", "got 0");

    [Fact]
    public void Fit_MeasureEveryBelowOne_Exit2NamesOption() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--algorithm", "incremental-em", "--measure-every", "0"), "--measure-every must be at least 1", "got 0");

    [Fact]
    public void Fit_UnknownAlgorithm_Exit2ListsChoices() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--algorithm", "newton-raphson"), "\"newton-raphson\"", "em, gradient, gradient-em, lbfgs, cg, newton, squarem, overrelaxed, anderson, scoring, em-gradient, qn1, qn2, em-cg, proximal, auto");

    [Fact]
    public void Fit_UnknownInitMethod_Exit2ListsChoices() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--init-method", "kmedoids"), "\"kmedoids\"", "kmeans++, random, hc");

    [Fact]
    public void Fit_UnknownPrecision_Exit2ListsChoices() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--precision", "half"), "unknown --precision \"half\"", "double, single");

    [Fact]
    public void Fit_SinglePrecisionPoisson_Exit2() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--model", "poisson", "--precision", "single"), "--precision single applies to the Gaussian mixture (gmm), not to poisson");

    [Fact]
    public void Fit_ValueTooFarForSinglePrecision_Exit2NamesLineAndColumn() =>
        AssertBadInput(FitFile("a,b\n1,2\n3,4e300\n5,6\n", "--precision", "single"), "data.csv:3: column 2 (\"b\")", "single precision");

    [Fact]
    public void Fit_ZeroThreads_Exit2() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--threads", "0"), "--threads must be at least 1");

    [Fact]
    public void Fit_UnknownModel_Exit2() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--model", "hsmm"), "unknown model \"hsmm\"", "gmm, poisson");

    [Fact]
    public void Fit_UnknownScheme_Exit2() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--algorithm", "squarem", "--scheme", "S4"), "\"S4\"", "S1, S2, S3");

    [Fact]
    public void Fit_UnknownWeightsColumn_Exit2() => AssertBadInput(FitFile("a,w\n1,1\n2,1\n3,1\n", "--weights", "v"), "unknown weights column \"v\"");

    [Fact]
    public void Fit_NegativeWeight_Exit2NamesLineAndColumn() => AssertBadInput(FitFile("a,w\n1,1\n2,-1\n3,1\n", "--weights", "w"), "data.csv:3: column 2 (\"w\")", "negative");

    [Theory]
    [InlineData("unknown --backend \"cluster\"; choose one of: local, sharded, orleans", "--backend", "cluster")]
    [InlineData("--shards applies to --backend sharded only, not local", "--shards", "2")]
    [InlineData("--shards must be at least 1, got 0", "--backend", "sharded", "--shards", "0")]
    [InlineData("--block-rows must be at least 1, got 0", "--block-rows", "0")]
    public void Fit_BadBackendOptions_Exit2(string message, params string[] options) => AssertBadInput(FitFile("a\n1\n2\n3\n", options), message);

    [Fact]
    public void Fit_NegativeTolerance_Exit2() => AssertBadInput(FitFile("a\n1\n2\n3\n", "--tol", "-1"), "--tol must be a finite number ≥ 0");

    [Fact]
    public void Fit_NonIntegerK_Exit2()
    {
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "-k", "two");
        Assert.Equal(2, code);
        Assert.Contains("two", err);
    }

    [Fact]
    public void Fit_UnknownOption_Exit2()
    {
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "--colour", "blue");
        Assert.Equal(2, code);
        Assert.Contains("--colour", err);
    }

    [Fact]
    public void Fit_OutputDirectoryMissing_Exit2NothingWritten()
    {
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "-k", "2", "--output", "/nonexistent-dir/model.json");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent-dir", err);
    }

    [Fact]
    public void Fit_FailsAfterEarlierOutput_LeavesEarlierFileUntouched()
    {
        using var temp = new TempDirectory();
        string output = temp.File("out.json", "{\"earlier\": true}");
        string data = temp.File("bad.csv", "a,b\n1,2\n3\n");
        var (code, _, _) = CliRunner.Run("fit", "--data", data, "-k", "1", "--output", output);
        Assert.Equal(2, code);
        Assert.Equal("{\"earlier\": true}", File.ReadAllText(output));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));
    }

    [Fact]
    public void Fit_InitNotJson_Exit2NamesLineAndColumn()
    {
        using var temp = new TempDirectory();
        string init = temp.File("init.json", "{\n  \"weights\": [0.5, 0.5],\n  \"means\": [[1, 2], [3, 4]]\n  \"covariances\": []\n}");
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "--init", init);
        Assert.Equal(2, code);
        Assert.Contains($"{init}:4: column 3", err);
    }

    [Fact]
    public void Fit_InitWrongShape_Exit2NamesField()
    {
        using var temp = new TempDirectory();
        string init = temp.File("init.json", "{\"weights\": [0.5, 0.5], \"means\": [[1, 2], [3, 4]], \"covariances\": [[[1, 0], [0, 1]], [[1, 0], [0]]]}");
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "--init", init);
        Assert.Equal(2, code);
        Assert.Contains("covariances[1][1]: expected 2 entries, found 1", err);
    }

    [Fact]
    public void Fit_InitNotPositiveDefinite_Exit2()
    {
        using var temp = new TempDirectory();
        string init = temp.File("init.json", "{\"weights\": [0.5, 0.5], \"means\": [[1, 2], [3, 4]], \"covariances\": [[[1, 2], [2, 1]], [[1, 0], [0, 1]]]}");
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "--init", init);
        Assert.Equal(2, code);
        Assert.Contains("matrix 1 is not positive definite", err);
    }

    [Fact]
    public void Fit_InitDimensionDisagreesWithData_Exit2()
    {
        using var temp = new TempDirectory();
        string init = temp.File("init.json", "{\"weights\": [1], \"means\": [[1, 2, 3]], \"covariances\": [[[1, 0, 0], [0, 1, 0], [0, 0, 1]]]}");
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "--init", init);
        Assert.Equal(2, code);
        Assert.Contains("dimension 3", err);
    }

    [Fact]
    public void Fit_ComponentCollapses_Exit3WithAdvice()
    {
        using var temp = new TempDirectory();
        string init = temp.File("init.json", "{\"weights\": [0.5, 0.5], \"means\": [[3.5, 70], [1000, 100000]], \"covariances\": [[[1, 0], [0, 100]], [[1, 0], [0, 1]]]}");
        string output = temp.File("out.json");
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "--init", init, "--output", output);
        Assert.Equal(3, code);
        Assert.Contains("component 2 collapsed", err);
        Assert.False(File.Exists(output));
    }
}
