using LatentFit.Data;

namespace LatentFit.Tests.Data;

public class BlockPartitionTests
{
    [Fact]
    public void Create_NoSequences_FixedSizeBlocksLastShorter()
    {
        var partition = BlockPartition.Create(10, 4);
        Assert.Equal([new RowRange(0, 4), new RowRange(4, 4), new RowRange(8, 2)], partition.Blocks);
        Assert.Empty(BlockPartition.Create(0, 4).Blocks);
    }

    [Fact]
    public void Create_Sequences_CutsOnlyAtSequenceStarts()
    {
        // Sequences [0,3) [3,4) [4,11) [11,12): target 3 ends the first block at 3, the second must run past 4 to the
        // next start at or after 3 + 3 = 6, which is 11; the long sequence stays whole.
        var partition = BlockPartition.Create(12, 3, [0, 3, 4, 11]);
        Assert.Equal([new RowRange(0, 3), new RowRange(3, 8), new RowRange(11, 1)], partition.Blocks);
    }

    [Fact]
    public void RowsIn_RangesOfBlocks_CountTheirRows()
    {
        // Blocks [0,3) [3,11) [11,12), as above.
        var partition = BlockPartition.Create(12, 3, [0, 3, 4, 11]);
        Assert.Equal(12, partition.RowsIn(Range.All));
        Assert.Equal(8, partition.RowsIn(1..2));
        Assert.Equal(9, partition.RowsIn(1..));
        Assert.Equal(0, partition.RowsIn(2..2));
        Assert.Throws<ArgumentOutOfRangeException>(() => partition.RowsIn(2..4));
    }

    [Theory]
    [InlineData(new[] { 1, 3 })]
    [InlineData(new[] { 0, 3, 3 })]
    [InlineData(new[] { 0, 12 })]
    public void Create_BadSequenceStarts_Refused(int[] starts) =>
        Assert.Throws<ArgumentException>(() => BlockPartition.Create(12, 3, starts));

    [Fact]
    public void Create_Groups_CutEachGroupAsItsOwnDataSet()
    {
        // Groups [0,5) [5,12): each cut from its own first row, as a data set of its rows alone would be.
        var partition = BlockPartition.Create(12, 3, groupStarts: [0, 5]);
        Assert.Equal([new RowRange(0, 3), new RowRange(3, 2), new RowRange(5, 3), new RowRange(8, 3), new RowRange(11, 1)], partition.Blocks);
        Assert.Equal([0, 2], partition.GroupStarts);
        Assert.Equal(0..2, partition.GroupBlocks(0));
        Assert.Equal(2..5, partition.GroupBlocks(1));
        Assert.Equal([0, 0, 1, 1, 1], Enumerable.Range(0, 5).Select(partition.GroupOf));
        var second = BlockPartition.Create(7, 3);
        Assert.Equal(second.Blocks.Select(b => new RowRange(b.Start + 5, b.Count)), partition.Blocks.Skip(2));
        Assert.Equal([0], BlockPartition.Create(12, 3).GroupStarts);
    }

    [Fact]
    public void Create_GroupsWithSequences_MustStartWhereSequencesStart()
    {
        // Sequences [0,3) [3,4) [4,11) [11,12); a group from row 4 is fine, one from row 5 would cut [4,11).
        var partition = BlockPartition.Create(12, 3, [0, 3, 4, 11], [0, 4]);
        Assert.Equal([new RowRange(0, 3), new RowRange(3, 1), new RowRange(4, 7), new RowRange(11, 1)], partition.Blocks);
        var error = Assert.Throws<ArgumentException>(() => BlockPartition.Create(12, 3, [0, 3, 4, 11], [0, 5]));
        Assert.Contains("row 5 would split a sequence", error.Message);
        Assert.Throws<ArgumentException>(() => BlockPartition.Create(12, 3, groupStarts: [1, 5]));
    }
}
