namespace LatentFit.Data;

/// <summary>
/// A contiguous chunk of rows handed to a model's E-step: <see cref="Rows"/> × <see cref="Dimension"/>
/// values, row-major, with optional per-row frequency weights (a row standing for that many identical observations),
/// held in float64 (<see cref="Values"/>) or as float32 offsets from a float64 origin (<see cref="SingleValues"/>).
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
        return Precision == Precision.Double
            ? new DataBlock(Values.Slice(start * Dimension, count * Dimension), count, Dimension, weights)
            : new DataBlock(SingleValues.Slice(start * Dimension, count * Dimension), Origin, count, Dimension, weights);
    }

    /// <summary>Weight of row <paramref name="i"/> (1 when the block is unweighted).</summary>
    public double RowWeight(int i) => RowWeights.IsEmpty ? 1.0 : RowWeights[i];
}
