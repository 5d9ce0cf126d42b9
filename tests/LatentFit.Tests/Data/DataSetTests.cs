using LatentFit.Data;

namespace LatentFit.Tests.Data;

public sealed class DataSetTests
{
    private static DataSet Sample() => new("s", ["a", "b"], [1, 2, 3, 4, 5, 6], 3);

    [Fact]
    public void Constructor_ValidData_ShapeAndValues()
    {
        var data = Sample();
        Assert.Equal("s", data.Source);
        Assert.Equal((3, 2), (data.Rows, data.Dimension));
        Assert.Equal(["a", "b"], data.ColumnNames);
        Assert.Equal([1, 2, 3, 4, 5, 6], data.Values.ToArray());
        Assert.Null(data.RowWeights);
    }

    [Fact]
    public void Row_EachRow_Contiguous()
    {
        var data = Sample();
        Assert.Equal([1, 2], data.Row(0).ToArray());
        Assert.Equal([5, 6], data.Row(2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Row(3).Length);
    }

    [Fact]
    public void RowRange_Rows_Contiguous()
    {
        var data = Sample();
        Assert.Equal([3, 4, 5, 6], data.RowRange(1, 2).ToArray());
        Assert.Equal(data.Values.ToArray(), data.RowRange(0, 3).ToArray());
        Assert.Equal(0, data.RowRange(3, 0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.RowRange(2, 2).Length);
    }

    [Fact]
    public void Constructor_RowWeights_Kept()
    {
        var data = new DataSet("s", ["a"], [1, 2], 2, [3, 0.5]);
        Assert.Equal([3, 0.5], data.RowWeights!.Value.ToArray());
    }

    [Fact]
    public void Constructor_WrongLength_Refused() =>
        Assert.Contains("expected 3×2 values, got 5", Assert.Throws<ArgumentException>(() => new DataSet("s", ["a", "b"], [1, 2, 3, 4, 5], 3)).Message);

    [Fact]
    public void Constructor_NoRowsOrNoColumns_Refused()
    {
        Assert.Throws<ArgumentException>(() => new DataSet("s", ["a"], [], 0));
        Assert.Throws<ArgumentException>(() => new DataSet("s", [], [], 1));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Constructor_NonFiniteValue_RefusedNamingRowAndColumn(double bad) =>
        Assert.Contains("row 2, column 2 (\"b\") is not finite", Assert.Throws<ArgumentException>(() => new DataSet("s", ["a", "b"], [1, 2, 3, bad], 2)).Message);

    [Fact]
    public void Constructor_BadRowWeights_Refused()
    {
        Assert.Throws<ArgumentException>(() => new DataSet("s", ["a"], [1, 2], 2, [1]));
        Assert.Throws<ArgumentException>(() => new DataSet("s", ["a"], [1, 2], 2, [1, -1]));
        Assert.Throws<ArgumentException>(() => new DataSet("s", ["a"], [1, 2], 2, [1, double.NaN]));
    }

    [Fact]
    public void DataFormatException_CarriesWhere()
    {
        var error = new DataFormatException("data.csv:5: column 2 (\"waiting\"): non-numeric value \"abc\"", "data.csv", 5, 2, "waiting");
        Assert.Equal(("data.csv", 5, 2, "waiting"), (error.DataSource, error.Line, error.Column, error.ColumnName));
        Assert.StartsWith("data.csv:5:", error.Message);
    }
}
