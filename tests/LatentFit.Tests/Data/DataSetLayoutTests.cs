using CsCheck;
using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary>
/// What a data set carries besides values: sequences and the one block partition, missing cells, column roles.
/// The partition's properties are checked on random sequence lengths and block sizes (CsCheck), against rules written
/// out here rather than against <see cref="BlockPartition"/>'s own loop.
/// </summary>
public sealed class DataSetLayoutTests
{
    private static DataSet Sequences(int[] lengths, DataSetLayout? extra = null)
    {
        int rows = lengths.Sum();
        var starts = new int[lengths.Length];
        for (int s = 1; s < lengths.Length; s++)
        {
            starts[s] = starts[s - 1] + lengths[s - 1];
        }

        var values = Enumerable.Range(0, rows).Select(n => (double)n).ToArray();
        return new DataSet("seq", ["x"], values, rows, layout: (extra ?? new DataSetLayout()) with { SequenceStarts = starts });
    }

    [Fact]
    public void Partition_RandomSequencesAndBlockSizes_NoSequenceSplitBlocksCoverRowsInOrder()
    {
        Gen.Select(Gen.Int[1, 30].Array[1, 60], Gen.Int[1, 80]).Sample(sample =>
        {
            var (lengths, target) = sample;
            var data = Sequences(lengths);
            var partition = data.Partition(target);
            var starts = new HashSet<int>(data.SequenceStarts.ToArray());

            // Blocks cover 0 … N−1 in order, without gaps or empty blocks.
            int next = 0;
            foreach (var block in partition.Blocks)
            {
                Assert.Equal(next, block.Start);
                Assert.True(block.Count > 0);
                next = block.End;
            }

            Assert.Equal(data.Rows, next);

            // No sequence split: every block starts where a sequence starts, so each sequence lies in one block;
            // and a block is cut as soon as it may be (it reaches its target, and ends at the first start after it).
            for (int b = 0; b < partition.Count; b++)
            {
                var block = partition[b];
                Assert.Contains(block.Start, starts);
                bool last = b == partition.Count - 1;
                Assert.True(last || block.Count >= target);
                for (int row = block.Start + target; row < block.End; row++)
                {
                    Assert.DoesNotContain(row, starts);
                }

                // The block as the E-step sees it holds exactly the sequences that start in it, whole.
                var rows = data.Block(partition, b);
                Assert.False(rows.StartsInsideSequence);
                Assert.Equal(starts.Count(s => s >= block.Start && s < block.End), rows.SequenceCount);
                int covered = 0;
                for (int s = 0; s < rows.SequenceCount; s++)
                {
                    var sequence = rows.Sequence(s);
                    Assert.Equal(covered, sequence.Start);
                    Assert.Contains(block.Start + sequence.Start, starts);
                    covered = sequence.End;
                }

                Assert.Equal(block.Count, covered);
            }
        });
    }

    [Fact]
    public void Partition_NoSequences_TodaysFixedChunking()
    {
        Gen.Select(Gen.Int[1, 2000], Gen.Int[1, 300]).Sample(sample =>
        {
            var (rows, target) = sample;
            var data = new DataSet("rows", ["x"], new double[rows], rows);
            var partition = data.Partition(target);
            Assert.Equal((rows + target - 1) / target, partition.Count);
            for (int c = 0; c < partition.Count; c++)
            {
                Assert.Equal(new RowRange(c * target, Math.Min(target, rows - (c * target))), partition[c]);
                Assert.Equal(0, data.Block(partition, c).SequenceCount);
            }
        });
    }

    [Fact]
    public void Partition_SameTarget_SameObject()
    {
        var data = Sequences([3, 1, 7, 1]);
        Assert.Same(data.Partition(3), data.Partition(3));
        Assert.Equal([new RowRange(0, 3), new RowRange(3, 8), new RowRange(11, 1)], data.Partition(3).Blocks);
        Assert.Single(data.Partition(100).Blocks);
    }

    [Fact]
    public void Block_CutInsideASequence_StartsWithTheContinuedSequence()
    {
        // Sequences [0,3) [3,4) [4,11) [11,12); rows 2 … 6 hold the end of the first, all of the second, the third's start.
        var block = Sequences([3, 1, 7, 1]).Block(2, 5);
        Assert.True(block.StartsInsideSequence);
        Assert.Equal(3, block.SequenceCount);
        Assert.Equal(new RowRange(0, 1), block.Sequence(0));
        Assert.Equal(new RowRange(1, 1), block.Sequence(1));
        Assert.Equal(new RowRange(2, 3), block.Sequence(2));

        var slice = block.Slice(2, 3);
        Assert.Equal(4, slice.FirstRow);
        Assert.False(slice.StartsInsideSequence);
        Assert.Equal(new RowRange(0, 3), slice.Sequence(0));
    }

    [Fact]
    public void Block_MissingCells_FlagsOfItsRows()
    {
        var data = new DataSet("m", ["x", "y"], [1, double.NaN, 3, 4, double.NaN, 6], 3, layout: new DataSetLayout { MissingCells = [false, true, false, false, true, false] });
        Assert.Equal(new DataCell(0, 1, null), data.FirstMissingCell);
        var block = data.Block(1, 2);
        Assert.False(block.IsMissing(0, 0));
        Assert.True(block.IsMissing(1, 0));
        Assert.Equal([false, false, true, false], block.Missing.ToArray());
    }

    [Fact]
    public void Constructor_MissingFlagsAndNaNDisagree_Refused()
    {
        Assert.Contains("is not finite", Assert.Throws<ArgumentException>(() => new DataSet("m", ["x"], [1, double.NaN], 2, layout: new DataSetLayout { MissingCells = [false, false] })).Message);
        Assert.Contains("flagged missing but holds a value", Assert.Throws<ArgumentException>(() => new DataSet("m", ["x"], [1, 2], 2, layout: new DataSetLayout { MissingCells = [false, true] })).Message);
        Assert.Throws<ArgumentException>(() => new DataSet("m", ["x"], [1, 2], 2, layout: new DataSetLayout { SequenceStarts = [1] }));
        Assert.Throws<ArgumentException>(() => new DataSet("m", ["x"], [1, 2], 2, layout: new DataSetLayout { SourceColumns = [new SourceColumn("y", 0, ColumnRole.Value)] }));
    }

    [Fact]
    public void ToSinglePrecision_MissingCells_OriginIsTheMeanOfPresentCells()
    {
        var data = new DataSet("m", ["x"], [1, double.NaN, 4, 10], 4, layout: new DataSetLayout { MissingCells = [false, true, false, false] });
        var single = data.ToSinglePrecision();
        Assert.Equal(5, single.Origin[0]);
        Assert.True(double.IsNaN(single[1, 0]));
        Assert.Equal([1, 4, 10], new[] { single[0, 0], single[2, 0], single[3, 0] });
        Assert.Equal(data.MissingCells.ToArray(), single.MissingCells.ToArray());
    }
}
