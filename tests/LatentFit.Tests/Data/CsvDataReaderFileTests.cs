using System.Text;
using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary><see cref="CsvDataReader.ReadFile"/> on real files: encodings, line endings, and files that are not there.</summary>
public sealed class CsvDataReaderFileTests : IDisposable
{
    private readonly List<string> _paths = [];

    public void Dispose()
    {
        foreach (string path in _paths)
        {
            File.Delete(path);
        }
    }

    private string TempFile(byte[] content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-data-{Guid.NewGuid():N}.csv");
        _paths.Add(path);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string TempFile(string content) => TempFile(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content));

    private static DataFormatException Fails(string path, IReadOnlyList<string>? columns = null) =>
        Assert.Throws<DataFormatException>(() => CsvDataReader.ReadFile(path, columns));

    [Fact]
    public void ReadFile_QuotedHeader_NamesUnquoted()
    {
        string path = TempFile("\"eruptions\",\"waiting\"\n3.6,79\n1.8,54\n");
        var data = CsvDataReader.ReadFile(path);
        Assert.Equal(path, data.Source);
        Assert.Equal(["eruptions", "waiting"], data.ColumnNames);
        Assert.Equal([3.6, 79, 1.8, 54], data.Values.ToArray());
    }

    [Fact]
    public void ReadFile_Utf8Bom_Ignored()
    {
        byte[] bom = [0xEF, 0xBB, 0xBF];
        string path = TempFile([.. bom, .. Encoding.UTF8.GetBytes("a,b\n1,2\n")]);
        var data = CsvDataReader.ReadFile(path);
        Assert.Equal(["a", "b"], data.ColumnNames);
        Assert.Equal([1, 2], data.Values.ToArray());
    }

    [Fact]
    public void ReadFile_Utf8BomOnQuotedHeader_Ignored()
    {
        string path = TempFile(new UTF8Encoding(encoderShouldEmitUTF8Identifier: true).GetPreamble().Concat(Encoding.UTF8.GetBytes("\"a\",b\r\n1,2\r\n")).ToArray());
        Assert.Equal(["a", "b"], CsvDataReader.ReadFile(path).ColumnNames);
    }

    [Fact]
    public void ReadFile_Crlf_ParsedAndLinesCounted()
    {
        string path = TempFile("a,b\r\n1,2\r\n3,4\r\n");
        Assert.Equal([1, 2, 3, 4], CsvDataReader.ReadFile(path).Values.ToArray());

        var error = Fails(TempFile("a,b\r\n1,2\r\n\r\n3,x\r\n"));
        Assert.Equal((4, 2), (error.Line, error.Column));
        Assert.DoesNotContain("\r", error.Message);
    }

    [Fact]
    public void ReadFile_BlankTrailingLines_Skipped()
    {
        var data = CsvDataReader.ReadFile(TempFile("a\n1\n2\n\n\n   \n\r\n"));
        Assert.Equal([1, 2], data.Values.ToArray());
    }

    [Fact]
    public void ReadFile_NoFinalNewline_LastRowRead() =>
        Assert.Equal([1, 2], CsvDataReader.ReadFile(TempFile("a\n1\n2")).Values.ToArray());

    [Fact]
    public void ReadFile_MissingFile_SaysFileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-missing-{Guid.NewGuid():N}.csv");
        var error = Fails(path);
        Assert.Equal($"{path}: file not found", error.Message);
        Assert.Equal(path, error.DataSource);
        Assert.Null(error.Line);
    }

    [Fact]
    public void ReadFile_Directory_SaysSo()
    {
        string path = Path.GetTempPath();
        var error = Fails(path);
        Assert.Equal($"{path}: is a directory, not a CSV file", error.Message);
    }

    [Fact]
    public void ReadFile_ZeroBytes_SaysEmpty()
    {
        string path = TempFile([]);
        Assert.Equal($"{path}: file is empty (expected a header row and at least one data row)", Fails(path).Message);
    }

    [Fact]
    public void ReadFile_OnlyBlankLines_SaysEmpty()
    {
        string path = TempFile("\r\n\n  \n");
        Assert.Equal($"{path}: file is empty (expected a header row and at least one data row)", Fails(path).Message);
    }

    [Fact]
    public void ReadFile_HeaderOnly_SaysNoRows()
    {
        string path = TempFile("\"a\",\"b\"\r\n");
        Assert.Equal($"{path}: no data rows after the header (line 1)", Fails(path).Message);
    }

    [Fact]
    public void ReadFile_Errors_StartWithThePath()
    {
        string path = TempFile("a,waiting\n1,2\n3,4\n5,6\n4,abc\n");
        var error = Fails(path);
        Assert.Equal($"{path}:5: column 2 (\"waiting\"): non-numeric value \"abc\"", error.Message);
        Assert.Equal((path, 5, 2, "waiting"), (error.DataSource, error.Line, error.Column, error.ColumnName));

        var ragged = Fails(TempFile("a,b\n1,2\n1,2,3\n"));
        Assert.Matches(@"^.+latentfit-data-[0-9a-f]{32}\.csv:3: expected 2 fields \(as in the header\) but found 3$", ragged.Message);

        var unknown = Fails(path, ["x"]);
        Assert.Equal($"{path}: unknown column \"x\"; available: a, waiting", unknown.Message);
    }

    [Fact]
    public void ReadFile_ColumnsSelected_ReorderedAndTextColumnSkipped()
    {
        string path = TempFile("\"Sepal.Length\",\"Species\",\"Petal.Width\"\n5.1,\"setosa\",0.2\n7,\"versicolor\",1.4\n");
        var data = CsvDataReader.ReadFile(path, ["Petal.Width", "Sepal.Length"]);
        Assert.Equal(["Petal.Width", "Sepal.Length"], data.ColumnNames);
        Assert.Equal([0.2, 5.1, 1.4, 7], data.Values.ToArray());
    }
}
