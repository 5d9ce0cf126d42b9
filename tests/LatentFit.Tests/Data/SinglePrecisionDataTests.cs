using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary>Data held in single precision: float32 offsets from a float64 origin.</summary>
public sealed class SinglePrecisionDataTests
{
    private static DataSet Sample() => new("s", ["a", "b"], [1, 2, 3, 4, 5, 6], 3, [1, 2, 1]);

    [Fact]
    public void ToSinglePrecision_OriginIsColumnMeans_ValuesReadBack()
    {
        var single = Sample().ToSinglePrecision();
        Assert.Equal(Precision.Single, single.Precision);
        Assert.Equal([3.0, 4.0], single.Origin.ToArray());
        Assert.Equal(5.0, single[2, 0]);
        var row = new double[2];
        single.CopyRow(1, row);
        Assert.Equal([3.0, 4.0], row);
        Assert.Equal([1.0, 2.0, 1.0], single.RowWeights!.Value.ToArray());
        Assert.Same(single, single.ToSinglePrecision());
    }

    [Fact]
    public void Block_SinglePrecision_CarriesOffsetsOriginAndWeights()
    {
        var single = Sample().ToSinglePrecision();
        var block = single.Block(1, 2);
        Assert.Equal(Precision.Single, block.Precision);
        Assert.Equal(2, block.Rows);
        Assert.Equal([0f, 0f, 2f, 2f], block.SingleValues.ToArray());
        Assert.Equal(6.0, block[1, 1]);
        Assert.Equal(2.0, block.RowWeight(0));
        Assert.Equal(5.0, block.Slice(1, 1)[0, 0]);
        Assert.True(block.Values.IsEmpty);
    }

    [Fact]
    public void DoubleOnlyViews_SinglePrecision_SayWhatToUse()
    {
        var single = Sample().ToSinglePrecision();
        Assert.Contains("single precision", Assert.Throws<InvalidOperationException>(() => single.Values).Message);
        Assert.Contains("CopyRow", Assert.Throws<InvalidOperationException>(() => single.Row(0).Length).Message);
        Assert.Throws<InvalidOperationException>(() => single.Block(0, 1).Row(0).Length);
    }

    [Fact]
    public void ToSinglePrecision_FarFromZero_KeepsSevenDigitsOfTheSpread()
    {
        // float32 of 1e7 + 0.123 would be 1e7 (its spacing there is 1); as an offset from the mean it keeps its digits.
        var data = new DataSet("far", ["x"], [1e7 + 0.123, 1e7 - 0.456, 1e7 + 0.333], 3);
        var single = data.ToSinglePrecision();
        for (int n = 0; n < 3; n++)
        {
            Assert.Equal(data[n, 0], single[n, 0], 1e-6);
        }
    }

    [Fact]
    public void Constructor_SinglePrecision_RefusesBadShapesAndValues()
    {
        Assert.Contains("origin of 2 values", Assert.Throws<ArgumentException>(() => new DataSet("s", ["a", "b"], [1f, 2f], [0.0], 1)).Message);
        Assert.Contains("expected 2×2 values, got 2", Assert.Throws<ArgumentException>(() => new DataSet("s", ["a", "b"], [1f, 2f], [0.0, 0.0], 2)).Message);
        Assert.Contains("row 2, column 1 (\"a\") is not finite", Assert.Throws<ArgumentException>(() => new DataSet("s", ["a", "b"], [1f, 2f, float.NaN, 0f], [0.0, 0.0], 2)).Message);
        Assert.Contains("is not finite", Assert.Throws<ArgumentException>(() => new DataSet("s", ["a"], [1f], [double.PositiveInfinity], 1)).Message);
    }

    [Fact]
    public void Read_SinglePrecision_OriginIsTheMedianAndMessagesNameTheLine()
    {
        var data = CsvDataReader.Read(new StringReader("a,b\n100000.25,2\n100001.5,-3\n100000.75,7\n"), "t.csv", precision: Precision.Single);
        Assert.Equal(Precision.Single, data.Precision);
        Assert.Equal([100000.75, 2.0], data.Origin.ToArray());
        Assert.Equal(100001.5, data[1, 0]);
        Assert.Equal(-3.0, data[1, 1]);

        var error = Assert.Throws<DataFormatException>(() => CsvDataReader.Read(new StringReader("a\n0\n1\n1e300\n"), "t.csv", precision: Precision.Single));
        Assert.StartsWith("t.csv:4: column 1 (\"a\")", error.Message);
        Assert.Contains("single precision", error.Message);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void Read_SinglePrecisionWithAnOutlierFirstRow_KeepsTheRestsDigits()
    {
        // The origin is the median of the first rows, not the first row: a stray 1e7 at the top costs the others
        // nothing (as the first row's offsets, values near 0 would keep one digit after the point).
        var text = new System.Text.StringBuilder("x\n1e7\n");
        var random = new Random(3);
        var values = Enumerable.Range(0, 3000).Select(_ => random.NextDouble()).ToArray();
        foreach (double v in values)
        {
            text.Append(v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        var data = CsvDataReader.Read(new StringReader(text.ToString()), "t.csv", precision: Precision.Single);
        Assert.Equal(1e7, data[0, 0], 1e7 * 1e-7);
        for (int n = 0; n < values.Length; n++)
        {
            Assert.Equal(values[n], data[n + 1, 0], 1e-7);
        }
    }

    [Fact]
    public void ToSinglePrecision_BeyondTheRange_Refused() =>
        Assert.Contains("beyond what single precision", Assert.Throws<ArgumentException>(() => new DataSet("w", ["x"], [0, 1e18, 2], 3).ToSinglePrecision()).Message);
}
