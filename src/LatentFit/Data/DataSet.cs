namespace LatentFit.Data;

/// <summary>Dense numeric data: <see cref="Rows"/> × <see cref="Dimension"/> finite values, row-major and contiguous.</summary>
public sealed class DataSet
{
    private readonly double[] _values;
    private readonly double[]? _rowWeights;

    /// <summary>Wraps row-major values (taken without copying) and optional per-row frequency weights.</summary>
    /// <exception cref="ArgumentException">The shapes disagree, there are no rows, or a value or weight is not finite (weights must also be ≥ 0).</exception>
    public DataSet(string source, IReadOnlyList<string> columnNames, double[] values, int rows, double[]? rowWeights = null)
    {
        if (columnNames.Count < 1)
        {
            throw new ArgumentException($"{source}: no columns", nameof(columnNames));
        }

        if (rows < 1)
        {
            throw new ArgumentException($"{source}: no rows", nameof(rows));
        }

        if (values.Length != (long)rows * columnNames.Count)
        {
            throw new ArgumentException($"{source}: expected {rows}×{columnNames.Count} values, got {values.Length}", nameof(values));
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"{source}: row {i / columnNames.Count + 1}, column {i % columnNames.Count + 1} (\"{columnNames[i % columnNames.Count]}\") is not finite", nameof(values));
            }
        }

        if (rowWeights is not null)
        {
            if (rowWeights.Length != rows)
            {
                throw new ArgumentException($"{source}: expected {rows} row weights, got {rowWeights.Length}", nameof(rowWeights));
            }

            foreach (double w in rowWeights)
            {
                if (!double.IsFinite(w) || w < 0)
                {
                    throw new ArgumentException($"{source}: row weights must be finite and ≥ 0, got {w}", nameof(rowWeights));
                }
            }
        }

        Source = source;
        ColumnNames = columnNames.ToArray();
        Rows = rows;
        Dimension = columnNames.Count;
        _values = values;
        _rowWeights = rowWeights;
    }

    /// <summary>The file path or data set name, used in messages.</summary>
    public string Source { get; }

    /// <summary>Column names, in order.</summary>
    public IReadOnlyList<string> ColumnNames { get; }

    /// <summary>Number of rows N.</summary>
    public int Rows { get; }

    /// <summary>Number of columns D.</summary>
    public int Dimension { get; }

    /// <summary>All values, row-major.</summary>
    public ReadOnlyMemory<double> Values => _values;

    /// <summary>Per-row frequency weights (a row standing for that many identical observations), or null when every row counts once.</summary>
    public ReadOnlyMemory<double>? RowWeights => _rowWeights is null ? default(ReadOnlyMemory<double>?) : _rowWeights;

    /// <summary>Row <paramref name="i"/>.</summary>
    public ReadOnlySpan<double> Row(int i) => _values.AsSpan(i * Dimension, Dimension);

    /// <summary>Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1, contiguous.</summary>
    public ReadOnlySpan<double> RowRange(int start, int count) => _values.AsSpan(start * Dimension, count * Dimension);
}
