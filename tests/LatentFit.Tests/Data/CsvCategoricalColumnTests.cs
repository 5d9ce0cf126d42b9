using System.Text;
using LatentFit.Data;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Data;

/// <summary>
/// Value columns read as categories: labels coded 0..C − 1 in the documented order (numeric when every label is a
/// number, else ordinal), missing cells, errors that name the file, line and column, the parallel reader against the
/// line-by-line reader, and recoding onto a given label list.
/// </summary>
public sealed class CsvCategoricalColumnTests : IDisposable
{
    private readonly TempCsvFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static DataSet Read(string content, IReadOnlyList<string> categorical, IReadOnlyList<string>? columns = null, Precision precision = Precision.Double) =>
        CsvDataReader.Read(new StringReader(content), "dna.csv", columns, null, precision, null, categorical);

    [Fact]
    public void Read_TextLabels_CodedInOrdinalOrder()
    {
        var data = Read("base,x\nG,1\nA,2\n T ,3\nC,4\nG,5\na,6\n", ["base"]);
        // Ordinal: upper case before lower case, whatever order the rows show them in; labels are trimmed.
        Assert.Equal(["A", "C", "G", "T", "a"], data.Categories(0));
        Assert.Equal([2.0, 0, 3, 1, 2, 4], Enumerable.Range(0, data.Rows).Select(n => data[n, 0]));
        Assert.True(data.IsCategorical(0));
        Assert.False(data.IsCategorical(1));
        Assert.Null(data.Categories(1));
        Assert.Equal([1.0, 2, 3, 4, 5, 6], Enumerable.Range(0, data.Rows).Select(n => data[n, 1]));
    }

    [Fact]
    public void Read_NumericLabels_CodedInNumericOrder()
    {
        var data = Read("grade\n10\n2\n1\n-3\n2\n1.0\n", ["grade"]);
        // By value (−3 < 1 = 1.0 < 2 < 10; the tie 1 / 1.0 ordinally), not as text ("10" < "2").
        Assert.Equal(["-3", "1", "1.0", "2", "10"], data.Categories(0));
        Assert.Equal([4.0, 3, 1, 0, 3, 2], Enumerable.Range(0, data.Rows).Select(n => data[n, 0]));
        // One label that is not a number makes the whole column ordinal.
        Assert.Equal(["10", "2", "x"], Read("grade\n10\n2\nx\n", ["grade"]).Categories(0));
    }

    [Fact]
    public void Read_MissingCells_AreMissingNotCategories()
    {
        var data = Read("weather,t\nsunny,1\n,2\nNA,3\nrain,4\nn/a,5\n", ["weather"]);
        Assert.Equal(["rain", "sunny"], data.Categories(0));
        Assert.Equal([false, true, true, false, true], Enumerable.Range(0, data.Rows).Select(n => data.IsMissing(n, 0)));
        Assert.Equal(1.0, data[0, 0]);
        Assert.True(double.IsNaN(data[1, 0]));
        Assert.Equal(new DataCell(1, 0, 3), data.FirstMissingCell);
    }

    [Fact]
    public void Read_QuotedLabels_Unquoted()
    {
        string path = _files.Create("weather,t\n\"sunny, warm\",1\n\"rain\",2\nrain,3\n");
        var data = CsvDataReader.ReadFile(path, categoricalColumns: ["weather"]);
        Assert.Equal(["rain", "sunny, warm"], data.Categories(0));
        Assert.Equal([1.0, 0, 0], Enumerable.Range(0, data.Rows).Select(n => data[n, 0]));
    }

    [Fact]
    public void Read_TextInNumericColumn_StillNamesLineAndColumn()
    {
        var error = Assert.Throws<DataFormatException>(() => Read("base,x\nA,1\nC,two\n", ["base"]));
        Assert.StartsWith("dna.csv:3: column 2 (\"x\"): non-numeric value \"two\"", error.Message);
        Assert.Equal(3, error.Line);
        Assert.Equal(2, error.Column);
    }

    [Fact]
    public void Read_BadCategoricalColumn_Refused()
    {
        Assert.Contains("unknown categorical column \"bases\"", Assert.Throws<DataFormatException>(() => Read("base,x\nA,1\n", ["bases"])).Message);
        Assert.Contains("column \"x\" is to be read as categories but is not a selected data column", Assert.Throws<DataFormatException>(() => Read("base,x\nA,1\n", ["x"], ["base"])).Message);
        var weights = Assert.Throws<DataFormatException>(() => CsvDataReader.Read(new StringReader("base,w\nA,1\n"), "dna.csv", null, "w", Precision.Double, null, ["w"]));
        Assert.Contains("column \"w\" is to be read as categories but is the weights column", weights.Message);
        Assert.Contains("named as categorical more than once", Assert.Throws<DataFormatException>(() => Read("base,x\nA,1\n", ["base", "base"])).Message);
        var empty = Assert.Throws<DataFormatException>(() => Read("base,x\n,1\nNA,2\n", ["base"]));
        Assert.Equal("dna.csv: column 1 (\"base\") is read as categories but every cell is missing", empty.Message);
    }

    [Fact]
    public void Read_SinglePrecision_CodesExact()
    {
        var content = new StringBuilder("base,x\n");
        string[] labels = ["T", "G", "C", "A", "N"];
        for (int n = 0; n < 3000; n++)
        {
            content.Append(labels[n * n % 5]).Append(',').Append(1e6 + n).Append('\n');
        }

        var single = Read(content.ToString(), ["base"], precision: Precision.Single);
        var fromDouble = Read(content.ToString(), ["base"]).ToSinglePrecision();
        // Squares mod 5 are 0, 1 or 4: labels T, G, N with codes 2, 0, 1 in shares 1/5, 2/5, 2/5, whose mean 0.8 is no code.
        Assert.Equal(["G", "N", "T"], single.Categories(0));
        for (int n = 0; n < 3000; n++)
        {
            double expected = Array.IndexOf(["G", "N", "T"], labels[n * n % 5]);
            Assert.Equal(expected, single[n, 0]);
            Assert.Equal(expected, fromDouble[n, 0]);
        }
    }

    /// <summary>Rows with two categorical columns (one numeric-labelled, with missing cells), a numeric one, weights and sequences.</summary>
    private static string Mixed(int rows, char separator, int seed)
    {
        var random = new Random(seed);
        string s = separator.ToString();
        var text = new StringBuilder($"id{s}base{s}a{s}w{s}grade\n");
        string[] bases = ["A", "C", "G", "T", "ü", " N "];
        int id = 0;
        for (int n = 0; n < rows; n++)
        {
            id += random.Next(8) == 0 ? 1 : 0;
            // Labels appear late and in no order, so the codes first seen differ from piece to piece.
            string label = bases[random.Next(Math.Min(bases.Length, 1 + n / 100))];
            string grade = random.Next(9) == 0 ? (random.Next(2) == 0 ? string.Empty : "NA") : (random.Next(12) * 5).ToString(System.Globalization.CultureInfo.InvariantCulture);
            text.Append($"s{id}{s}{label}{s}{random.NextDouble():R}{s}{1 + random.Next(3)}{s}{grade}");
            text.Append(random.Next(10) == 0 ? "\n\n" : random.Next(2) == 0 ? "\r\n" : "\n");
        }

        return text.ToString();
    }

    [Theory]
    [InlineData(',', 160, 256, 1)]
    [InlineData(',', 97, 40, 3)]
    [InlineData('\t', 4096, 300, 5)]
    [InlineData(';', 1 << 20, 1000, 2)]
    public void TryReadBlocks_CategoricalColumns_SameAsLineByLine(char separator, int blockBytes, int pieceBytes, int pieceCount)
    {
        string content = Mixed(900, separator, seed: blockBytes);
        string path = _files.Create(content);
        string[] columns = ["grade", "a", "base"], categorical = ["base", "grade"];
        var expected = CsvDataReader.Read(new StringReader(content), path, columns, "w", Precision.Double, "id", categorical);
        var actual = CsvDataReader.TryReadBlocks(path, new CsvColumnRoles(columns, "w", "id", categorical), expectedLines: 0, Precision.Double, report: null, blockBytes, pieceBytes, pieceCount);

        Assert.NotNull(actual);
        Assert.Equal(["A", "C", "G", "N", "T", "ü"], expected.Categories(2));
        Assert.Equal(Enumerable.Range(0, 12).Select(g => (g * 5).ToString(System.Globalization.CultureInfo.InvariantCulture)), expected.Categories(0));
        Assert.True(expected.HasMissingValues);
        Assert.Equal(expected.Categories(0), actual.Categories(0));
        Assert.Equal(expected.Categories(2), actual.Categories(2));
        Assert.Null(actual.Categories(1));
        Assert.Equal(expected.Values.ToArray(), actual.Values.ToArray());
        Assert.Equal(expected.MissingCells.ToArray(), actual.MissingCells.ToArray());
        Assert.Equal(expected.SequenceStarts.ToArray(), actual.SequenceStarts.ToArray());
        Assert.Equal(expected.RowWeights!.Value.ToArray(), actual.RowWeights!.Value.ToArray());
    }

    [Fact]
    public void WithCategories_GivenLabels_RecodesAndKeepsMissing()
    {
        var data = Read("base\nG\nA\nNA\nG\n", ["base"]);
        var recoded = data.WithCategories(0, ["T", "G", "C", "A"]);
        Assert.Equal(["T", "G", "C", "A"], recoded.Categories(0));
        Assert.Equal(1.0, recoded[0, 0]);
        Assert.Equal(3.0, recoded[1, 0]);
        Assert.True(recoded.IsMissing(2, 0));
        Assert.Equal(1.0, recoded[3, 0]);
        var single = data.ToSinglePrecision().WithCategories(0, ["T", "G", "C", "A"]);
        Assert.Equal(3.0, single[1, 0]);
    }

    [Fact]
    public void WithCategories_LabelNotInList_NamesRowColumnAndLabel()
    {
        var data = Read("x,base\n1,A\n2,G\n3,U\n", ["base"]);
        var error = Assert.Throws<DataFormatException>(() => data.WithCategories(1, ["A", "C", "G", "T"]));
        Assert.Equal("dna.csv: data row 3, column \"base\": category \"U\" is not one of the given categories (A, C, G, T)", error.Message);
        Assert.Equal("base", error.ColumnName);
        Assert.Throws<ArgumentException>(() => data.WithCategories(0, ["A"]));
        Assert.Throws<ArgumentException>(() => data.WithCategories(1, ["A", "A", "G", "U"]));
    }

    [Fact]
    public void DataSet_CategoricalValueNotACode_Refused()
    {
        var layout = new DataSetLayout { Categories = [["a", "b"]] };
        Assert.Contains("is categorical but holds 2", Assert.Throws<ArgumentException>(() => new DataSet("d", ["x"], [0, 2], 2, layout: layout)).Message);
        Assert.Throws<ArgumentException>(() => new DataSet("d", ["x"], [0.5], 1, layout: layout));
        Assert.Throws<ArgumentException>(() => new DataSet("d", ["x"], [0], 1, layout: new DataSetLayout { Categories = [["a", "a"]] }));
    }
}
