namespace LatentFit.Data;

/// <summary>Rows <see cref="Start"/> to <see cref="Start"/> + <see cref="Count"/> − 1 of a data set.</summary>
/// <param name="Start">First row.</param>
/// <param name="Count">Number of rows.</param>
public readonly record struct RowRange(int Start, int Count)
{
    /// <summary>One past the last row.</summary>
    public int End => Start + Count;
}

/// <summary>
/// The one partition of a data set's rows into consecutive blocks that every pass over the data uses, whichever
/// backend runs it and however many threads: block statistics are merged in block order, so the partition alone
/// fixes the summation order and so the result's bits. A block never splits a sequence (rows that a sequence model
/// must see together); without sequences every block but the last has exactly the target number of rows.
/// </summary>
public sealed class BlockPartition
{
    private readonly RowRange[] _blocks;

    private readonly int[] _groupStarts;

    private BlockPartition(int rows, int targetRows, RowRange[] blocks, int[] groupStarts)
    {
        Rows = rows;
        TargetRows = targetRows;
        _blocks = blocks;
        _groupStarts = groupStarts;
    }

    /// <summary>Number of rows partitioned.</summary>
    public int Rows { get; }

    /// <summary>The rows a block holds at least (unless it is the last), and exactly when there are no sequences.</summary>
    public int TargetRows { get; }

    /// <summary>The blocks, in row order.</summary>
    public IReadOnlyList<RowRange> Blocks => _blocks;

    /// <summary>Number of blocks.</summary>
    public int Count => _blocks.Length;

    /// <summary>Block <paramref name="index"/>.</summary>
    public RowRange this[int index] => _blocks[index];

    /// <summary>
    /// The groups of blocks: the index of each group's first block, increasing from 0 (one group, [0], for data held in
    /// one piece; one per shard for data sharded on disk). A group is a run of consecutive blocks that a backend reduces
    /// as one: the blocks of a group are merged in block order into the group's total, and the groups' totals in group
    /// order, so a machine holding a group can send one total for it and every backend still gives the same bits.
    /// Empty when there are no blocks.
    /// </summary>
    public IReadOnlyList<int> GroupStarts => _groupStarts;

    /// <summary>Number of groups.</summary>
    public int GroupCount => _groupStarts.Length;

    /// <summary>The blocks of group <paramref name="group"/>, as a range of block indices.</summary>
    public Range GroupBlocks(int group) =>
        _groupStarts[group]..(group + 1 < _groupStarts.Length ? _groupStarts[group + 1] : _blocks.Length);

    /// <summary>The group that holds block <paramref name="block"/>.</summary>
    public int GroupOf(int block)
    {
        int at = Array.BinarySearch(_groupStarts, block);
        return at >= 0 ? at : ~at - 1;
    }

    /// <summary>Number of rows in blocks <paramref name="blocks"/> (consecutive blocks cover consecutive rows).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range reaches past the blocks.</exception>
    public int RowsIn(Range blocks)
    {
        var (first, count) = blocks.GetOffsetAndLength(_blocks.Length);
        return count == 0 ? 0 : _blocks[first + count - 1].End - _blocks[first].Start;
    }

    /// <summary>
    /// Cuts <paramref name="rows"/> rows into blocks of <paramref name="targetRows"/> rows, cutting only where a
    /// sequence starts: each block ends at the first sequence start at or after its start + <paramref name="targetRows"/>
    /// (a sequence longer than that forms a block of its own, whole). With <paramref name="groupStarts"/> (the first
    /// row of each shard of data sharded on disk) each group of rows is cut on its own, exactly as a data set of only
    /// those rows would be, so that a machine holding one shard finds the same blocks; one group of all rows otherwise.
    /// </summary>
    /// <param name="rows">Number of rows (≥ 0).</param>
    /// <param name="targetRows">Rows per block (≥ 1).</param>
    /// <param name="sequenceStarts">First row of each sequence, strictly increasing from 0; empty when every row stands alone.</param>
    /// <param name="groupStarts">First row of each group, strictly increasing from 0, each a sequence start when there are sequences (a group never splits a sequence); empty for one group.</param>
    /// <exception cref="ArgumentException">The sequence or group starts are not strictly increasing from 0 within the rows, or a group starts inside a sequence.</exception>
    public static BlockPartition Create(int rows, int targetRows, ReadOnlySpan<int> sequenceStarts = default, ReadOnlySpan<int> groupStarts = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetRows, 1);
        if (!sequenceStarts.IsEmpty)
        {
            CheckStarts(rows, sequenceStarts);
        }

        if (!groupStarts.IsEmpty)
        {
            CheckStarts(rows, groupStarts);
            if (!sequenceStarts.IsEmpty)
            {
                foreach (int groupStart in groupStarts)
                {
                    if (sequenceStarts.BinarySearch(groupStart) < 0)
                    {
                        throw new ArgumentException($"group starting at row {groupStart} would split a sequence; groups must start where sequences start", nameof(groupStarts));
                    }
                }
            }
        }

        var blocks = new List<RowRange>(rows / targetRows + 1);
        var groups = new List<int>(Math.Max(1, groupStarts.Length));
        int groupCount = groupStarts.IsEmpty ? 1 : groupStarts.Length;
        for (int g = 0; g < groupCount && rows > 0; g++)
        {
            int groupStart = groupStarts.IsEmpty ? 0 : groupStarts[g];
            int groupEnd = g + 1 < groupCount ? groupStarts[g + 1] : rows;
            groups.Add(blocks.Count);
            Cut(groupStart, groupEnd, targetRows, sequenceStarts, blocks);
        }

        return new BlockPartition(rows, targetRows, [.. blocks], [.. groups]);
    }

    /// <summary>Cuts rows [<paramref name="start"/>, <paramref name="rows"/>) into blocks (see <see cref="Create"/>).</summary>
    private static void Cut(int start, int rows, int targetRows, ReadOnlySpan<int> sequenceStarts, List<RowRange> blocks)
    {
        while (start < rows)
        {
            int end = (int)Math.Min((long)start + targetRows, rows);
            if (!sequenceStarts.IsEmpty && end < rows)
            {
                // The first sequence start at or after the target end; the rows' end when no sequence starts later.
                int at = sequenceStarts.BinarySearch(end);
                if (at < 0)
                {
                    at = ~at;
                }

                end = at < sequenceStarts.Length ? sequenceStarts[at] : rows;
            }

            blocks.Add(new RowRange(start, end - start));
            start = end;
        }
    }

    /// <exception cref="ArgumentException">The starts are not strictly increasing from 0 within the rows.</exception>
    internal static void CheckStarts(int rows, ReadOnlySpan<int> starts)
    {
        if (starts[0] != 0)
        {
            throw new ArgumentException($"the first sequence must start at row 0, not {starts[0]}", nameof(starts));
        }

        for (int i = 1; i < starts.Length; i++)
        {
            if (starts[i] <= starts[i - 1] || starts[i] >= rows)
            {
                throw new ArgumentException($"sequence starts must increase strictly within the {rows} rows; start {i} is {starts[i]} after {starts[i - 1]}", nameof(starts));
            }
        }
    }
}
