using System.Globalization;
using System.Text;

namespace LatentFit.Data;

/// <summary>
/// The data-set half of the CSV reader: from a header and rows of fields (<see cref="CsvTokenizer"/>), the columns and
/// their roles (values, frequency weights, sequence ids), numbers, category labels, missing cells, sequences and the single-precision
/// range check, and at the end the <see cref="DataSet"/>. Both the line-by-line reader and the parallel block reader
/// feed it, so both give the same data set. Every error is a <see cref="DataFormatException"/> naming the file, line
/// and column (see <see cref="CsvDataReader"/>).
/// </summary>
internal sealed class CsvDataSetBuilder
{
    private readonly string _source;
    private readonly List<double>? _weights;
    private readonly List<int>? _sequenceStarts;
    private readonly List<string>? _sequenceIds;
    private readonly Dictionary<string, int>? _sequenceFirstLines;
    private string? _sequenceId;
    private List<int>? _missing;
    private int _firstMissingLine;

    /// <summary>Per selected column, a categorical column's labels in the order first seen (a label's index is its provisional code); null for a numeric column.</summary>
    private readonly List<string>?[] _labels;

    /// <summary>Per selected column, a categorical column's label → provisional code; null for a numeric column.</summary>
    private readonly Dictionary<string, int>?[] _codes;

    /// <summary>A builder for the columns the header <paramref name="layout"/> selects, sized for about <paramref name="expectedLines"/> lines.</summary>
    public CsvDataSetBuilder(CsvLayout layout, string source, int expectedLines, Precision precision)
    {
        Layout = layout;
        _source = source;
        Values = new ValueBuffer(Math.Max(expectedLines - 1, 0) * layout.Selected.Length, layout.Selected.Length, precision);
        _weights = layout.WeightIndex < 0 ? null : [];
        _labels = [.. layout.Categorical.Select(categorical => categorical ? new List<string>() : null)];
        _codes = [.. layout.Categorical.Select(categorical => categorical ? new Dictionary<string, int>(StringComparer.Ordinal) : null)];
        if (layout.SequenceIndex >= 0)
        {
            _sequenceStarts = [];
            _sequenceIds = [];
            _sequenceFirstLines = new Dictionary<string, int>(StringComparer.Ordinal);
        }
    }

    /// <summary>The header's decisions.</summary>
    public CsvLayout Layout { get; }

    /// <summary>The values read so far, row-major, missing cells as NaN.</summary>
    public ValueBuffer Values { get; }

    /// <summary>Rows read so far.</summary>
    public int Rows { get; private set; }

    /// <summary>
    /// Whether the lines given are 1-based data rows, for a source that has no lines (Parquet): messages then say
    /// "row", and the data set records no line for its first missing cell.
    /// </summary>
    public bool LinesAreRows { get; init; }

    /// <summary>
    /// Reads one data row, split into <paramref name="fields"/> of <paramref name="line"/> (line <paramref name="lineNumber"/>).
    /// <paramref name="rest"/>, the rest of the input, is scanned on the first row's errors only, to tell a text column from a stray value.
    /// </summary>
    /// <exception cref="DataFormatException">The row has the wrong number of fields, a value that is neither a finite number nor missing, a bad weight or sequence id.</exception>
    public void AddRow(ReadOnlySpan<char> line, List<CsvField> fields, int lineNumber, CsvLineReader rest)
    {
        var header = Layout.Header;
        char separator = Layout.Separator;
        if (fields.Count != header.Count)
        {
            throw new DataFormatException($"{_source}:{lineNumber}: expected {header.Count} fields (as in the header) but found {fields.Count}{(separator == ',' ? string.Empty : $", separated by {CsvTokenizer.SeparatorName(separator)} as the header is")}", _source, lineNumber);
        }

        bool decimalComma = separator != ',';
        var firstRowRest = Rows == 0 ? rest : null;
        if (Layout.SequenceIndex >= 0)
        {
            int index = Layout.SequenceIndex;
            var id = CsvTokenizer.FieldText(line, fields[index]);
            if (CsvTokenizer.IsMissing(id))
            {
                throw Error(lineNumber, index, $"missing sequence id{(id.IsEmpty ? " (empty field)" : $" \"{id}\"")}; every row needs one");
            }

            if (!TryNextSequence(id, lineNumber, out int firstLine))
            {
                throw Error(lineNumber, index, $"sequence \"{id}\" (first seen on line {firstLine}) appears again after another sequence's rows; the rows of a sequence must be consecutive (sort the file by this column, keeping the order within each sequence)");
            }
        }

        int[] selected = Layout.Selected;
        for (int s = 0; s < selected.Length; s++)
        {
            int index = selected[s];
            var text = CsvTokenizer.FieldText(line, fields[index]);
            double value;
            if (Layout.Categorical[s])
            {
                value = CsvTokenizer.IsMissing(text) ? double.NaN : CategoryCode(text, s);
                if (double.IsNaN(value))
                {
                    MarkMissing((Rows * selected.Length) + s, lineNumber);
                }
            }
            else if (!CsvTokenizer.TryParseFinite(text, decimalComma, out value))
            {
                if (!CsvTokenizer.IsMissing(text))
                {
                    throw ValueError(text, lineNumber, index, firstRowRest, "value");
                }

                value = double.NaN;
                MarkMissing((Rows * selected.Length) + s, lineNumber);
            }

            if (!Values.TryAdd(value, lineNumber, out int badLine, out int badColumn))
            {
                throw SingleRangeError(badLine, selected[badColumn]);
            }
        }

        if (_weights is not null)
        {
            int index = Layout.WeightIndex;
            var text = CsvTokenizer.FieldText(line, fields[index]);
            if (!CsvTokenizer.TryParseFinite(text, decimalComma, out double weight))
            {
                throw ValueError(text, lineNumber, index, firstRowRest, "weight");
            }

            if (weight < 0)
            {
                throw Error(lineNumber, index, $"weight {weight} is negative; weights count observations");
            }

            _weights.Add(weight);
        }

        Rows++;
    }

    /// <summary>
    /// Takes a row the parallel reader parsed: its values (missing cells as NaN, flagged by <see cref="MarkMissing"/>
    /// before), its weight and source line; false where the line-by-line reader must word an error.
    /// </summary>
    public bool TryAddParsedRow(ReadOnlySpan<double> values, double weight, int line)
    {
        foreach (double value in values)
        {
            if (!Values.TryAdd(value, line, out _, out _))
            {
                return false;
            }
        }

        _weights?.Add(weight);
        Rows++;
        return true;
    }

    /// <summary>
    /// Takes a row of values already read (missing cells as NaN, flagged by <see cref="MarkMissing"/> before), its
    /// weight and line (or row, see <see cref="LinesAreRows"/>).
    /// </summary>
    /// <exception cref="DataFormatException">In single precision, a value too far from its column's typical value.</exception>
    public void AddReadRow(ReadOnlySpan<double> values, double weight, int line)
    {
        foreach (double value in values)
        {
            if (!Values.TryAdd(value, line, out int badLine, out int badColumn))
            {
                throw SingleRangeError(badLine, Layout.Selected[badColumn]);
            }
        }

        _weights?.Add(weight);
        Rows++;
    }

    /// <summary>The provisional code of a (trimmed, present) label of selected column <paramref name="selected"/>: the order in which the labels were first seen.</summary>
    public double CategoryCode(ReadOnlySpan<char> label, int selected)
    {
        var lookup = _codes[selected]!.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(label, out int code))
        {
            code = _labels[selected]!.Count;
            string text = label.ToString();
            _labels[selected]!.Add(text);
            _codes[selected]![text] = code;
        }

        return code;
    }

    /// <summary>
    /// <see cref="CategoryCode(ReadOnlySpan{char}, int)"/> of a label (UTF-8 bytes, untrimmed, not missing) from the
    /// parallel reader, decoded and trimmed as the line-by-line reader does, so both code the same text.
    /// </summary>
    public double CategoryCode(ReadOnlySpan<byte> label, int selected)
    {
        int most = Encoding.UTF8.GetMaxCharCount(label.Length);
        Span<char> text = most <= 512 ? stackalloc char[most] : new char[most];
        return CategoryCode(text[..Encoding.UTF8.GetChars(label, text)].Trim(), selected);
    }

    /// <summary>Flags cell <paramref name="index"/> (row-major over the selected columns) of line <paramref name="line"/> as missing.</summary>
    public void MarkMissing(int index, int line)
    {
        if (_missing is null)
        {
            _missing = [];
            _firstMissingLine = line;
        }

        _missing.Add(index);
    }

    /// <summary>
    /// The sequence id (UTF-8 bytes) of the next row, from the parallel reader; false where the line-by-line reader
    /// must word an error (a missing id, an id seen before another's rows). The id is decoded and trimmed as the
    /// line-by-line reader does, so both compare the same text.
    /// </summary>
    public bool TryNextSequence(ReadOnlySpan<byte> id, int line)
    {
        if (id.Length > 256)
        {
            return false;
        }

        Span<char> text = stackalloc char[Encoding.UTF8.GetMaxCharCount(id.Length)];
        var trimmed = text[..Encoding.UTF8.GetChars(id, text)].Trim();
        return !CsvTokenizer.IsMissing(trimmed) && TryNextSequence(trimmed, line, out _);
    }

    /// <summary>
    /// The sequence id of the next row: the same id as the row before continues its sequence, a new one starts a
    /// sequence; false, with the line where it first appeared, for an id whose sequence ended before.
    /// </summary>
    public bool TryNextSequence(ReadOnlySpan<char> id, int line, out int firstLine)
    {
        firstLine = 0;
        if (_sequenceId is not null && id.SequenceEqual(_sequenceId))
        {
            return true;
        }

        string text = id.ToString();
        if (!_sequenceFirstLines!.TryAdd(text, line))
        {
            firstLine = _sequenceFirstLines[text];
            return false;
        }

        _sequenceId = text;
        _sequenceStarts!.Add(Rows);
        _sequenceIds!.Add(text);
        return true;
    }

    /// <summary>The checks once every row is read (there are rows, the weights are not all zero), and the data set.</summary>
    /// <exception cref="DataFormatException">There are no rows, the weights are all zero, or (single precision) a value is out of range.</exception>
    public DataSet Finish()
    {
        if (Rows == 0)
        {
            throw new DataFormatException($"{_source}: no data rows after the header (line {Layout.HeaderLine})", _source, Layout.HeaderLine);
        }

        var weights = _weights?.ToArray();
        if (weights is not null && !(weights.Sum() > 0))
        {
            throw new DataFormatException($"{_source}: the weights in column \"{Layout.Header[Layout.WeightIndex]}\" are all zero", _source);
        }

        bool[]? missing = null;
        if (_missing is not null)
        {
            missing = new bool[Rows * Layout.Selected.Length];
            foreach (int index in _missing)
            {
                missing[index] = true;
            }
        }

        for (int s = 0; s < _labels.Length; s++)
        {
            if (_labels[s] is { Count: 0 })
            {
                int index = Layout.Selected[s];
                throw new DataFormatException($"{_source}: column {index + 1} (\"{Layout.Header[index]}\") is read as categories but every cell is missing", _source, null, index + 1, Layout.Header[index]);
            }
        }

        var layout = new DataSetLayout
        {
            SequenceStarts = _sequenceStarts?.ToArray(),
            SequenceIds = _sequenceIds?.ToArray(),
            MissingCells = missing,
            FirstMissingLine = missing is null || LinesAreRows ? null : _firstMissingLine,
            SourceColumns = Layout.SourceColumns(),
            Categories = _labels.Any(labels => labels is not null) ? [.. _labels] : null,
        };
        if (!Values.TryToDataSet(_source, Layout.Names, Rows, weights, layout, out var data, out int lastBadLine, out int lastBadColumn))
        {
            throw SingleRangeError(lastBadLine, Layout.Selected[lastBadColumn]);
        }

        // The codes so far follow the order the labels first appear in; recode them in the documented order.
        for (int s = 0; s < _labels.Length; s++)
        {
            if (_labels[s] is { } labels)
            {
                data = data!.WithCategories(s, DataSet.OrderCategories(labels));
            }
        }

        return data!;
    }

    private DataFormatException Error(int line, int index, string what) =>
        new($"{_source}:{line}: column {index + 1} (\"{Layout.Header[index]}\"): {what}", _source, line, index + 1, Layout.Header[index]);

    private DataFormatException SingleRangeError(int line, int index) =>
        new($"{(LinesAreRows ? $"{_source}: row {line}," : $"{_source}:{line}:")} column {index + 1} (\"{Layout.Header[index]}\"): value is more than {DataSet.SingleRange:G3} from the column's typical value, beyond what single precision can square and sum; use double precision", _source, LinesAreRows ? null : line, index + 1, Layout.Header[index])
        {
            Settings = [FitSetting.Precision],
        };

    /// <summary>
    /// The error for a field that is not a finite number: missing (where a <paramref name="what"/> cannot be),
    /// non-finite or non-numeric. On the first data row, <paramref name="rest"/> is the rest of the input, scanned to
    /// tell a text column (no number in it anywhere, like iris's Species) from a stray bad value.
    /// </summary>
    private DataFormatException ValueError(ReadOnlySpan<char> text, int line, int index, CsvLineReader? rest, string what)
    {
        string name = Layout.Header[index];
        if (CsvTokenizer.IsMissing(text))
        {
            string cell = text.IsEmpty ? "missing value (empty field)" : $"missing value \"{text}\"";
            return Error(line, index, $"{cell}; every row needs a {what} in this column");
        }

        if (IsNonFiniteWord(text))
        {
            return Error(line, index, $"non-finite value \"{text}\"; non-finite values (NaN, Inf) are not allowed");
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return Error(line, index, $"value \"{text}\" is too large for a double (it overflows to infinity); non-finite values are not allowed");
        }

        // The text lives in the line reader's buffer, which scanning the rest overwrites: keep a copy first.
        string value = text.ToString();
        bool textColumn = rest is not null && !ColumnHasNumber(rest, index, Layout.Separator);
        string hint = Layout.Header.Count == 1 && value.Length > 1
            ? $"; the header \"{Layout.Header[0]}\" is a single column: fields must be separated by commas, semicolons or tabs"
            : textColumn ? $"; column \"{name}\" holds text, not numbers (select the numeric columns)" : string.Empty;
        var error = Error(line, index, $"non-numeric value \"{value}\"{hint}");
        return textColumn && Layout.Header.Count != 1 ? new(error.Message, _source, line, index + 1, name) { Settings = [FitSetting.Columns] } : error;
    }

    /// <summary>NaN, Inf, Infinity or ∞, signed or not, in any case.</summary>
    private static bool IsNonFiniteWord(ReadOnlySpan<char> text)
    {
        if (text.Length > 0 && (text[0] == '+' || text[0] == '-'))
        {
            text = text[1..];
        }

        return text.Equals("nan", StringComparison.OrdinalIgnoreCase)
            || text.Equals("inf", StringComparison.OrdinalIgnoreCase)
            || text.Equals("infinity", StringComparison.OrdinalIgnoreCase)
            || text.Equals("∞", StringComparison.Ordinal);
    }

    /// <summary>Whether any later row has a number in column <paramref name="index"/> (rows that cannot be split are passed over).</summary>
    private static bool ColumnHasNumber(CsvLineReader rest, int index, char separator)
    {
        var fields = new List<CsvField>();
        while (rest.TryRead(out var line))
        {
            if (line.IsWhiteSpace())
            {
                continue;
            }

            fields.Clear();
            bool split = CsvTokenizer.TrySplit(line, fields, separator, out _, out _);
            if (split && index < fields.Count && CsvTokenizer.TryParseFinite(CsvTokenizer.FieldText(line, fields[index]), separator != ',', out _))
            {
                return true;
            }
        }

        return false;
    }

    /// <exception cref="DataFormatException">A name is empty or repeated.</exception>
    internal static void ValidateHeader(List<string> header, string source, int line)
    {
        var unnamed = Enumerable.Range(0, header.Count).Where(i => header[i].Length == 0).ToList();
        if (unnamed.Count == 1)
        {
            throw new DataFormatException($"{source}:{line}: column {unnamed[0] + 1} of the header has no name", source, line, unnamed[0] + 1);
        }

        if (unnamed.Count > 1)
        {
            throw new DataFormatException($"{source}:{line}: columns {string.Join(", ", unnamed.Select(i => i + 1))} of the header have no name", source, line, unnamed[0] + 1);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = new List<string>();
        int firstRepeat = -1;
        for (int i = 0; i < header.Count; i++)
        {
            if (!seen.Add(header[i]))
            {
                firstRepeat = firstRepeat < 0 ? i : firstRepeat;
                if (!duplicates.Contains(header[i]))
                {
                    duplicates.Add(header[i]);
                }
            }
        }

        if (duplicates.Count > 0)
        {
            string names = string.Join(", ", duplicates.Select(d => $"\"{d}\""));
            string what = duplicates.Count == 1 ? $"names column {names} more than once" : $"names columns {names} more than once each";
            throw new DataFormatException($"{source}:{line}: the header {what}; column names must be unique", source, line, firstRepeat + 1, header[firstRepeat]);
        }
    }

    /// <summary>The indices of the <paramref name="columns"/> asked for (null: all), in that order.</summary>
    /// <exception cref="DataFormatException">A column is unknown or asked for twice, or none is.</exception>
    internal static int[] Select(List<string> header, IReadOnlyList<string>? columns, string source)
    {
        if (columns is null)
        {
            return Enumerable.Range(0, header.Count).ToArray();
        }

        if (columns.Count == 0)
        {
            throw new DataFormatException($"{source}: no columns selected", source);
        }

        var indices = new int[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            int index = header.IndexOf(columns[i]);
            if (index < 0)
            {
                string? near = header.Find(h => string.Equals(h, columns[i].Trim(), StringComparison.OrdinalIgnoreCase));
                string suggestion = near is null ? string.Empty : $" (names are case-sensitive; did you mean \"{near}\"?)";
                throw new DataFormatException($"{source}: unknown column \"{columns[i]}\"; available: {string.Join(", ", header)}{suggestion}", source);
            }

            if (indices.AsSpan(0, i).Contains(index))
            {
                throw new DataFormatException($"{source}: column \"{columns[i]}\" is selected more than once", source);
            }

            indices[i] = index;
        }

        return indices;
    }

    /// <summary>
    /// A growable array of values that hands over the array itself when it is full: float64, or float32 offsets from
    /// a per-column origin. The origin is the median of the first <see cref="HeadRows"/> rows (held in float64 until
    /// then), so that one stray row at the top of a file cannot become the origin and cost the rest their digits.
    /// Missing cells are stored as NaN and take no part in the origin.
    /// </summary>
    internal sealed class ValueBuffer(int capacity, int dimension, Precision precision)
    {
        private const int HeadRows = 1024;

        private double[]? _values = precision == Precision.Double ? new double[Math.Max(capacity, 16)] : null;
        private float[]? _offsets = precision == Precision.Single ? new float[Math.Max(capacity, 16)] : null;
        private readonly double[] _origin = new double[dimension];
        private readonly double[]? _head = precision == Precision.Single ? new double[HeadRows * dimension] : null;
        private readonly int[]? _headLines = precision == Precision.Single ? new int[HeadRows] : null;
        private bool _originFixed;
        private int _count;

        /// <summary>
        /// Stores a finite value read on <paramref name="line"/>; false when a float32 offset is out of the range the
        /// single-precision kernels can square and sum (|offset| ≤ <see cref="DataSet.SingleRange"/>), with the line
        /// and the (selected) column of the value at fault, which may be an earlier one once the origin is fixed.
        /// </summary>
        public bool TryAdd(double value, int line, out int badLine, out int badColumn)
        {
            badLine = badColumn = 0;
            if (_values is not null)
            {
                if (_count == _values.Length)
                {
                    Array.Resize(ref _values, 2 * _values.Length);
                }

                _values[_count++] = value;
                return true;
            }

            if (!_originFixed)
            {
                _head![_count] = value;
                _headLines![_count / dimension] = line;
                _count++;
                return _count < _head.Length || FixOrigin(out badLine, out badColumn);
            }

            return Store(_count++, value, line, out badLine, out badColumn);
        }

        private bool Store(int index, double value, int line, out int badLine, out int badColumn)
        {
            badLine = badColumn = 0;
            if (index >= _offsets!.Length)
            {
                Array.Resize(ref _offsets, Math.Max(2 * _offsets.Length, index + 1));
            }

            double offset = value - _origin[index % dimension];
            _offsets[index] = (float)offset;
            if (Math.Abs(offset) <= DataSet.SingleRange || double.IsNaN(value))
            {
                return true;
            }

            (badLine, badColumn) = (line, index % dimension);
            return false;
        }

        /// <summary>The origin from the rows held so far (their per-column median), and their offsets from it.</summary>
        private bool FixOrigin(out int badLine, out int badColumn)
        {
            badLine = badColumn = 0;
            int rows = _count / dimension;
            var column = new double[rows];
            for (int c = 0; c < dimension; c++)
            {
                int present = 0;
                for (int n = 0; n < rows; n++)
                {
                    double value = _head![(n * dimension) + c];
                    if (!double.IsNaN(value))
                    {
                        column[present++] = value;
                    }
                }

                Array.Sort(column, 0, present);
                _origin[c] = present == 0 ? 0 : column[present / 2];
            }

            _originFixed = true;
            for (int i = 0; i < _count; i++)
            {
                if (!Store(i, _head![i], _headLines![i / dimension], out badLine, out badColumn))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The data set; in single precision, fails (false) like <see cref="TryAdd"/> when a short file's offsets are out of range.</summary>
        public bool TryToDataSet(string source, string[] names, int rows, double[]? weights, DataSetLayout layout, out DataSet? data, out int badLine, out int badColumn)
        {
            badLine = badColumn = 0;
            data = null;
            if (_values is not null)
            {
                if (_count != _values.Length)
                {
                    Array.Resize(ref _values, _count);
                }

                data = new DataSet(source, names, _values, rows, weights, layout);
                return true;
            }

            if (!_originFixed && !FixOrigin(out badLine, out badColumn))
            {
                return false;
            }

            if (_count != _offsets!.Length)
            {
                Array.Resize(ref _offsets, _count);
            }

            data = new DataSet(source, names, _offsets, _origin, rows, weights, layout);
            return true;
        }
    }
}

/// <summary>
/// What the header decides: the names, the separator, the selected value columns (in order) and which of them are
/// read as categories, the weights column and the sequence-id column (-1 when absent).
/// </summary>
internal sealed record CsvLayout(List<string> Header, char Separator, int[] Selected, string[] Names, int WeightIndex, int SequenceIndex, int HeaderLine, bool[] Categorical)
{
    /// <summary>The layout of <paramref name="header"/> (read on line <paramref name="headerLine"/>) for the columns <paramref name="roles"/> asks for.</summary>
    /// <exception cref="DataFormatException">As <see cref="Of(List{string}, char, int, string, IReadOnlyList{string}?, string?, string?)"/>, or a column read as categories is unknown, named twice, or not a selected value column.</exception>
    public static CsvLayout Of(List<string> header, char separator, int headerLine, string source, CsvColumnRoles roles)
    {
        var layout = Of(header, separator, headerLine, source, roles.Columns, roles.Weights, roles.Sequence);
        if (roles.Categorical is not { } categorical)
        {
            return layout;
        }

        var flags = new bool[layout.Selected.Length];
        if (ReferenceEquals(categorical, CsvDataReader.EveryValueColumn))
        {
            Array.Fill(flags, true);
            return layout with { Categorical = flags };
        }

        foreach (string name in categorical)
        {
            int index = header.IndexOf(name);
            if (index < 0)
            {
                throw new DataFormatException($"{source}: unknown categorical column \"{name}\"; available: {string.Join(", ", header)}", source);
            }

            int selected = Array.IndexOf(layout.Selected, index);
            if (selected < 0)
            {
                string role = index == layout.WeightIndex ? "the weights column" : index == layout.SequenceIndex ? "the sequence column" : "not a selected data column";
                throw new DataFormatException($"{source}: column \"{name}\" is to be read as categories but is {role}", source, null, index + 1, name);
            }

            if (flags[selected])
            {
                throw new DataFormatException($"{source}: column \"{name}\" is named as categorical more than once", source, null, index + 1, name);
            }

            flags[selected] = true;
        }

        return layout with { Categorical = flags };
    }

    /// <summary>The layout of <paramref name="header"/> (read on line <paramref name="headerLine"/>) for the columns asked for.</summary>
    /// <exception cref="DataFormatException">A header name is empty or repeated, or a selected, weights or sequence column is unknown or given two roles.</exception>
    public static CsvLayout Of(List<string> header, char separator, int headerLine, string source, IReadOnlyList<string>? columns, string? weightsColumn, string? sequenceColumn)
    {
        CsvDataSetBuilder.ValidateHeader(header, source, headerLine);
        int weightIndex = RoleColumn(header, weightsColumn, "weights", source, columns);
        int sequenceIndex = RoleColumn(header, sequenceColumn, "sequence", source, columns);
        if (weightIndex >= 0 && weightIndex == sequenceIndex)
        {
            throw new DataFormatException($"{source}: column \"{weightsColumn}\" cannot be both weights and sequence ids", source);
        }

        var values = columns ?? (weightIndex < 0 && sequenceIndex < 0 ? null : header.Where((_, i) => i != weightIndex && i != sequenceIndex).ToArray());
        int[] selected = CsvDataSetBuilder.Select(header, values, source);
        return new CsvLayout(header, separator, selected, selected.Select(i => header[i]).ToArray(), weightIndex, sequenceIndex, headerLine, new bool[selected.Length]);
    }

    /// <summary>The source columns read, with their roles: values in order, then the weights and the sequence ids.</summary>
    public SourceColumn[] SourceColumns()
    {
        var columns = Selected.Select(i => new SourceColumn(Header[i], i, ColumnRole.Value)).ToList();
        if (WeightIndex >= 0)
        {
            columns.Add(new SourceColumn(Header[WeightIndex], WeightIndex, ColumnRole.FrequencyWeight));
        }

        if (SequenceIndex >= 0)
        {
            columns.Add(new SourceColumn(Header[SequenceIndex], SequenceIndex, ColumnRole.SequenceId));
        }

        return [.. columns];
    }

    /// <summary>The index of the column named for a role (weights, sequence), or -1; it must exist and not be a data column too.</summary>
    private static int RoleColumn(List<string> header, string? name, string role, string source, IReadOnlyList<string>? columns)
    {
        if (name is null)
        {
            return -1;
        }

        int index = header.IndexOf(name);
        if (index < 0)
        {
            throw new DataFormatException($"{source}: unknown {role} column \"{name}\"; available: {string.Join(", ", header)}", source);
        }

        if (columns?.Contains(name) == true)
        {
            throw new DataFormatException($"{source}: column \"{name}\" cannot be both data and {role}", source);
        }

        return index;
    }
}
