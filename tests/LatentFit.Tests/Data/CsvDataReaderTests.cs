using LatentFit.Data;

namespace LatentFit.Tests.Data;

public sealed class CsvDataReaderTests
{
    private static DataSet Read(string text, IReadOnlyList<string>? columns = null) =>
        CsvDataReader.Read(new StringReader(text), "data.csv", columns);

    private static DataFormatException Fails(string text, IReadOnlyList<string>? columns = null) =>
        Assert.Throws<DataFormatException>(() => Read(text, columns));

    [Fact]
    public void Load_Faithful_272RowsMatchingTheFile()
    {
        var data = EmbeddedDatasets.Load("faithful");
        Assert.Equal(272, data.Rows);
        Assert.Equal(["eruptions", "waiting"], data.ColumnNames);
        Assert.Equal([3.6, 79], data.Row(0).ToArray());
        Assert.Equal([4.467, 74], data.Row(271).ToArray());
    }

    [Fact]
    public void Load_Iris_FourMeasurementsSpeciesLeftOut()
    {
        var data = EmbeddedDatasets.Load("IRIS");
        Assert.Equal(150, data.Rows);
        Assert.Equal(["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"], data.ColumnNames);
        Assert.Equal([5.9, 3, 5.1, 1.8], data.Row(149).ToArray());
    }

    [Fact]
    public void Load_IrisSpeciesSelected_RefusedAsNonNumeric()
    {
        var error = Assert.Throws<DataFormatException>(() => EmbeddedDatasets.Load("iris", ["Species"]));
        Assert.Equal(2, error.Line);
        Assert.Equal(5, error.Column);
        Assert.Contains("non-numeric value \"setosa\"", error.Message);
    }

    [Fact]
    public void Read_QuotedHeaderBomCrlfBlankLines_Parsed()
    {
        var data = Read("\uFEFF\"a\",\"b c\"\r\n1,2\r\n\r\n\"3.5\",-4e-1\r\n\r\n");
        Assert.Equal(["a", "b c"], data.ColumnNames);
        Assert.Equal([1, 2, 3.5, -0.4], data.Values.ToArray());
    }

    [Fact]
    public void Read_SelectedColumns_InGivenOrderAndOthersNotParsed()
    {
        var data = Read("x,label,y\n1,foo,2\n3,\"b,ar\",4\n", ["y", "x"]);
        Assert.Equal(["y", "x"], data.ColumnNames);
        Assert.Equal([2, 1, 4, 3], data.Values.ToArray());
    }

    [Fact]
    public void Read_Empty_SaysEmpty()
    {
        Assert.Contains("data.csv: file is empty", Fails(string.Empty).Message);
        Assert.Contains("file is empty", Fails("\n\n").Message);
    }

    [Fact]
    public void Read_HeaderOnly_SaysNoRows() => Assert.Contains("data.csv: no data rows after the header", Fails("a,b\n\n").Message);

    [Fact]
    public void Read_RaggedRow_NamesLine()
    {
        var error = Fails("a,b\n1,2\n\n3,4,5\n");
        Assert.Equal(4, error.Line);
        Assert.Contains("data.csv:4: expected 2 fields (as in the header) but found 3", error.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Inf")]
    [InlineData("-Infinity")]
    [InlineData("1e999")]
    public void Read_NonFinite_NamesLineAndColumn(string value)
    {
        var error = Fails($"a,b\n1,2\n3,{value}\n");
        Assert.Equal(3, error.Line);
        Assert.Equal(2, error.Column);
        Assert.Equal("b", error.ColumnName);
        Assert.Contains($"data.csv:3: column 2 (\"b\"): non-finite value \"{value}\"", error.Message);
    }

    [Fact]
    public void Read_NonNumeric_QuotesValueAndHintsColumns()
    {
        var error = Fails("a,b\n1,2\nx1,4\n");
        Assert.Equal((3, 1), (error.Line, error.Column));
        Assert.Contains("data.csv:3: column 1 (\"a\"): non-numeric value \"x1\"; leave text columns out with --columns", error.Message);
    }

    [Fact]
    public void Read_EmptyField_SaysMissingValue()
    {
        var error = Fails("a,b\n1,\n");
        Assert.Contains("data.csv:2: column 2 (\"b\"): missing value", error.Message);
    }

    [Fact]
    public void Read_UnknownOrDuplicateColumns_ListsAvailable()
    {
        Assert.Contains("unknown column \"z\"; available: a, b", Fails("a,b\n1,2\n", ["z"]).Message);
        Assert.Contains("\"a\" is selected more than once", Fails("a,b\n1,2\n", ["a", "a"]).Message);
        Assert.Contains("names column \"a\" more than once", Fails("a,a\n1,2\n").Message);
        Assert.Contains("column 2 of the header has no name", Fails("a,\n1,2\n").Message);
    }

    [Fact]
    public void Read_UnterminatedQuote_NamesLineAndColumn()
    {
        var error = Fails("a,b\n1,\"2\n");
        Assert.Equal((2, 2), (error.Line, error.Column));
        Assert.Contains("unterminated quoted field", error.Message);
    }

    [Fact]
    public void ReadFile_MissingOrDirectory_SaysSo()
    {
        Assert.Contains("/no/such/file.csv: file not found", Assert.Throws<DataFormatException>(() => CsvDataReader.ReadFile("/no/such/file.csv")).Message);
        Assert.Contains("is a directory", Assert.Throws<DataFormatException>(() => CsvDataReader.ReadFile(Path.GetTempPath())).Message);
    }

    [Fact]
    public void DataSource_NameOrPath_Resolved()
    {
        Assert.Equal(272, DataSource.Load("Faithful").Rows);
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "x\n1\n2\n");
        try
        {
            var data = DataSource.Load(path);
            Assert.Equal(path, data.Source);
            Assert.Equal([1, 2], data.Values.ToArray());
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Contains("file not found (embedded data sets: faithful, iris, death_notices)", Assert.Throws<DataFormatException>(() => DataSource.Load("faithfull")).Message);
    }
}
