using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary>
/// Missing cells, sequence columns and column roles in the CSV reader: what each reads as (written out by hand
/// here) and what is refused with file, line and column (the parallel block reader: <see cref="CsvBlockReaderTests"/>).
/// </summary>
public sealed class CsvMissingAndSequenceTests
{
    private static DataSet Read(string text, IReadOnlyList<string>? columns = null, string? weights = null, string? sequence = null) =>
        CsvDataReader.Read(new StringReader(text), "data.csv", columns, weights, Precision.Double, sequence);

    private static DataFormatException Fails(string text, string? weights = null, string? sequence = null) =>
        Assert.Throws<DataFormatException>(() => Read(text, null, weights, sequence));

    // ---- missing cells ----

    [Fact]
    public void Read_MissingCellsEverywhere_NaNAndFlagged()
    {
        // Empty at the line's start, middle and end, NA, n/a, a quoted empty field and blanks.
        var data = Read("a,b,c\n,2,3\n4,NA,\n7,\"\",  \n10,n/a,12\n13,14,15\n");
        bool[] expected =
        [
            true, false, false,
            false, true, true,
            false, true, true,
            false, true, false,
            false, false, false,
        ];
        Assert.Equal(expected, data.MissingCells.ToArray());
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], double.IsNaN(data.Values.Span[i]));
        }

        Assert.Equal([2, 3, 4, 7, 10, 12, 13, 14, 15], data.Values.ToArray().Where(double.IsFinite));
        Assert.Equal(new DataCell(0, 0, 2), data.FirstMissingCell);
        Assert.True(data.HasMissingValues);
    }

    [Fact]
    public void Read_NothingMissing_NoMask()
    {
        var data = Read("a\n1\n2\n");
        Assert.False(data.HasMissingValues);
        Assert.True(data.MissingCells.IsEmpty);
        Assert.Null(data.FirstMissingCell);
    }

    [Fact]
    public void Read_MissingWeightOrSequenceId_RefusedWithLineAndColumn()
    {
        var weight = Fails("y,n\n0,1\n1,\n", weights: "n");
        Assert.Equal((3, 2, "n"), (weight.Line, weight.Column, weight.ColumnName));
        Assert.Equal("data.csv:3: column 2 (\"n\"): missing value (empty field); every row needs a weight in this column", weight.Message);

        var id = Fails("s,y\na,1\nNA,2\n", sequence: "s");
        Assert.Equal((3, 1, "s"), (id.Line, id.Column, id.ColumnName));
        Assert.Equal("data.csv:3: column 1 (\"s\"): missing sequence id \"NA\"; every row needs one", id.Message);
    }

    // ---- sequences and roles ----

    [Fact]
    public void Read_SequenceColumn_ConsecutiveIdsFormSequences()
    {
        // Single-row sequences (b, d), ids that are numbers, and blank lines between rows of one sequence.
        var data = Read("y,id,w\n1,a,1\n2,a,1\n\n3,b,2\n4, 7 ,1\n5,7,1\n6,7,1\n7,d,1\n", weights: "w", sequence: "id");
        Assert.Equal(["y"], data.ColumnNames);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], data.Values.ToArray());
        Assert.True(data.HasSequences);
        Assert.Equal([0, 2, 3, 6], data.SequenceStarts.ToArray());
        Assert.Equal(
            [new SourceColumn("y", 0, ColumnRole.Value), new SourceColumn("w", 2, ColumnRole.FrequencyWeight), new SourceColumn("id", 1, ColumnRole.SequenceId)],
            data.SourceColumns);
    }

    [Fact]
    public void Read_NoSequenceColumn_IndependentRowsAndValueRoles()
    {
        var data = Read("a,b,c\n1,2,3\n", columns: ["c", "a"]);
        Assert.False(data.HasSequences);
        Assert.True(data.SequenceStarts.IsEmpty);
        Assert.Equal([new SourceColumn("c", 2, ColumnRole.Value), new SourceColumn("a", 0, ColumnRole.Value)], data.SourceColumns);
    }

    [Fact]
    public void Read_SequenceIdComingBack_RefusedAsNotGrouped()
    {
        var error = Fails("y,id\n1,a\n2,a\n3,b\n4,a\n", sequence: "id");
        Assert.Equal((5, 2, "id"), (error.Line, error.Column, error.ColumnName));
        Assert.StartsWith("data.csv:5: column 2 (\"id\"): sequence \"a\" (first seen on line 2) appears again after another sequence's rows", error.Message);
    }

    [Fact]
    public void Read_SequenceColumnAlsoData_Refused()
    {
        Assert.Equal("data.csv: column \"id\" cannot be both data and sequence", Assert.Throws<DataFormatException>(() => Read("y,id\n1,a\n", ["y", "id"], null, "id")).Message);
        Assert.Equal("data.csv: unknown sequence column \"s\"; available: y, id", Fails("y,id\n1,a\n", sequence: "s").Message);
        Assert.Equal("data.csv: column \"id\" cannot be both weights and sequence ids", Fails("y,id\n1,2\n", weights: "id", sequence: "id").Message);
    }
}
