using System.Text.Json;

namespace LatentFit.Cli.Tests;

/// <summary>Missing cells refused by the models that cannot take them, and --sequence-column, through the command line.</summary>
public sealed class MissingAndSequenceTests
{
    private const string Rows = "1.0,2.0\n1.2,2.1\n0.9,1.8\n5.0,6.1\n5.2,5.9\n4.8,6.0\n";

    private static (int Code, string Err) Fit(string content, params string[] extra)
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", content);
        string output = temp.File("out.json");
        var (code, _, err) = CliRunner.Run(["fit", "--data", data, "-k", "2", "--output", output, .. extra]);
        Assert.Equal(code == 0, File.Exists(output));
        return (code, err.Replace(data, "data.csv", StringComparison.Ordinal));
    }

    private static double LogLikelihood(string content, params string[] extra)
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", content);
        string output = temp.File("out.json");
        var (code, _, err) = CliRunner.Run(["fit", "--data", data, "-k", "2", "--output", output, .. extra]);
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        return json.RootElement.GetProperty("logLikelihood").GetDouble();
    }

    [Theory]
    [InlineData("gmm")]
    [InlineData("poisson")]
    public void Fit_MissingCell_Exit2NamesFirstMissingLineAndColumn(string model)
    {
        var (code, err) = Fit("a,b\n1,2\n3,4\n5,\n7,NA\n9,10\n", "--model", model);
        Assert.Equal(2, code);
        Assert.StartsWith($"latentfit: error: data.csv:4: column 2 (\"b\"): missing value; the {model} model cannot take missing values", err);
    }

    [Fact]
    public void Fit_SequenceColumn_NotAValueAndSameFit()
    {
        string withIds = "x,id,y\n" + string.Concat(Rows.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((row, n) => $"{row.Split(',')[0]},s{n / 4},{row.Split(',')[1]}\n"));
        double plain = LogLikelihood("x,y\n" + Rows);
        Assert.Equal(plain, LogLikelihood(withIds, "--sequence-column", "id"));
    }

    [Fact]
    public void Fit_SequenceRowsNotGrouped_Exit2NamesLineAndColumn()
    {
        var (code, err) = Fit("x,id\n1,a\n2,b\n3,a\n4,c\n", "--sequence-column", "id");
        Assert.Equal(2, code);
        Assert.StartsWith("latentfit: error: data.csv:4: column 2 (\"id\"): sequence \"a\" (first seen on line 2) appears again after another sequence's rows", err);
    }
}
