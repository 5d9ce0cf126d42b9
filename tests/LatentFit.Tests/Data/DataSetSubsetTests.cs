using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary>
/// <see cref="DataSet.Subset"/>, the rows a shard machine holds: the same values to the bit (single precision keeps the
/// origin), weights, missing cells, categories and the sequences among the rows, rebased; refused where it cuts a sequence.
/// </summary>
public sealed class DataSetSubsetTests
{
    // Rows 0–6, two columns; sequences start at rows 0, 2, 5; row 3's second cell is missing; column 2 is categorical.
    private static DataSet Data()
    {
        double[] values = [1.5, 0, -2, 1, 3.25, 2, 4, double.NaN, 5.5, 0, 6, 1, 7.75, 2];
        return new DataSet("d", ["x", "c"], values, 7, [1, 2, 3, 4, 5, 6, 7], new DataSetLayout
        {
            SequenceStarts = [0, 2, 5],
            SequenceIds = ["a", "b", "c"],
            ShardStarts = [0, 5],
            MissingCells = [.. values.Select(double.IsNaN)],
            Categories = [null, ["p", "q", "r"]],
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Subset_WholeSequences_RowsAsTheyAre(bool single)
    {
        var data = single ? Data().ToSinglePrecision() : Data();
        var subset = data.Subset(2, 3);
        Assert.Equal(3, subset.Rows);
        Assert.Equal(data.Precision, subset.Precision);
        Assert.Equal(data.Origin.ToArray(), subset.Origin.ToArray());
        for (int n = 0; n < 3; n++)
        {
            for (int c = 0; c < 2; c++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(data[n + 2, c]), BitConverter.DoubleToInt64Bits(subset[n, c]));
                Assert.Equal(data.IsMissing(n + 2, c), subset.IsMissing(n, c));
            }
        }

        Assert.Equal([3.0, 4, 5], subset.RowWeights!.Value.ToArray());
        Assert.Equal([0], subset.SequenceStarts.ToArray());
        Assert.Equal(["b"], subset.SequenceIds);
        Assert.Equal(["p", "q", "r"], subset.Categories(1));
        Assert.True(subset.ShardStarts.IsEmpty);
        Assert.Equal(new DataCell(1, 1, null), subset.FirstMissingCell);
        Assert.Equal(["c"], data.Subset(5, 2).SequenceIds);
    }

    [Fact]
    public void Subset_CuttingASequence_Refused()
    {
        Assert.Throws<ArgumentException>(() => Data().Subset(1, 4));
        Assert.Throws<ArgumentException>(() => Data().Subset(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Data().Subset(5, 3));
    }
}
