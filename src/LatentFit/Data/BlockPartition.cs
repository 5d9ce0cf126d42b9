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

    private BlockPartition(int rows, int targetRows, RowRange[] blocks)
    {
        Rows = rows;
        TargetRows = targetRows;
        _blocks = blocks;
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
    /// (a sequence longer than that forms a block of its own, whole).
    /// </summary>
    /// <param name="rows">Number of rows (≥ 0).</param>
    /// <param name="targetRows">Rows per block (≥ 1).</param>
    /// <param name="sequenceStarts">First row of each sequence, strictly increasing from 0; empty when every row stands alone.</param>
    /// <exception cref="ArgumentException">The sequence starts are not strictly increasing from 0 within the rows.</exception>
    public static BlockPartition Create(int rows, int targetRows, ReadOnlySpan<int> sequenceStarts = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetRows, 1);
        if (!sequenceStarts.IsEmpty)
        {
            CheckStarts(rows, sequenceStarts);
        }

        var blocks = new List<RowRange>(rows / targetRows + 1);
        int start = 0;
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

        return new BlockPartition(rows, targetRows, [.. blocks]);
    }

    /// <exception cref="ArgumentException">The sequence starts are not strictly increasing from 0 within the rows.</exception>
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
