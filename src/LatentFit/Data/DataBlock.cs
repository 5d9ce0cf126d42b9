namespace LatentFit.Data;

/// <summary>
/// A contiguous chunk of rows handed to a model's E-step: <see cref="Rows"/> × <see cref="Dimension"/>
/// values, row-major, with optional per-row frequency weights (a row standing for that many identical observations),
/// held in float64 (<see cref="Values"/>) or as float32 offsets from a float64 origin (<see cref="SingleValues"/>);
/// with the flags of its missing cells (<see cref="Missing"/>) and, when the rows form sequences, the sequences that
/// start in it (<see cref="SequenceStarts"/>), so that a sequence model can run over a block's sequences alone.
/// </summary>
public readonly ref struct DataBlock
{
    /// <summary>Wraps row-major values and optional row weights.</summary>
    public DataBlock(ReadOnlySpan<double> values, int rows, int dimension, ReadOnlySpan<double> rowWeights = default)
    {
        Check(values.Length, rows, dimension, rowWeights);
        Values = values;
        Rows = rows;
        Dimension = dimension;
        RowWeights = rowWeights;
    }

    /// <summary>Wraps row-major float32 offsets from a per-column <paramref name="origin"/>, and optional row weights.</summary>
    public DataBlock(ReadOnlySpan<float> offsets, ReadOnlySpan<double> origin, int rows, int dimension, ReadOnlySpan<double> rowWeights = default)
    {
        Check(offsets.Length, rows, dimension, rowWeights);
        if (origin.Length != dimension)
        {
            throw new ArgumentException($"expected an origin of {dimension} values, got {origin.Length}", nameof(origin));
        }

        SingleValues = offsets;
        Origin = origin;
        Rows = rows;
        Dimension = dimension;
        RowWeights = rowWeights;
        Precision = Precision.Single;
    }

    private static void Check(int length, int rows, int dimension, ReadOnlySpan<double> rowWeights)
    {
        if (length != rows * dimension)
        {
            throw new ArgumentException($"expected {rows}×{dimension} values, got {length}", "values");
        }

        if (!rowWeights.IsEmpty && rowWeights.Length != rows)
        {
            throw new ArgumentException($"expected {rows} row weights, got {rowWeights.Length}", nameof(rowWeights));
        }
    }

    /// <summary>How the values are held.</summary>
    public Precision Precision { get; }

    /// <summary>Row-major values (empty in single precision).</summary>
    public ReadOnlySpan<double> Values { get; }

    /// <summary>Row-major float32 offsets from <see cref="Origin"/> (empty in double precision).</summary>
    public ReadOnlySpan<float> SingleValues { get; }

    /// <summary>Per-column origin of <see cref="SingleValues"/> (empty in double precision).</summary>
    public ReadOnlySpan<double> Origin { get; }

    /// <summary>Number of rows in the block.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Dimension { get; }

    /// <summary>Frequency weight of each row, or empty when every row counts once.</summary>
    public ReadOnlySpan<double> RowWeights { get; }

    /// <summary>The block's first row within its data set (0 for a block made by hand).</summary>
    public int FirstRow { get; init; }

    /// <summary>Row-major flags of the block's missing cells (which hold NaN); empty when none is missing.</summary>
    public ReadOnlySpan<bool> Missing { get; init; }

    /// <summary>Whether the rows form sequences; when false each row is an independent observation and the block holds no sequence.</summary>
    public bool HasSequences { get; init; }

    /// <summary>
    /// The data set's rows (counted from its first row, as <see cref="FirstRow"/> is) at which a sequence starts within
    /// this block, increasing. A block of a <see cref="BlockPartition"/> starts with a sequence, so its first entry is
    /// <see cref="FirstRow"/>; a block cut elsewhere may begin inside a sequence (<see cref="StartsInsideSequence"/>).
    /// </summary>
    public ReadOnlySpan<int> SequenceStarts { get; init; }

    /// <summary>Whether the block's first row continues a sequence that began in an earlier block.</summary>
    public bool StartsInsideSequence => HasSequences && Rows > 0 && (SequenceStarts.IsEmpty || SequenceStarts[0] != FirstRow);

    /// <summary>Number of (whole or, at the block's start, continued) sequences in the block; 0 when the rows are independent.</summary>
    public int SequenceCount => !HasSequences ? 0 : SequenceStarts.Length + (StartsInsideSequence ? 1 : 0);

    /// <summary>Sequence <paramref name="index"/> of the block, as rows of the block (from 0); a continued sequence comes first.</summary>
    public RowRange Sequence(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SequenceCount);
        int lead = StartsInsideSequence ? 1 : 0;
        int start = index < lead ? 0 : SequenceStarts[index - lead] - FirstRow;
        int end = index + 1 - lead < SequenceStarts.Length ? SequenceStarts[index + 1 - lead] - FirstRow : Rows;
        return new RowRange(start, end - start);
    }

    /// <summary>Whether row <paramref name="row"/>, column <paramref name="column"/> of the block is missing.</summary>
    public bool IsMissing(int row, int column) => !Missing.IsEmpty && Missing[row * Dimension + column];

    /// <summary>The entries of the increasing <paramref name="starts"/> within rows <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1.</summary>
    internal static ReadOnlySpan<int> StartsWithin(ReadOnlySpan<int> starts, int first, int count)
    {
        int from = starts.BinarySearch(first);
        from = from < 0 ? ~from : from;
        int to = starts.BinarySearch(first + count);
        to = to < 0 ? ~to : to;
        return starts[from..to];
    }

    /// <summary>Row <paramref name="i"/> of the block (double precision only).</summary>
    /// <exception cref="InvalidOperationException">The block is held in single precision.</exception>
    public ReadOnlySpan<double> Row(int i) => Precision == Precision.Double
        ? Values.Slice(i * Dimension, Dimension)
        : throw new InvalidOperationException("the block is held in single precision; read it with CopyRow or the indexer");

    /// <summary>Value of row <paramref name="row"/>, column <paramref name="column"/>, in either precision.</summary>
    public double this[int row, int column]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(column);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Dimension);
            return Precision == Precision.Double ? Values[row * Dimension + column] : Origin[column] + SingleValues[row * Dimension + column];
        }
    }

    /// <summary>Copies row <paramref name="i"/> into <paramref name="destination"/> (D values), in either precision.</summary>
    public void CopyRow(int i, Span<double> destination)
    {
        for (int c = 0; c < Dimension; c++)
        {
            destination[c] = this[i, c];
        }
    }

    /// <summary>Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1 of the block.</summary>
    public DataBlock Slice(int start, int count)
    {
        var weights = RowWeights.IsEmpty ? default : RowWeights.Slice(start, count);
        var missing = Missing.IsEmpty ? default : Missing.Slice(start * Dimension, count * Dimension);
        var starts = HasSequences ? StartsWithin(SequenceStarts, FirstRow + start, count) : default;
        return Precision == Precision.Double
            ? new DataBlock(Values.Slice(start * Dimension, count * Dimension), count, Dimension, weights) { FirstRow = FirstRow + start, Missing = missing, HasSequences = HasSequences, SequenceStarts = starts }
            : new DataBlock(SingleValues.Slice(start * Dimension, count * Dimension), Origin, count, Dimension, weights) { FirstRow = FirstRow + start, Missing = missing, HasSequences = HasSequences, SequenceStarts = starts };
    }

    /// <summary>Weight of row <paramref name="i"/> (1 when the block is unweighted).</summary>
    public double RowWeight(int i) => RowWeights.IsEmpty ? 1.0 : RowWeights[i];
}
