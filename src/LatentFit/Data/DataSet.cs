namespace LatentFit.Data;

/// <summary>
/// Dense numeric data: <see cref="Rows"/> × <see cref="Dimension"/> finite values, row-major and contiguous, held in
/// float64 or (<see cref="Data.Precision.Single"/>) as float32 offsets from a float64 origin per column.
/// </summary>
public sealed class DataSet
{
    private readonly double[]? _values;
    private readonly float[]? _singleValues;
    private readonly double[]? _origin;
    private readonly double[]? _rowWeights;

    /// <summary>Wraps row-major values (taken without copying) and optional per-row frequency weights.</summary>
    /// <exception cref="ArgumentException">The shapes disagree, there are no rows, or a value or weight is not finite (weights must also be ≥ 0).</exception>
    public DataSet(string source, IReadOnlyList<string> columnNames, double[] values, int rows, double[]? rowWeights = null)
        : this(source, columnNames, values.Length, rows, rowWeights)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw NotFinite(source, columnNames, i);
            }
        }

        _values = values;
    }

    /// <summary>
    /// Single precision: row-major float32 <paramref name="offsets"/> (taken without copying) from a float64
    /// <paramref name="origin"/> per column, so value = origin[c] + offset; data far from zero keep their digits when
    /// the origin is near them (a row of the data, or the column means).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes disagree, there are no rows, or a value, origin or weight is not finite (weights must also be ≥ 0).</exception>
    public DataSet(string source, IReadOnlyList<string> columnNames, float[] offsets, double[] origin, int rows, double[]? rowWeights = null)
        : this(source, columnNames, offsets.Length, rows, rowWeights)
    {
        if (origin.Length != columnNames.Count)
        {
            throw new ArgumentException($"{source}: expected an origin of {columnNames.Count} values, got {origin.Length}", nameof(origin));
        }

        for (int i = 0; i < offsets.Length; i++)
        {
            if (!float.IsFinite(offsets[i]) || !double.IsFinite(origin[i % origin.Length] + offsets[i]))
            {
                throw NotFinite(source, columnNames, i);
            }
        }

        _singleValues = offsets;
        _origin = origin;
    }

    private DataSet(string source, IReadOnlyList<string> columnNames, int valueCount, int rows, double[]? rowWeights)
    {
        if (columnNames.Count < 1)
        {
            throw new ArgumentException($"{source}: no columns", nameof(columnNames));
        }

        if (rows < 1)
        {
            throw new ArgumentException($"{source}: no rows", nameof(rows));
        }

        if (valueCount != (long)rows * columnNames.Count)
        {
            throw new ArgumentException($"{source}: expected {rows}×{columnNames.Count} values, got {valueCount}", "values");
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
        _rowWeights = rowWeights;
    }

    private static ArgumentException NotFinite(string source, IReadOnlyList<string> columnNames, int index) =>
        new($"{source}: row {index / columnNames.Count + 1}, column {index % columnNames.Count + 1} (\"{columnNames[index % columnNames.Count]}\") is not finite", "values");

    /// <summary>
    /// The largest distance of a value from its column's origin that single precision accepts: the float32 kernels
    /// square and sum such distances over blocks of 512 rows, which must stay far below float32's 3.4e38.
    /// </summary>
    public const double SingleRange = 1e15;

    /// <summary>How the values are stored.</summary>
    public Precision Precision => _values is null ? Precision.Single : Precision.Double;

    /// <summary>The file path or data set name, used in messages.</summary>
    public string Source { get; }

    /// <summary>Column names, in order.</summary>
    public IReadOnlyList<string> ColumnNames { get; }

    /// <summary>Number of rows N.</summary>
    public int Rows { get; }

    /// <summary>Number of columns D.</summary>
    public int Dimension { get; }

    /// <summary>All values, row-major (double precision only; <see cref="CopyRow"/> and the indexer serve both).</summary>
    /// <exception cref="InvalidOperationException">The data are held in single precision.</exception>
    public ReadOnlyMemory<double> Values => DoubleValues;

    /// <summary>The per-column float64 origin of single-precision data (empty for double precision).</summary>
    public ReadOnlySpan<double> Origin => _origin;

    /// <summary>Value of row <paramref name="row"/>, column <paramref name="column"/>, in either precision.</summary>
    public double this[int row, int column]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(column);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Dimension);
            return _values is not null ? _values[row * Dimension + column] : _origin![column] + _singleValues![row * Dimension + column];
        }
    }

    /// <summary>Per-row frequency weights (a row standing for that many identical observations), or null when every row counts once.</summary>
    public ReadOnlyMemory<double>? RowWeights => _rowWeights is null ? default(ReadOnlyMemory<double>?) : _rowWeights;

    private double[] DoubleValues => _values ?? throw new InvalidOperationException(
        $"{Source}: the data are held in single precision; read them with CopyRow, the indexer or Block");

    /// <summary>Row <paramref name="i"/> (double precision only).</summary>
    /// <exception cref="InvalidOperationException">The data are held in single precision.</exception>
    public ReadOnlySpan<double> Row(int i) => DoubleValues.AsSpan(i * Dimension, Dimension);

    /// <summary>Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1, contiguous (double precision only).</summary>
    /// <exception cref="InvalidOperationException">The data are held in single precision.</exception>
    public ReadOnlySpan<double> RowRange(int start, int count) => DoubleValues.AsSpan(start * Dimension, count * Dimension);

    /// <summary>Copies row <paramref name="i"/> into <paramref name="destination"/> (D values), in either precision.</summary>
    public void CopyRow(int i, Span<double> destination)
    {
        if (_values is not null)
        {
            Row(i).CopyTo(destination);
            return;
        }

        var offsets = _singleValues.AsSpan(i * Dimension, Dimension);
        var row = destination[..Dimension];
        for (int c = 0; c < row.Length; c++)
        {
            row[c] = _origin![c] + offsets[c];
        }
    }

    /// <summary>Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1 with their weights, in the data's precision.</summary>
    public DataBlock Block(int start, int count)
    {
        var weights = _rowWeights is null ? default : _rowWeights.AsSpan(start, count);
        return _values is not null
            ? new DataBlock(_values.AsSpan(start * Dimension, count * Dimension), count, Dimension, weights)
            : new DataBlock(_singleValues.AsSpan(start * Dimension, count * Dimension), _origin, count, Dimension, weights);
    }

    /// <summary>
    /// The same data in single precision: float32 offsets from the column means (computed in float64), so a large
    /// common offset costs no digits. Each value then carries a relative error of about 6e-8 of its distance from the mean.
    /// </summary>
    public DataSet ToSinglePrecision()
    {
        if (_values is null)
        {
            return this;
        }

        var origin = new double[Dimension];
        for (int n = 0; n < Rows; n++)
        {
            for (int c = 0; c < Dimension; c++)
            {
                origin[c] += _values[n * Dimension + c];
            }
        }

        for (int c = 0; c < Dimension; c++)
        {
            origin[c] /= Rows;
        }

        var offsets = new float[_values.Length];
        for (int i = 0; i < offsets.Length; i++)
        {
            double offset = _values[i] - origin[i % Dimension];
            if (!(Math.Abs(offset) <= SingleRange))
            {
                throw new ArgumentException($"{Source}: row {i / Dimension + 1}, column {i % Dimension + 1} (\"{ColumnNames[i % Dimension]}\") is more than {SingleRange:G3} from the column mean, beyond what single precision can square and sum; keep double precision");
            }

            offsets[i] = (float)offset;
        }

        return new DataSet(Source, ColumnNames, offsets, origin, Rows, _rowWeights);
    }
}
