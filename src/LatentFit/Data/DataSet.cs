namespace LatentFit.Data;

/// <summary>
/// Numeric data: <see cref="Rows"/> × <see cref="Dimension"/> values, row-major and contiguous, held in float64 or
/// (<see cref="Data.Precision.Single"/>) as float32 offsets from a float64 origin per column. Every value is finite
/// except the missing cells, which hold NaN and are flagged in <see cref="MissingCells"/>. Besides values a data set
/// may carry sequence boundaries (<see cref="SequenceStarts"/>), categorical columns whose values are codes of
/// labels (<see cref="Categories"/>), and says which source column played which role (<see cref="SourceColumns"/>);
/// see <see cref="DataSetLayout"/>.
/// </summary>
public sealed class DataSet
{
    private readonly double[]? _values;
    private readonly Shards.MappedValues? _mapped;
    private readonly float[]? _singleValues;
    private readonly double[]? _origin;
    private readonly double[]? _rowWeights;
    private readonly int[]? _sequenceStarts;
    private readonly bool[]? _missing;
    private readonly DataSetLayout? _layout;
    private readonly IReadOnlyList<string>?[]? _categories;
    private BlockPartition? _partition;

    /// <summary>Wraps row-major values (taken without copying), optional per-row frequency weights and an optional layout (sequences, missing cells, roles).</summary>
    /// <exception cref="ArgumentException">The shapes disagree, there are no rows, a value is not finite outside the missing cells (which must hold NaN), a weight is not finite and ≥ 0, or the layout does not fit the data.</exception>
    public DataSet(string source, IReadOnlyList<string> columnNames, double[] values, int rows, double[]? rowWeights = null, DataSetLayout? layout = null)
        : this(source, columnNames, values.Length, rows, rowWeights, layout)
    {
        if (_missing is null)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (!double.IsFinite(values[i]))
                {
                    throw NotFinite(source, columnNames, i);
                }
            }
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (_missing[i] ? !double.IsNaN(values[i]) : !double.IsFinite(values[i]))
                {
                    throw _missing[i] ? MissingNotNaN(source, columnNames, i) : NotFinite(source, columnNames, i);
                }
            }
        }

        _values = values;
        CheckCategoryCodes();
    }

    /// <summary>
    /// Single precision: row-major float32 <paramref name="offsets"/> (taken without copying) from a float64
    /// <paramref name="origin"/> per column, so value = origin[c] + offset; data far from zero keep their digits when
    /// the origin is near them (a row of the data, or the column means).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes disagree, there are no rows, or a value, origin or weight is not finite (weights must also be ≥ 0).</exception>
    public DataSet(string source, IReadOnlyList<string> columnNames, float[] offsets, double[] origin, int rows, double[]? rowWeights = null, DataSetLayout? layout = null)
        : this(source, columnNames, offsets.Length, rows, rowWeights, layout)
    {
        if (origin.Length != columnNames.Count)
        {
            throw new ArgumentException($"{source}: expected an origin of {columnNames.Count} values, got {origin.Length}", nameof(origin));
        }

        for (int i = 0; i < offsets.Length; i++)
        {
            if (_missing?[i] == true)
            {
                if (!float.IsNaN(offsets[i]))
                {
                    throw MissingNotNaN(source, columnNames, i);
                }
            }
            else if (!float.IsFinite(offsets[i]) || !double.IsFinite(origin[i % origin.Length] + offsets[i]))
            {
                throw NotFinite(source, columnNames, i);
            }
        }

        _singleValues = offsets;
        _origin = origin;
        CheckCategoryCodes();
    }

    /// <summary>
    /// Float64 values mapped from shard files (<see cref="Shards.ShardedData"/>), which checked every value, code and
    /// missing flag as it verified the files' checksums; not read again here, so opening touches the values once.
    /// </summary>
    internal DataSet(string source, IReadOnlyList<string> columnNames, Shards.MappedValues values, double[]? rowWeights, DataSetLayout? layout)
        : this(source, columnNames, values.Rows * values.Dimension, values.Rows, rowWeights, layout)
    {
        _mapped = values;
    }

    private DataSet(string source, IReadOnlyList<string> columnNames, int valueCount, int rows, double[]? rowWeights, DataSetLayout? layout)
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
        _layout = layout;
        SourceColumns = CheckLayout(source, ColumnNames, valueCount, rows, rowWeights is not null, layout);
        _sequenceStarts = layout?.SequenceStarts is { Length: > 0 } starts ? starts : null;
        _categories = CheckCategories(source, ColumnNames, layout?.Categories);
        _missing = layout?.MissingCells;
        if (_missing is not null)
        {
            int first = Array.IndexOf(_missing, true);
            _missing = first < 0 ? null : _missing;
            FirstMissingCell = first < 0 ? null : new DataCell(first / Dimension, first % Dimension, layout!.FirstMissingLine);
        }
    }

    /// <summary>The source columns with their roles, after checking that the layout fits the data.</summary>
    private static SourceColumn[] CheckLayout(string source, IReadOnlyList<string> columnNames, int valueCount, int rows, bool weighted, DataSetLayout? layout)
    {
        if (layout?.SequenceStarts is { Length: > 0 } starts)
        {
            BlockPartition.CheckStarts(rows, starts);
        }

        if (layout?.ShardStarts is { Length: > 0 } shards)
        {
            BlockPartition.CheckStarts(rows, shards);
        }

        if (layout?.SequenceIds is { } ids && ids.Length != (layout.SequenceStarts?.Length ?? 0))
        {
            throw new ArgumentException($"{source}: expected one sequence id per sequence start ({layout.SequenceStarts?.Length ?? 0}), got {ids.Length}", nameof(layout));
        }

        if (layout?.MissingCells is { } missing && missing.Length != valueCount)
        {
            throw new ArgumentException($"{source}: expected {valueCount} missing-cell flags, got {missing.Length}", nameof(layout));
        }

        if (layout?.SourceColumns is not { } columns)
        {
            return columnNames.Select((name, i) => new SourceColumn(name, i, ColumnRole.Value)).ToArray();
        }

        var values = columns.Where(c => c.Role == ColumnRole.Value).Select(c => c.Name);
        if (!values.SequenceEqual(columnNames))
        {
            throw new ArgumentException($"{source}: the value columns of the layout ({string.Join(", ", values)}) are not the data's ({string.Join(", ", columnNames)})", nameof(layout));
        }

        if (columns.Any(c => c.Role == ColumnRole.FrequencyWeight) != weighted || columns.Count(c => c.Role == ColumnRole.FrequencyWeight) > 1)
        {
            throw new ArgumentException($"{source}: the layout must name one weights column exactly when there are row weights", nameof(layout));
        }

        if (columns.Count(c => c.Role == ColumnRole.SequenceId) > 1 || (columns.Any(c => c.Role == ColumnRole.SequenceId) && layout.SequenceStarts is not { Length: > 0 }))
        {
            throw new ArgumentException($"{source}: the layout names a sequence-id column only with sequence starts, and at most one", nameof(layout));
        }

        return [.. columns];
    }

    /// <summary>The categorical columns' labels, after checking that there is one entry per column and that each column's labels are unique; null when every column is numeric.</summary>
    private static IReadOnlyList<string>?[]? CheckCategories(string source, IReadOnlyList<string> columnNames, IReadOnlyList<string>?[]? categories)
    {
        if (categories is null || categories.All(labels => labels is null))
        {
            return null;
        }

        if (categories.Length != columnNames.Count)
        {
            throw new ArgumentException($"{source}: expected category labels (or null) for each of the {columnNames.Count} columns, got {categories.Length}", nameof(categories));
        }

        for (int c = 0; c < categories.Length; c++)
        {
            if (categories[c] is { } labels)
            {
                CheckLabels(labels, $"{source}: column {c + 1} (\"{columnNames[c]}\")");
            }
        }

        return [.. categories.Select(labels => labels?.ToArray())];
    }

    /// <exception cref="ArgumentException">No labels, or a label that is null or repeated.</exception>
    private static void CheckLabels(IReadOnlyList<string> labels, string what)
    {
        if (labels.Count == 0)
        {
            throw new ArgumentException($"{what}: a categorical column needs at least one category label", nameof(labels));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string label in labels)
        {
            if (label is null || !seen.Add(label))
            {
                throw new ArgumentException($"{what}: category label \"{label}\" is {(label is null ? "null" : "repeated")}; labels must be unique", nameof(labels));
            }
        }
    }

    /// <summary>Every present cell of a categorical column holds a code 0 … C − 1.</summary>
    private void CheckCategoryCodes()
    {
        if (_categories is null)
        {
            return;
        }

        for (int c = 0; c < Dimension; c++)
        {
            if (_categories[c] is not { } labels)
            {
                continue;
            }

            for (int n = 0; n < Rows; n++)
            {
                double code = this[n, c];
                if (!IsMissing(n, c) && !(code >= 0 && code < labels.Count && code == Math.Floor(code)))
                {
                    throw new ArgumentException($"{Source}: row {n + 1}, column {c + 1} (\"{ColumnNames[c]}\") is categorical but holds {code}, not a code from 0 to {labels.Count - 1}", "values");
                }
            }
        }
    }

    private static ArgumentException NotFinite(string source, IReadOnlyList<string> columnNames, int index) =>
        new($"{source}: row {index / columnNames.Count + 1}, column {index % columnNames.Count + 1} (\"{columnNames[index % columnNames.Count]}\") is not finite", "values");

    private static ArgumentException MissingNotNaN(string source, IReadOnlyList<string> columnNames, int index) =>
        new($"{source}: row {index / columnNames.Count + 1}, column {index % columnNames.Count + 1} (\"{columnNames[index % columnNames.Count]}\") is flagged missing but holds a value; missing cells hold NaN", "values");

    /// <summary>
    /// The largest distance of a value from its column's origin that single precision accepts: the float32 kernels
    /// square and sum such distances over blocks of 512 rows, which must stay far below float32's 3.4e38.
    /// </summary>
    public const double SingleRange = 1e15;

    /// <summary>How the values are stored.</summary>
    public Precision Precision => _singleValues is null ? Precision.Double : Precision.Single;

    /// <summary>Rows of mapped values copied so far because a caller asked for rows spanning shards (0 for values held in memory).</summary>
    internal long MappedRowsCopied => _mapped?.CopiedRows ?? 0;

    /// <summary>Whether the values are memory-mapped from shard files (<see cref="Shards.ShardedData.Open"/>) rather than held in an array.</summary>
    public bool IsMapped => _mapped is not null;

    /// <summary>The file path or data set name, used in messages.</summary>
    public string Source { get; }

    /// <summary>Column names, in order.</summary>
    public IReadOnlyList<string> ColumnNames { get; }

    /// <summary>Number of rows N.</summary>
    public int Rows { get; }

    /// <summary>Number of columns D.</summary>
    public int Dimension { get; }

    /// <summary>
    /// All values, row-major (double precision only; <see cref="CopyRow"/> and the indexer serve both). Values mapped
    /// from shard files are copied into a new array here, all N × D of them: passes over such data read
    /// <see cref="Block(int, int)"/> instead.
    /// </summary>
    /// <exception cref="InvalidOperationException">The data are held in single precision.</exception>
    public ReadOnlyMemory<double> Values => _mapped is not null ? CopyMappedValues() : DoubleValues;

    private double[] CopyMappedValues()
    {
        _mapped!.RequireRoomFor(
            (long)Rows * Dimension * sizeof(double),
            $"this command copies all {Rows:N0} × {Dimension} of the shards' values into memory",
            "run it on fewer rows, or on a machine with more memory");
        var all = new double[Rows * Dimension];
        _mapped!.CopyTo(0, Rows, all);
        return all;
    }

    /// <summary>The per-column float64 origin of single-precision data (empty for double precision).</summary>
    public ReadOnlySpan<double> Origin => _origin;

    /// <summary>Value of row <paramref name="row"/>, column <paramref name="column"/>, in either precision.</summary>
    public double this[int row, int column]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(column);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Dimension);
            return _values is not null ? _values[row * Dimension + column]
                : _mapped is not null ? _mapped[row, column]
                : _origin![column] + _singleValues![row * Dimension + column];
        }
    }

    /// <summary>Per-row frequency weights (a row standing for that many identical observations), or null when every row counts once.</summary>
    public ReadOnlyMemory<double>? RowWeights => _rowWeights is null ? default(ReadOnlyMemory<double>?) : _rowWeights;

    /// <summary>The source columns that were read, with the role each played (values first, in the order of <see cref="ColumnNames"/>).</summary>
    public IReadOnlyList<SourceColumn> SourceColumns { get; }

    /// <summary>The source column of value column <paramref name="column"/>.</summary>
    public SourceColumn ValueSource(int column) => SourceColumns.Where(c => c.Role == ColumnRole.Value).ElementAt(column);

    /// <summary>Whether the rows form sequences (<see cref="SequenceStarts"/>) rather than independent observations.</summary>
    public bool HasSequences => _sequenceStarts is not null;

    /// <summary>First row of each sequence, strictly increasing from 0; empty when the rows are independent.</summary>
    public ReadOnlyMemory<int> SequenceStarts => _sequenceStarts;

    /// <summary>Whether value column <paramref name="column"/> holds categories (codes of <see cref="Categories"/>) rather than numbers.</summary>
    public bool IsCategorical(int column) => Categories(column) is not null;

    /// <summary>
    /// The labels of categorical value column <paramref name="column"/>: a cell holding code c (0 … C − 1) has label
    /// [c]; null for a numeric column. The CSV reader orders a column's labels numerically when every label is a
    /// number, else ordinally (<see cref="OrderCategories"/>); <see cref="WithCategories"/> puts them in a given order.
    /// </summary>
    public IReadOnlyList<string>? Categories(int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Dimension);
        return _categories?[column];
    }

    /// <summary>
    /// The order the CSV reader gives a categorical column's labels, whatever order the rows show them in: by value
    /// when every label is a finite number in the invariant culture (1, 2, 10; ties such as 1 and 1.0 ordinally),
    /// else ordinally, by UTF-16 code units (A, C, G, T; "Sunny" before "rain"). The order decides nothing but the
    /// codes, so it is chosen to be deterministic and culture-free.
    /// </summary>
    public static IReadOnlyList<string> OrderCategories(IEnumerable<string> labels)
    {
        var list = labels.ToList();
        var numbers = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string label in list)
        {
            if (!double.TryParse(label, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                list.Sort(StringComparer.Ordinal);
                return list;
            }

            numbers[label] = value;
        }

        list.Sort((a, b) => numbers[a] != numbers[b] ? numbers[a].CompareTo(numbers[b]) : string.CompareOrdinal(a, b));
        return list;
    }

    /// <summary>
    /// The same data with categorical column <paramref name="column"/> coded against <paramref name="labels"/> (a
    /// model file's categories, say): a cell with label L gets L's position in <paramref name="labels"/>. Labels the
    /// data never show may be in the list; a label of the data that is not in it is refused.
    /// </summary>
    /// <exception cref="ArgumentException">The column is not categorical, or <paramref name="labels"/> is empty or repeats a label.</exception>
    /// <exception cref="DataFormatException">A row holds a label not in <paramref name="labels"/>, naming the first such row, the column and the label.</exception>
    public DataSet WithCategories(int column, IReadOnlyList<string> labels)
    {
        var current = Categories(column) ?? throw new ArgumentException($"{Source}: column {column + 1} (\"{ColumnNames[column]}\") is not categorical", nameof(column));
        CheckLabels(labels, $"{Source}: the categories for column \"{ColumnNames[column]}\"");
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < labels.Count; i++)
        {
            positions[labels[i]] = i;
        }

        // map[old code] = new code, or −1 for a label not in the list (refused only where a row holds it).
        var map = current.Select(label => positions.GetValueOrDefault(label, -1)).ToArray();
        // Mapped values are copied into memory here: recoding a column needs values of its own.
        double[]? values = _mapped is not null ? CopyMappedValues() : _values?.ToArray();
        float[]? offsets = _singleValues?.ToArray();
        double[]? origin = _origin?.ToArray();
        if (origin is not null)
        {
            // Codes are small integers, exact in float32 from an origin of 0 (from another origin they may not be).
            origin[column] = 0;
        }

        for (int n = 0; n < Rows; n++)
        {
            if (IsMissing(n, column))
            {
                continue;
            }

            int code = map[(int)this[n, column]];
            if (code < 0)
            {
                string known = labels.Count <= 20 ? string.Join(", ", labels) : $"{string.Join(", ", labels.Take(20))}, … ({labels.Count} in all)";
                throw new DataFormatException($"{Source}: data row {n + 1}, column \"{ColumnNames[column]}\": category \"{current[(int)this[n, column]]}\" is not one of the given categories ({known})", Source, null, column + 1, ColumnNames[column]);
            }

            int index = (n * Dimension) + column;
            if (values is not null)
            {
                values[index] = code;
            }
            else
            {
                offsets![index] = code;
            }
        }

        var categories = _categories!.ToArray();
        categories[column] = labels.ToArray();
        var layout = (_layout ?? new DataSetLayout()) with { Categories = categories };
        return values is not null
            ? new DataSet(Source, ColumnNames, values, Rows, _rowWeights, layout)
            : new DataSet(Source, ColumnNames, offsets!, origin!, Rows, _rowWeights, layout);
    }

    /// <summary>The id of each sequence as the source wrote it (e.g. the sequence column's values), or null when unknown.</summary>
    public IReadOnlyList<string>? SequenceIds => _layout?.SequenceIds;

    /// <summary>
    /// These data with their rows marked as one sequence (starts [0]) when they carry no sequences, sharing the values;
    /// the data themselves when they do. A sequence model reads data without sequence ids as one sequence, and the
    /// mark keeps the block partition from cutting it.
    /// </summary>
    public DataSet AsOneSequence()
    {
        if (HasSequences)
        {
            return this;
        }

        var layout = (_layout ?? new DataSetLayout()) with { SequenceStarts = [0], SequenceIds = null };
        if (_mapped is not null)
        {
            // One sequence cannot be cut into shards: the shards are forgotten (one group), and a block of the one
            // sequence that spans shards is copied when read (see Block).
            return new DataSet(Source, ColumnNames, _mapped, _rowWeights, layout with { ShardStarts = null });
        }

        return _values is not null
            ? new DataSet(Source, ColumnNames, _values, Rows, _rowWeights, layout)
            : new DataSet(Source, ColumnNames, _singleValues!, _origin!, Rows, _rowWeights, layout);
    }

    /// <summary>First row of each shard of data read from shards on disk; empty for data held in one piece (see <see cref="DataSetLayout.ShardStarts"/>).</summary>
    public ReadOnlyMemory<int> ShardStarts => _layout?.ShardStarts is { Length: > 0 } starts ? starts : ReadOnlyMemory<int>.Empty;

    /// <summary>Whether any cell is missing.</summary>
    public bool HasMissingValues => _missing is not null;

    /// <summary>Row-major N × D flags of the missing cells (which hold NaN); empty when no cell is missing.</summary>
    public ReadOnlySpan<bool> MissingCells => _missing;

    /// <summary>The first missing cell in row-major order, with its source line where known; null when no cell is missing.</summary>
    public DataCell? FirstMissingCell { get; }

    /// <summary>Whether row <paramref name="row"/>, column <paramref name="column"/> is missing (its value is then NaN).</summary>
    public bool IsMissing(int row, int column) => _missing is not null && _missing[row * Dimension + column];

    /// <summary>
    /// The partition of the rows into blocks of <paramref name="targetRows"/> (never splitting a sequence; see
    /// <see cref="BlockPartition.Create"/>) that every pass over these data uses; the last one asked for is kept.
    /// </summary>
    public BlockPartition Partition(int targetRows)
    {
        var partition = _partition;
        if (partition is null || partition.TargetRows != targetRows)
        {
            partition = BlockPartition.Create(Rows, targetRows, _sequenceStarts, ShardStarts.Span);
            _partition = partition;
        }

        return partition;
    }

    private double[] DoubleValues => _values ?? throw new InvalidOperationException(
        $"{Source}: the data are held in single precision; read them with CopyRow, the indexer or Block");

    /// <summary>Row <paramref name="i"/> (double precision only).</summary>
    /// <exception cref="InvalidOperationException">The data are held in single precision.</exception>
    public ReadOnlySpan<double> Row(int i) => _mapped is not null ? _mapped.Range(i, 1) : DoubleValues.AsSpan(i * Dimension, Dimension);

    /// <summary>
    /// Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1, contiguous (double
    /// precision only): for values mapped from shard files a span into the mapping when the rows lie in one shard, a
    /// copy when they span shards.
    /// </summary>
    /// <exception cref="InvalidOperationException">The data are held in single precision.</exception>
    public ReadOnlySpan<double> RowRange(int start, int count) => _mapped is not null ? _mapped.Range(start, count) : DoubleValues.AsSpan(start * Dimension, count * Dimension);

    /// <summary>Copies row <paramref name="i"/> into <paramref name="destination"/> (D values), in either precision.</summary>
    public void CopyRow(int i, Span<double> destination)
    {
        if (_values is not null || _mapped is not null)
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

    /// <summary>
    /// Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1 with their weights,
    /// missing-cell flags and the sequences that start among them, in the data's precision. Values mapped from shard
    /// files are a span into the mapping when the rows lie in one shard (every block of <see cref="Partition"/> does),
    /// else a copy (see <see cref="RowRange"/>).
    /// </summary>
    public DataBlock Block(int start, int count)
    {
        var weights = _rowWeights is null ? default : _rowWeights.AsSpan(start, count);
        var missing = _missing is null ? default : _missing.AsSpan(start * Dimension, count * Dimension);
        var starts = _sequenceStarts is null ? default : DataBlock.StartsWithin(_sequenceStarts, start, count);
        bool sequences = _sequenceStarts is not null;
        return _singleValues is null
            ? new DataBlock(RowRange(start, count), count, Dimension, weights) { FirstRow = start, Missing = missing, HasSequences = sequences, SequenceStarts = starts }
            : new DataBlock(_singleValues.AsSpan(start * Dimension, count * Dimension), _origin, count, Dimension, weights) { FirstRow = start, Missing = missing, HasSequences = sequences, SequenceStarts = starts };
    }

    /// <summary>
    /// Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1 as a data set of their own,
    /// as a machine holding only those rows (a shard) would have them: the same values to the bit (in single precision
    /// the same origin), with their weights, missing cells, categories, source columns and the sequences among them, in
    /// one piece (no shard starts).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rows are not within the data, or there are none.</exception>
    /// <exception cref="ArgumentException">The data have sequences and <paramref name="start"/> is not where one starts, or the rows end inside one.</exception>
    public DataSet Subset(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Rows - start);
        int[]? sequenceStarts = null;
        string[]? sequenceIds = null;
        if (_sequenceStarts is not null)
        {
            int first = Array.BinarySearch(_sequenceStarts, start);
            int end = start + count;
            if (first < 0 || (end < Rows && Array.BinarySearch(_sequenceStarts, end) < 0))
            {
                throw new ArgumentException($"{Source}: rows {start + 1} to {end} cut a sequence; a subset holds whole sequences", nameof(start));
            }

            int last = end < Rows ? Array.BinarySearch(_sequenceStarts, end) : _sequenceStarts.Length;
            sequenceStarts = [.. _sequenceStarts[first..last].Select(row => row - start)];
            sequenceIds = _layout?.SequenceIds?[first..last];
        }

        var layout = (_layout ?? new DataSetLayout()) with
        {
            SequenceStarts = sequenceStarts,
            SequenceIds = sequenceIds,
            ShardStarts = null,
            MissingCells = _missing?[(start * Dimension)..((start + count) * Dimension)],
            FirstMissingLine = null,
        };
        var weights = _rowWeights?[start..(start + count)];
        return _values is not null
            ? new DataSet(Source, ColumnNames, _values[(start * Dimension)..((start + count) * Dimension)], count, weights, layout)
            : new DataSet(Source, ColumnNames, _singleValues![(start * Dimension)..((start + count) * Dimension)], _origin!.ToArray(), count, weights, layout);
    }

    /// <summary>Block <paramref name="index"/> of <paramref name="partition"/> (a partition of these data, as <see cref="Partition"/> gives).</summary>
    public DataBlock Block(BlockPartition partition, int index)
    {
        var range = partition[index];
        return Block(range.Start, range.Count);
    }

    /// <summary>
    /// The same data in single precision: float32 offsets from the column means (computed in float64), so a large
    /// common offset costs no digits. Each value then carries a relative error of about 6e-8 of its distance from the mean.
    /// </summary>
    /// <remarks>
    /// Values mapped from shard files are converted into a float32 array in memory (half their size on disk), refused
    /// when that is more than three quarters of the memory this process may use.
    /// </remarks>
    /// <exception cref="DataFormatException">The data are mapped from shards too large to convert in memory.</exception>
    public DataSet ToSinglePrecision()
    {
        if (_singleValues is not null)
        {
            return this;
        }

        // Before the pass for the means: refused at once, not after reading every shard.
        _mapped?.RequireRoomFor(
            (long)Rows * Dimension * sizeof(float),
            $"single precision converts the shards' {Rows:N0} × {Dimension} values into a float32 array in memory",
            "leave out --precision single: in double precision the shards are read where they lie (memory-mapped), however large");

        // The mean of each column's present cells (all rows when none is missing, summed in the same order).
        var origin = new double[Dimension];
        var present = new int[Dimension];
        for (int n = 0; n < Rows; n++)
        {
            var row = Row(n);
            for (int c = 0; c < Dimension; c++)
            {
                if (!IsMissing(n, c))
                {
                    origin[c] += row[c];
                    present[c]++;
                }
            }
        }

        for (int c = 0; c < Dimension; c++)
        {
            // A categorical column's codes stay exact integers only as offsets from 0.
            origin[c] = present[c] == 0 || IsCategorical(c) ? 0 : origin[c] / present[c];
        }

        var offsets = new float[Rows * Dimension];
        for (int n = 0; n < Rows; n++)
        {
            var row = Row(n);
            for (int c = 0; c < Dimension; c++)
            {
                int i = (n * Dimension) + c;
                if (_missing?[i] == true)
                {
                    offsets[i] = float.NaN;
                    continue;
                }

                double offset = row[c] - origin[c];
                if (!(Math.Abs(offset) <= SingleRange))
                {
                    throw new ArgumentException($"{Source}: row {n + 1}, column {c + 1} (\"{ColumnNames[c]}\") is more than {SingleRange:G3} from the column mean, beyond what single precision can square and sum; keep double precision");
                }

                offsets[i] = (float)offset;
            }
        }

        return new DataSet(Source, ColumnNames, offsets, origin, Rows, _rowWeights, _layout);
    }
}
