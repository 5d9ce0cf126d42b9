using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary>Separators from the header (comma, semicolon, tab), decimal commas with semicolons, and progress reports.</summary>
public sealed class CsvSeparatorTests
{
    private static DataSet Read(string text) => CsvDataReader.Read(new StringReader(text), "data.csv");

    [Fact]
    public void Read_Semicolons_SplitOnThem()
    {
        var data = Read("a;b\n1;2\n3;4\n");
        Assert.Equal(["a", "b"], data.ColumnNames);
        Assert.Equal([1, 2, 3, 4], data.Values.ToArray());
    }

    [Fact]
    public void Read_Tabs_SplitOnThem()
    {
        var data = Read("a\tb\tc\n1\t2\t3\n");
        Assert.Equal(["a", "b", "c"], data.ColumnNames);
        Assert.Equal([1, 2, 3], data.Values.ToArray());
    }

    [Fact]
    public void Read_EuropeanCsv_DecimalCommasRead()
    {
        // As a spreadsheet in a German or French locale saves CSV: semicolons between fields, commas in numbers.
        var data = Read("länge;breite\n1,5;-2,25\n3;4,0e-1\n\"5,5\";6\n");
        Assert.Equal([1.5, -2.25, 3, 0.4, 5.5, 6], data.Values.ToArray());
    }

    [Theory]
    [InlineData("a,b\n\"1,5\",2\n", "data.csv:2", "\"1,5\"")] // with commas between fields a comma is never a decimal point
    [InlineData("a;b\n1.234,5;2\n", "data.csv:2: column 1 (\"a\")")] // thousands separators are not read
    [InlineData("a|b\n1|2\n", "data.csv:2", "the header \"a|b\" is a single column", "commas, semicolons or tabs")]
    [InlineData("a;b\n1;2\n3,4\n", "data.csv:3", "separated by semicolons")]
    public void Read_Refused_SaysWhatWasSeen(string text, params string[] fragments)
    {
        var error = Assert.Throws<DataFormatException>(() => Read(text));
        Assert.All(fragments, fragment => Assert.Contains(fragment, error.Message));
    }

    [Fact]
    public void ReadFile_Progress_RisesToOne()
    {
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-progress-{Guid.NewGuid():N}.csv");
        try
        {
            // More rows than one report's worth, so that reports come from the middle of the file too.
            File.WriteAllLines(path, ["x,y", .. Enumerable.Range(0, 200_000).Select(i => $"{i},{i % 7}")]);
            var seen = new List<double>();
            var data = CsvDataReader.ReadFile(path, progress: new Recorder(seen));
            Assert.Equal(200_000, data.Rows);
            Assert.True(seen.Count >= 3, $"{seen.Count} reports");
            Assert.Equal(1.0, seen[^1]);
            Assert.Contains(seen, f => f is > 0.1 and < 1);
            Assert.Equal(seen.Order(), seen);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class Recorder(List<double> seen) : IProgress<double>
    {
        public void Report(double value) => seen.Add(value);
    }
}
