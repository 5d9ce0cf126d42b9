namespace LatentFit.Data;

/// <summary>
/// A contiguous chunk of rows handed to a model's E-step: <see cref="Rows"/> × <see cref="Dimension"/>
/// values, row-major, with optional per-row frequency weights (a row standing for that many identical observations).
/// </summary>
public readonly ref struct DataBlock
{
    /// <summary>Wraps row-major values and optional row weights.</summary>
    public DataBlock(ReadOnlySpan<double> values, int rows, int dimension, ReadOnlySpan<double> rowWeights = default)
    {
        if (values.Length != rows * dimension)
        {
            throw new ArgumentException($"expected {rows}×{dimension} values, got {values.Length}", nameof(values));
        }

        if (!rowWeights.IsEmpty && rowWeights.Length != rows)
        {
            throw new ArgumentException($"expected {rows} row weights, got {rowWeights.Length}", nameof(rowWeights));
        }

        Values = values;
        Rows = rows;
        Dimension = dimension;
        RowWeights = rowWeights;
    }

    /// <summary>Row-major values.</summary>
    public ReadOnlySpan<double> Values { get; }

    /// <summary>Number of rows in the block.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Dimension { get; }

    /// <summary>Frequency weight of each row, or empty when every row counts once.</summary>
    public ReadOnlySpan<double> RowWeights { get; }

    /// <summary>Row <paramref name="i"/> of the block.</summary>
    public ReadOnlySpan<double> Row(int i) => Values.Slice(i * Dimension, Dimension);

    /// <summary>Weight of row <paramref name="i"/> (1 when the block is unweighted).</summary>
    public double RowWeight(int i) => RowWeights.IsEmpty ? 1.0 : RowWeights[i];
}
