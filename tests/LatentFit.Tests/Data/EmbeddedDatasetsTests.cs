using System.Globalization;
using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary>The embedded data sets, and <see cref="DataSource"/>'s choice between them and files.</summary>
public sealed class EmbeddedDatasetsTests
{
    /// <summary>The resource's rows parsed naively (split on commas), independently of <see cref="CsvDataReader"/>.</summary>
    private static List<string[]> RawRows(string resource)
    {
        using var stream = typeof(EmbeddedDatasets).Assembly.GetManifestResourceStream($"LatentFit.Data.Datasets.{resource}")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Trim().Split(',')).ToList();
    }

    [Fact]
    public void Names_FaithfulAndIrisListed()
    {
        Assert.Contains("faithful", EmbeddedDatasets.Names);
        Assert.Contains("iris", EmbeddedDatasets.Names);
        Assert.Equal(EmbeddedDatasets.Names.Count, EmbeddedDatasets.Names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Theory]
    [InlineData("faithful", true)]
    [InlineData("Faithful", true)]
    [InlineData("IRIS", true)]
    [InlineData("faithful.csv", false)]
    [InlineData("", false)]
    public void Contains_CaseInsensitive(string name, bool expected) => Assert.Equal(expected, EmbeddedDatasets.Contains(name));

    [Fact]
    public void Load_Faithful_272By2MatchingTheFile()
    {
        var data = EmbeddedDatasets.Load("faithful");
        Assert.Equal("faithful", data.Source);
        Assert.Equal((272, 2), (data.Rows, data.Dimension));
        Assert.Equal(["eruptions", "waiting"], data.ColumnNames);
        Assert.Equal([3.6, 79], data.Row(0).ToArray());
        Assert.Equal([4.467, 74], data.Row(271).ToArray());

        var raw = RawRows("faithful.csv");
        Assert.Equal(272, raw.Count);
        Assert.Equal(raw.SelectMany(r => r).Select(v => double.Parse(v, CultureInfo.InvariantCulture)), data.Values.ToArray());
    }

    [Fact]
    public void Load_Iris_150By4SpeciesExcluded()
    {
        var data = EmbeddedDatasets.Load("iris");
        Assert.Equal("iris", data.Source);
        Assert.Equal((150, 4), (data.Rows, data.Dimension));
        Assert.Equal(["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"], data.ColumnNames);
        Assert.Equal([5.1, 3.5, 1.4, 0.2], data.Row(0).ToArray());
        Assert.Equal([5.9, 3, 5.1, 1.8], data.Row(149).ToArray());

        var raw = RawRows("iris.csv");
        Assert.Equal(150, raw.Count);
        Assert.Equal(raw.SelectMany(r => r.Take(4)).Select(v => double.Parse(v, CultureInfo.InvariantCulture)), data.Values.ToArray());
    }

    [Fact]
    public void Load_IrisColumnsGiven_SelectedInOrder()
    {
        var data = EmbeddedDatasets.Load("Iris", ["Petal.Width", "Sepal.Length"]);
        Assert.Equal(["Petal.Width", "Sepal.Length"], data.ColumnNames);
        Assert.Equal([0.2, 5.1], data.Row(0).ToArray());
        Assert.Equal([1.8, 5.9], data.Row(149).ToArray());
    }

    [Fact]
    public void Load_IrisSpeciesSelected_RefusedAsNonNumericWithHint()
    {
        var error = Assert.Throws<DataFormatException>(() => EmbeddedDatasets.Load("iris", ["Sepal.Length", "Species"]));
        Assert.Equal((2, 5, "Species"), (error.Line, error.Column, error.ColumnName));
        Assert.Equal("iris:2: column 5 (\"Species\"): non-numeric value \"setosa\"; column \"Species\" holds text, not numbers (select the numeric columns)", error.Message);
        Assert.Equal([FitSetting.Columns], error.Settings);
    }

    [Fact]
    public void Load_UnknownName_Refused() =>
        Assert.Contains("no embedded data set \"geyser\"", Assert.Throws<ArgumentException>(() => EmbeddedDatasets.Load("geyser")).Message);

    [Theory]
    [InlineData("faithful", 272, 2)]
    [InlineData("FAITHFUL", 272, 2)]
    [InlineData("Iris", 150, 4)]
    public void DataSourceLoad_EmbeddedName_CaseInsensitive(string name, int rows, int dimension)
    {
        var data = DataSource.Load(name);
        Assert.Equal((rows, dimension), (data.Rows, data.Dimension));
        Assert.Equal(name.ToLowerInvariant(), data.Source);
    }

    [Fact]
    public void DataSourceLoad_FilePath_ReadsTheFileWithColumns()
    {
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-source-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "x,y\n1,2\n3,4\n");
        try
        {
            var data = DataSource.Load(path, ["y"]);
            Assert.Equal(path, data.Source);
            Assert.Equal([2, 4], data.Values.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void DataSourceLoad_NeitherNameNorFile_FileNotFoundListingEmbedded()
    {
        var error = Assert.Throws<DataFormatException>(() => DataSource.Load("faithfull"));
        Assert.Equal($"faithfull: file not found (embedded data sets: {string.Join(", ", EmbeddedDatasets.Names)})", error.Message);
        Assert.StartsWith("faithfull: file not found (embedded data sets: faithful, iris", error.Message);
        Assert.Equal("faithfull", error.DataSource);

        string missing = Path.Combine(Path.GetTempPath(), $"latentfit-missing-{Guid.NewGuid():N}.csv");
        Assert.StartsWith($"{missing}: file not found", Assert.Throws<DataFormatException>(() => DataSource.Load(missing)).Message);
    }

    [Fact]
    public void DataSourceLoad_Directory_SaysSo() =>
        Assert.Contains("is a directory", Assert.Throws<DataFormatException>(() => DataSource.Load(Path.GetTempPath())).Message);

    [Fact]
    public void DataSourceLoad_Empty_Refused() =>
        Assert.StartsWith("no data given", Assert.Throws<DataFormatException>(() => DataSource.Load(" ")).Message);
}
