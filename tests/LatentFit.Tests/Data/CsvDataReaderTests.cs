using System.Text;
using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary>CSV parsing and every refusal, on text in memory (files: <see cref="CsvDataReaderFileTests"/>).</summary>
public sealed class CsvDataReaderTests
{
    private static DataSet Read(string text, IReadOnlyList<string>? columns = null, string? weights = null) =>
        CsvDataReader.Read(new StringReader(text), "data.csv", columns, weights);

    private static DataFormatException Fails(string text, IReadOnlyList<string>? columns = null, string? weights = null) =>
        Assert.Throws<DataFormatException>(() => Read(text, columns, weights));

    // ---- what is read ----

    [Fact]
    public void Read_SimpleFile_ShapeNamesAndRowMajorValues()
    {
        var data = Read("a,b,c\n1,2,3\n4,5,6\n");
        Assert.Equal("data.csv", data.Source);
        Assert.Equal((2, 3), (data.Rows, data.Dimension));
        Assert.Equal(["a", "b", "c"], data.ColumnNames);
        Assert.Equal([1, 2, 3, 4, 5, 6], data.Values.ToArray());
        Assert.Equal([4, 5, 6], data.Row(1).ToArray());
        Assert.Null(data.RowWeights);
    }

    [Fact]
    public void Read_NumberForms_ParsedInvariantly()
    {
        var data = Read("a,b,c,d,e,f,g\n1e-3,-2.5,+3,.5,7.,  8  ,-1.25E+2\n");
        Assert.Equal([0.001, -2.5, 3, 0.5, 7, 8, -125], data.Values.ToArray());
    }

    [Fact]
    public void Read_QuotedHeaderBomCrlfBlankLines_Parsed()
    {
        var data = Read("\uFEFF\"a\",\"b c\"\r\n1,2\r\n\r\n\"3.5\",-4e-1\r\n\r\n");
        Assert.Equal(["a", "b c"], data.ColumnNames);
        Assert.Equal([1, 2, 3.5, -0.4], data.Values.ToArray());
    }

    [Fact]
    public void Read_HeaderNames_QuotesAndSurroundingWhitespaceStripped()
    {
        var data = Read(" \"eruptions\" ,\t waiting , \" x \" ,\"say \"\"hi\"\"\"\n1,2,3,4\n");
        Assert.Equal(["eruptions", "waiting", "x", "say \"hi\""], data.ColumnNames);
    }

    [Fact]
    public void Read_QuotedFields_NumbersAcceptedCommasAndEscapesInsideKept()
    {
        var data = Read("x,label,y\n\"1.5\",\"a, \"\"b\"\"\", \"2\" \n", ["x", "y"]);
        Assert.Equal([1.5, 2], data.Values.ToArray());
    }

    [Fact]
    public void Read_SelectedColumns_InGivenOrderAndOthersNotParsed()
    {
        var data = Read("x,label,y\n1,foo,2\n3,\"b,ar\",4\n", ["y", "x"]);
        Assert.Equal(["y", "x"], data.ColumnNames);
        Assert.Equal([2, 1, 4, 3], data.Values.ToArray());
    }

    [Fact]
    public void Read_UnselectedColumn_MayHoldAnythingButTheFieldCount()
    {
        var data = Read("x,junk\n1,\n2,NaN\n3,\"\"\n4,--\n", ["x"]);
        Assert.Equal([1, 2, 3, 4], data.Values.ToArray());
    }

    [Fact]
    public void Read_LeadingBlankLines_HeaderIsFirstNonBlankLineAndLinesStillCounted()
    {
        var data = Read("\n  \na,b\n1,2\n");
        Assert.Equal(["a", "b"], data.ColumnNames);
        var error = Fails("\n\na,b\n\n1,2\nx,3\n");
        Assert.Equal(6, error.Line);
        Assert.StartsWith("data.csv:6: column 1 (\"a\")", error.Message);
    }

    [Fact]
    public void Read_ManyRows_AllReadInOrder()
    {
        const int rows = 50_000, dimension = 16;
        var text = new StringBuilder(string.Join(",", Enumerable.Range(1, dimension).Select(j => $"c{j}"))).Append('\n');
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < dimension; j++)
            {
                text.Append(j == 0 ? string.Empty : ",").Append(i).Append('.').Append(j);
            }

            text.Append('\n');
        }

        var data = Read(text.ToString());
        Assert.Equal((rows, dimension), (data.Rows, data.Dimension));
        Assert.Equal(49_999.15, data.Row(rows - 1)[15]);
        Assert.Equal(Enumerable.Range(0, dimension).Select(j => double.Parse($"123.{j}", System.Globalization.CultureInfo.InvariantCulture)), data.Row(123).ToArray());
    }

    // ---- empty input, header problems ----

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData(" \r\n\t\r\n")]
    public void Read_EmptyOrBlank_SaysEmpty(string text)
    {
        var error = Fails(text);
        Assert.Equal("data.csv: file is empty (expected a header row and at least one data row)", error.Message);
        Assert.Equal("data.csv", error.DataSource);
        Assert.Null(error.Line);
    }

    [Theory]
    [InlineData("a,b")]
    [InlineData("a,b\n")]
    [InlineData("a,b\r\n\r\n  \n")]
    public void Read_HeaderOnly_SaysNoRows(string text)
    {
        var error = Fails(text);
        Assert.StartsWith("data.csv: no data rows after the header", error.Message);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Read_DuplicateHeaderName_NamedWithLineAndColumn()
    {
        var error = Fails("a,b,a\n1,2,3\n");
        Assert.Equal("data.csv:1: the header names column \"a\" more than once; column names must be unique", error.Message);
        Assert.Equal((1, 3, "a"), (error.Line, error.Column, error.ColumnName));
    }

    [Fact]
    public void Read_SeveralDuplicateHeaderNames_AllNamed()
    {
        var error = Fails("a,b,\"a\",b,c\n1,2,3,4,5\n");
        Assert.Contains("names columns \"a\", \"b\" more than once each", error.Message);
    }

    [Theory]
    [InlineData("a,,b\n1,2,3\n", "column 2 of the header has no name", 2)]
    [InlineData("a,\" \"\n1,2\n", "column 2 of the header has no name", 2)]
    [InlineData(",b,\n1,2,3\n", "columns 1, 3 of the header have no name", 1)]
    public void Read_EmptyHeaderName_NamesTheColumn(string text, string expected, int column)
    {
        var error = Fails(text);
        Assert.Equal($"data.csv:1: {expected}", error.Message);
        Assert.Equal((1, column), (error.Line, error.Column));
    }

    // ---- ragged rows and broken quoting ----

    [Theory]
    [InlineData("a,b\n1,2\n\n3,4,5\n", 4, 3)]
    [InlineData("a,b\n1,2\n3\n", 3, 1)]
    [InlineData("a,b\n1,2\n3,4,\n", 3, 3)]
    [InlineData("a,b\n\"1,2\"\n", 2, 1)]
    public void Read_RaggedRow_NamesLineAndCounts(string text, int line, int found)
    {
        var error = Fails(text);
        Assert.Equal($"data.csv:{line}: expected 2 fields (as in the header) but found {found}", error.Message);
        Assert.Equal(line, error.Line);
        Assert.Null(error.Column);
    }

    [Fact]
    public void Read_RaggedRowWhenOnlySomeColumnsSelected_StillRefused()
    {
        var error = Fails("x,label\n1,a\n2,b,c\n", ["x"]);
        Assert.Equal(3, error.Line);
        Assert.Contains("expected 2 fields (as in the header) but found 3", error.Message);
    }

    [Fact]
    public void Read_UnterminatedQuote_NamesLineAndColumn()
    {
        var error = Fails("a,b\n1,\"2\n");
        Assert.Equal((2, 2), (error.Line, error.Column));
        Assert.StartsWith("data.csv:2: column 2: unterminated quoted field", error.Message);
    }

    [Fact]
    public void Read_TextAfterClosingQuote_NamesLineAndColumn()
    {
        var error = Fails("a,b\n\"1\"x,2\n");
        Assert.Equal((2, 1), (error.Line, error.Column));
        Assert.Equal("data.csv:2: column 1: unexpected text after a closing quote", error.Message);
    }

    // ---- values ----

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("-nan")]
    [InlineData("Inf")]
    [InlineData("inf")]
    [InlineData("+INF")]
    [InlineData("-Inf")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("\"NaN\"")]
    public void Read_NonFinite_NamesLineAndColumn(string value)
    {
        var error = Fails($"a,b\n1,2\n3,{value}\n");
        Assert.Equal((3, 2, "b"), (error.Line, error.Column, error.ColumnName));
        Assert.Equal($"data.csv:3: column 2 (\"b\"): non-finite value \"{value.Trim('"')}\"; non-finite values (NaN, Inf) are not allowed", error.Message);
    }

    [Fact]
    public void Read_Overflow_SaysNonFinite()
    {
        var error = Fails("a\n1\n1e999\n");
        Assert.Equal((3, 1), (error.Line, error.Column));
        Assert.Contains("value \"1e999\" is too large for a double", error.Message);
        Assert.Contains("non-finite values are not allowed", error.Message);
    }

    [Fact]
    public void Read_StrayNonNumeric_QuotesValueWithoutColumnsHint()
    {
        var error = Fails("a,b\n1,2\nx1,4\n");
        Assert.Equal((3, 1, "a"), (error.Line, error.Column, error.ColumnName));
        Assert.Equal("data.csv:3: column 1 (\"a\"): non-numeric value \"x1\"", error.Message);
    }

    [Fact]
    public void Read_TextColumn_HintsSelectingNumericColumns()
    {
        var error = Fails("x,label\n1,a\n2,\"b\"\n\n3,c\n");
        Assert.Equal((2, 2, "label"), (error.Line, error.Column, error.ColumnName));
        Assert.Equal("data.csv:2: column 2 (\"label\"): non-numeric value \"a\"; column \"label\" holds text, not numbers (select the numeric columns)", error.Message);
        Assert.Equal([FitSetting.Columns], error.Settings);
    }

    [Fact]
    public void Read_TextColumnInALongFile_ValueQuotedAfterTheRestIsScanned()
    {
        // The scan for a number in the rest of the column runs past the reader's 64 KiB buffer, which it refills;
        // the value in the message must be the first row's, not what the buffer holds by then.
        var text = new StringBuilder("x,label\n");
        for (int n = 0; n < 20000; n++)
        {
            text.Append(n).Append(",species").Append(n % 3).Append('\n');
        }

        var error = Fails(text.ToString());
        Assert.Equal("data.csv:2: column 2 (\"label\"): non-numeric value \"species0\"; column \"label\" holds text, not numbers (select the numeric columns)", error.Message);
        Assert.Equal([FitSetting.Columns], error.Settings);
    }

    [Fact]
    public void Read_LineLongerThanTheBuffer_ReadWhole()
    {
        // 7,000 columns of ten characters: each line is 70,000 characters, more than the 64 Ki-character buffer.
        var names = string.Join(",", Enumerable.Range(0, 7000).Select(c => $"c{c:D8}"));
        var row = string.Join(",", Enumerable.Range(0, 7000).Select(c => $"{c:D9}"));
        var data = Read($"{names}\r\n{row}\r\n{row}");
        Assert.Equal((2, 7000), (data.Rows, data.Dimension));
        Assert.Equal("c00006999", data.ColumnNames[^1]);
        Assert.Equal(6999.0, data[1, 6999]);
    }

    [Theory]
    [InlineData("a,b\r1,2\r3,4\r")]
    [InlineData("a,b\r1,2\r\n3,4")]
    [InlineData("a,b\n\r1,2\n3,4\n")]
    public void Read_CarriageReturnLineEndings_LinesAsReadLineSplitsThem(string text)
    {
        var data = Read(text);
        Assert.Equal([1.0, 2, 3, 4], data.Values.ToArray());
    }

    [Fact]
    public void Read_TextInFirstRowOnlyOfNumericColumn_NoHint()
    {
        var error = Fails("x,y\n1,oops\n2,3\n");
        Assert.Equal((2, 2), (error.Line, error.Column));
        Assert.Equal("data.csv:2: column 2 (\"y\"): non-numeric value \"oops\"", error.Message);
    }

    [Fact]
    public void Read_QuotedText_NonNumeric()
    {
        var error = Fails("x,species\n1,\"setosa\"\n", ["species"]);
        Assert.Equal((2, 2, "species"), (error.Line, error.Column, error.ColumnName));
        Assert.Contains("non-numeric value \"setosa\"", error.Message);
        Assert.Contains("(select the numeric columns)", error.Message);
        Assert.Equal([FitSetting.Columns], error.Settings);
    }

    [Fact]
    public void Read_DecimalCommaInQuotes_NonNumeric()
    {
        var error = Fails("a\n\"1,5\"\n");
        Assert.Contains("non-numeric value \"1,5\"", error.Message);
    }

    [Theory]
    [InlineData("a,b\n1,\n", 2)]
    [InlineData("a,b\n1,2\n3,  \n", 3)]
    [InlineData("a,b\n1,\"\"\n", 2)]
    public void Read_EmptyField_IsAMissingCell(string text, int line)
    {
        var data = Read(text);
        int row = data.Rows - 1;
        Assert.True(double.IsNaN(data[row, 1]));
        Assert.True(data.IsMissing(row, 1));
        Assert.Equal(new DataCell(row, 1, line), data.FirstMissingCell);
    }

    [Theory]
    [InlineData("NA")]
    [InlineData("n/a")]
    public void Read_NaMarker_IsAMissingCell(string value)
    {
        var data = Read($"a\n1\n{value}\n");
        Assert.Equal([false, true], data.MissingCells.ToArray());
        Assert.Equal(new DataCell(1, 0, 3), data.FirstMissingCell);
    }

    // ---- column selection ----

    [Fact]
    public void Read_UnknownColumn_ListsAvailable()
    {
        var error = Fails("a,b,c\n1,2,3\n", ["a", "z"]);
        Assert.Equal("data.csv: unknown column \"z\"; available: a, b, c", error.Message);
        Assert.Null(error.Line);
    }

    [Fact]
    public void Read_UnknownColumnDifferingInCase_SuggestsTheName()
    {
        var error = Fails("Sepal.Length\n1\n", ["sepal.length"]);
        Assert.Equal("data.csv: unknown column \"sepal.length\"; available: Sepal.Length (names are case-sensitive; did you mean \"Sepal.Length\"?)", error.Message);
    }

    [Fact]
    public void Read_ColumnSelectedTwice_Refused() =>
        Assert.Equal("data.csv: column \"a\" is selected more than once", Fails("a,b\n1,2\n", ["a", "b", "a"]).Message);

    [Fact]
    public void Read_NoColumnsSelected_Refused() => Assert.Equal("data.csv: no columns selected", Fails("a,b\n1,2\n", []).Message);

    // ---- frequency weights ----

    [Fact]
    public void Read_WeightsColumn_SeparatedFromData()
    {
        var data = Read("y,n,z\n0,3,1\n1,2,5\n", weights: "n");
        Assert.Equal(["y", "z"], data.ColumnNames);
        Assert.Equal([0, 1, 1, 5], data.Values.ToArray());
        Assert.Equal([3, 2], data.RowWeights!.Value.ToArray());
    }

    [Fact]
    public void Read_BadWeights_Refused()
    {
        var negative = Fails("y,n\n0,3\n1,-1\n", weights: "n");
        Assert.Equal((3, 2, "n"), (negative.Line, negative.Column, negative.ColumnName));
        Assert.Contains("weight -1 is negative", negative.Message);
        Assert.Contains("are all zero", Fails("y,n\n0,0\n1,0\n", weights: "n").Message);
        Assert.Contains("missing value", Fails("y,n\n0,\n", weights: "n").Message);
        Assert.Contains("unknown weights column \"w\"; available: y, n", Fails("y,n\n0,1\n", weights: "w").Message);
        Assert.Contains("cannot be both data and weights", Fails("y,n\n0,1\n", ["y", "n"], "n").Message);
    }
}
