using System.Globalization;
using System.Text;

namespace LatentFit.Data;

/// <summary>
/// Reads numeric CSV with a header row into a <see cref="DataSet"/>, refusing anything it cannot read exactly:
/// every error is a <see cref="DataFormatException"/> whose message starts with the file and, where they apply,
/// the physical line (the header is line 1, blank lines count) and the column:
/// <c>data.csv:5: column 2 ("waiting"): non-numeric value "abc"</c>.
/// </summary>
/// <remarks>
/// Fields are separated by commas, semicolons or tabs: the header row decides, by whichever of the three it holds
/// most of (commas on a tie; a one-column file has none). With semicolons or tabs a number may use a decimal comma,
/// as European spreadsheets write CSV (<c>1,5;2,25</c>): a field that is not a number as written, has exactly one
/// comma and no point, is read with the comma as the decimal point. Thousands separators are not read. Fields
/// may be double-quoted (with "" for a quote inside; a quoted field cannot span
/// lines); a quoted number is a number. Header names lose their quotes and surrounding whitespace and must be
/// non-empty and unique. Lines end in \n, \r\n or \r; a UTF-8 byte-order mark is ignored; blank lines are skipped.
/// Numbers are parsed in the invariant culture (<c>1e-3</c>, <c>-2.5</c>, <c>+3</c>). Refused in a selected
/// column: empty fields and NA (missing values are not supported yet), NaN and ±Inf, and text. Only the selected
/// columns are parsed, so text columns can be left out with <c>columns</c>; every row must still have as many
/// fields as the header. A file is read in blocks parsed side by side where it can be (see
/// <see cref="TryReadBlocks"/>), text from a <see cref="TextReader"/> one line at a time; both give the same data set.
/// </remarks>
public static partial class CsvDataReader
{
    /// <summary>
    /// Reads <paramref name="path"/>; <paramref name="columns"/> selects columns by name, in that order (null: all
    /// but the weights column); <paramref name="weightsColumn"/> names a column of row frequency weights (counts of
    /// identical observations, finite and ≥ 0), or null. With <paramref name="precision"/> single the values are
    /// kept as float32 offsets from the median of the first rows (half the memory; see <see cref="Precision.Single"/>).
    /// </summary>
    /// <exception cref="DataFormatException">The file is missing, empty, malformed, or has a value that is not a finite number in a selected column.</exception>
    /// <param name="path">The file.</param>
    /// <param name="columns">Columns to use, by name, or null.</param>
    /// <param name="weightsColumn">The weights column, or null.</param>
    /// <param name="precision">How the values are held.</param>
    /// <param name="progress">Told the fraction of the file read so far (0 to 1) about every 1% of its bytes; the library never writes to the console itself.</param>
    public static DataSet ReadFile(string path, IReadOnlyList<string>? columns = null, string? weightsColumn = null, Precision precision = Precision.Double, IProgress<double>? progress = null)
    {
        if (Directory.Exists(path))
        {
            throw new DataFormatException($"{path}: is a directory, not a CSV file", path);
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found", path);
        }

        // Counting lines reads the bytes once and parsing reads them again, slower: count as the first tenth of the way.
        long length = Math.Max(1, new FileInfo(path).Length);
        int expectedLines = CountLines(path, progress is null ? null : bytes => progress.Report(0.1 * bytes / length));
        var fast = TryReadBlocks(path, columns, weightsColumn, expectedLines, precision, progress is null ? null : bytes => progress.Report(0.1 + (0.9 * bytes / length)));
        if (fast is not null)
        {
            progress?.Report(1);
            return fast;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        Action? report = progress is null ? null : () => progress.Report(0.1 + (0.9 * stream.Position / length));
        var data = Read(reader, path, columns, weightsColumn, expectedLines, precision, report);
        progress?.Report(1);
        return data;
    }

    /// <summary>
    /// Lines, counted as line ends on the raw bytes (vectorised), so that the values can go straight into an array of
    /// the right size: peak memory is then the data once, not a growing list and its copy. Blank lines make it an
    /// overestimate, which costs one copy at the end; a file ended by \r alone, an underestimate, which costs growing.
    /// </summary>
    private static int CountLines(string path, Action<long>? progress)
    {
        var buffer = new byte[1 << 20];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        long lines = 0;
        int read, chunks = 0;
        byte last = (byte)'\n';
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (progress is not null && ++chunks % 4 == 0)
            {
                progress(stream.Position);
            }

            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            last = buffer[read - 1];
        }

        return (int)Math.Min(int.MaxValue, lines + (last == (byte)'\n' ? 0 : 1));
    }

    /// <summary>Reads CSV text; <paramref name="source"/> names it in messages. See <see cref="ReadFile"/>.</summary>
    /// <exception cref="DataFormatException">The text is empty, malformed, or has a value that is not a finite number in a selected column.</exception>
    public static DataSet Read(TextReader reader, string source, IReadOnlyList<string>? columns = null, string? weightsColumn = null, Precision precision = Precision.Double) =>
        Read(reader, source, columns, weightsColumn, expectedLines: 0, precision, report: null);

    /// <summary>Rows between two calls of <c>report</c>.</summary>
    private const int ReportEveryRows = 1 << 16;

    private static DataSet Read(TextReader reader, string source, IReadOnlyList<string>? columns, string? weightsColumn, int expectedLines, Precision precision, Action? report)
    {
        int lineNumber = 0;
        var lines = new LineReader(reader);
        ReadOnlySpan<char> line;
        List<string>? header = null;
        char separator = ',';
        while (lines.TryRead(out line))
        {
            lineNumber++;
            if (lineNumber == 1 && line.Length > 0 && line[0] == '\uFEFF')
            {
                line = line[1..];
            }

            if (!line.IsWhiteSpace())
            {
                header = HeaderNames(line, source, lineNumber, out separator);
                break;
            }
        }

        if (header is null)
        {
            throw new DataFormatException($"{source}: file is empty (expected a header row and at least one data row)", source);
        }

        var layout = Layout.Of(header, separator, lineNumber, source, columns, weightsColumn);
        var (selected, weightIndex) = (layout.Selected, layout.WeightIndex);
        var values = new ValueBuffer(Math.Max(expectedLines - 1, 0) * selected.Length, selected.Length, precision);
        var weights = weightIndex < 0 ? null : new List<double>();
        var fields = new List<Field>();
        int rows = 0;
        bool decimalComma = separator != ',';
        string? singleHeader = header.Count == 1 ? header[0] : null;
        while (lines.TryRead(out line))
        {
            lineNumber++;
            if (line.IsWhiteSpace())
            {
                continue;
            }

            Split(line, fields, source, lineNumber, separator);
            if (fields.Count != header.Count)
            {
                throw new DataFormatException($"{source}:{lineNumber}: expected {header.Count} fields (as in the header) but found {fields.Count}{(separator == ',' ? string.Empty : $", separated by {SeparatorName(separator)} as the header is")}", source, lineNumber);
            }

            foreach (int index in selected)
            {
                var text = FieldText(line, fields[index]);
                if (!TryParseFinite(text, decimalComma, out double value))
                {
                    throw ValueError(text, source, lineNumber, index, header[index], rows == 0 ? lines : null, separator, singleHeader);
                }

                if (!values.TryAdd(value, lineNumber, out int badLine, out int badColumn))
                {
                    throw SingleRangeError(source, badLine, selected[badColumn], header[selected[badColumn]]);
                }
            }

            if (weights is not null)
            {
                var text = FieldText(line, fields[weightIndex]);
                if (!TryParseFinite(text, decimalComma, out double weight))
                {
                    throw ValueError(text, source, lineNumber, weightIndex, header[weightIndex], rows == 0 ? lines : null, separator, singleHeader);
                }

                if (weight < 0)
                {
                    throw new DataFormatException($"{source}:{lineNumber}: column {weightIndex + 1} (\"{header[weightIndex]}\"): weight {weight} is negative; weights count observations", source, lineNumber, weightIndex + 1, header[weightIndex]);
                }

                weights.Add(weight);
            }

            rows++;
            if (report is not null && rows % ReportEveryRows == 0)
            {
                report();
            }
        }

        return Finish(values, weights?.ToArray(), rows, layout, source, weightsColumn);
    }

    /// <summary>The names in the header row <paramref name="line"/>, and the separator it shows.</summary>
    private static List<string> HeaderNames(ReadOnlySpan<char> line, string source, int lineNumber, out char separator)
    {
        var headerFields = new List<Field>();
        separator = DetectSeparator(line);
        Split(line, headerFields, source, lineNumber, separator);
        var header = new List<string>(headerFields.Count);
        foreach (var field in headerFields)
        {
            header.Add(FieldText(line, field).ToString());
        }

        return header;
    }

    /// <summary>The checks once every row is read (there are rows, the weights are not all zero), and the data set.</summary>
    private static DataSet Finish(ValueBuffer values, double[]? weights, int rows, Layout layout, string source, string? weightsColumn)
    {
        if (rows == 0)
        {
            throw new DataFormatException($"{source}: no data rows after the header (line {layout.HeaderLine})", source, layout.HeaderLine);
        }

        if (weights is not null && !(weights.Sum() > 0))
        {
            throw new DataFormatException($"{source}: the weights in column \"{weightsColumn}\" are all zero", source);
        }

        if (!values.TryToDataSet(source, layout.Names, rows, weights, out var data, out int lastBadLine, out int lastBadColumn))
        {
            throw SingleRangeError(source, lastBadLine, layout.Selected[lastBadColumn], layout.Header[layout.Selected[lastBadColumn]]);
        }

        return data!;
    }

    /// <summary>What the header decides: the names, the separator, the selected columns (in order) and the weights column (or -1).</summary>
    private sealed record Layout(List<string> Header, char Separator, int[] Selected, string[] Names, int WeightIndex, int HeaderLine)
    {
        /// <exception cref="DataFormatException">A header name is empty or repeated, or a selected or weights column is unknown.</exception>
        public static Layout Of(List<string> header, char separator, int headerLine, string source, IReadOnlyList<string>? columns, string? weightsColumn)
        {
            ValidateHeader(header, source, headerLine);
            int weightIndex = -1;
            if (weightsColumn is not null)
            {
                weightIndex = header.IndexOf(weightsColumn);
                if (weightIndex < 0)
                {
                    throw new DataFormatException($"{source}: unknown weights column \"{weightsColumn}\"; available: {string.Join(", ", header)}", source);
                }

                if (columns?.Contains(weightsColumn) == true)
                {
                    throw new DataFormatException($"{source}: column \"{weightsColumn}\" cannot be both data and weights", source);
                }
            }

            int[] selected = Select(header, columns ?? (weightIndex < 0 ? null : header.Where((_, i) => i != weightIndex).ToArray()), source);
            return new Layout(header, separator, selected, selected.Select(i => header[i]).ToArray(), weightIndex, headerLine);
        }
    }

    private static DataFormatException SingleRangeError(string source, int line, int index, string name) =>
        new($"{source}:{line}: column {index + 1} (\"{name}\"): value is more than {DataSet.SingleRange:G3} from the column's typical value, beyond what single precision can square and sum; use double precision", source, line, index + 1, name)
        {
            Settings = [FitSetting.Precision],
        };

    /// <summary>
    /// A growable array of values that hands over the array itself when it is full: float64, or float32 offsets from
    /// a per-column origin. The origin is the median of the first <see cref="HeadRows"/> rows (held in float64 until
    /// then), so that one stray row at the top of a file cannot become the origin and cost the rest their digits.
    /// </summary>
    private sealed class ValueBuffer(int capacity, int dimension, Precision precision)
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
            if (Math.Abs(offset) <= DataSet.SingleRange)
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
                for (int n = 0; n < rows; n++)
                {
                    column[n] = _head![(n * dimension) + c];
                }

                Array.Sort(column);
                _origin[c] = rows == 0 ? 0 : column[rows / 2];
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
        public bool TryToDataSet(string source, string[] names, int rows, double[]? weights, out DataSet? data, out int badLine, out int badColumn)
        {
            badLine = badColumn = 0;
            data = null;
            if (_values is not null)
            {
                if (_count != _values.Length)
                {
                    Array.Resize(ref _values, _count);
                }

                data = new DataSet(source, names, _values, rows, weights);
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

            data = new DataSet(source, names, _offsets, _origin, rows, weights);
            return true;
        }
    }

    private static ReadOnlySpan<char> FieldText(ReadOnlySpan<char> line, Field field) =>
        (field.Text is { } unquoted ? unquoted.AsSpan() : line.Slice(field.Start, field.Length)).Trim();

    /// <summary>
    /// The hot path: a finite number, parsed from the span without allocating; with <paramref name="decimalComma"/>,
    /// a field with one comma and no point is read with the comma as the decimal point (see the remarks).
    /// </summary>
    private static bool TryParseFinite(ReadOnlySpan<char> text, bool decimalComma, out double value)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return double.IsFinite(value);
        }

        int comma = text.IndexOf(',');
        if (!decimalComma || comma < 0 || text.Length > 64 || text[(comma + 1)..].Contains(',') || text.Contains('.'))
        {
            return false;
        }

        Span<char> point = stackalloc char[text.Length];
        text.CopyTo(point);
        point[comma] = '.';
        return double.TryParse(point, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    /// <summary>
    /// Comma, semicolon or tab: whichever the header holds most of outside quotes (comma on a tie, and for a header
    /// of one name, which has none).
    /// </summary>
    private static char DetectSeparator(ReadOnlySpan<char> header)
    {
        int commas = 0, semicolons = 0, tabs = 0;
        bool quoted = false;
        foreach (char c in header)
        {
            switch (c)
            {
                case '"':
                    quoted = !quoted;
                    break;
                case ',' when !quoted:
                    commas++;
                    break;
                case ';' when !quoted:
                    semicolons++;
                    break;
                case '\t' when !quoted:
                    tabs++;
                    break;
            }
        }

        return semicolons > commas && semicolons >= tabs ? ';' : tabs > commas && tabs > semicolons ? '\t' : ',';
    }

    private static string SeparatorName(char separator) => separator switch
    {
        ';' => "semicolons",
        '\t' => "tabs",
        _ => "commas",
    };

    /// <summary>
    /// The error for a field that is not a finite number: missing, non-finite or non-numeric. On the first data row,
    /// <paramref name="rest"/> is the rest of the input, scanned to tell a text column (no number in it anywhere,
    /// like iris's Species) from a stray bad value.
    /// </summary>
    private static DataFormatException ValueError(ReadOnlySpan<char> text, string source, int line, int index, string name, LineReader? rest, char separator, string? singleHeader)
    {
        string where = $"{source}:{line}: column {index + 1} (\"{name}\")";
        DataFormatException Error(string what) => new($"{where}: {what}", source, line, index + 1, name);

        if (text.IsEmpty)
        {
            return Error("missing value (empty field); missing values are not supported (yet)");
        }

        if (IsMissingMarker(text))
        {
            return Error($"missing value \"{text}\"; missing values are not supported (yet)");
        }

        if (IsNonFiniteWord(text))
        {
            return Error($"non-finite value \"{text}\"; non-finite values (NaN, Inf) are not allowed");
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return Error($"value \"{text}\" is too large for a double (it overflows to infinity); non-finite values are not allowed");
        }

        // The text lives in the line reader's buffer, which scanning the rest overwrites: keep a copy first.
        string value = text.ToString();
        bool textColumn = rest is not null && !ColumnHasNumber(rest, index, separator);
        string hint = singleHeader is not null && value.Length > 1
            ? $"; the header \"{singleHeader}\" is a single column: fields must be separated by commas, semicolons or tabs"
            : textColumn ? $"; column \"{name}\" holds text, not numbers (select the numeric columns)" : string.Empty;
        return textColumn && singleHeader is null ? new($"{where}: non-numeric value \"{value}\"{hint}", source, line, index + 1, name) { Settings = [FitSetting.Columns] } : Error($"non-numeric value \"{value}\"{hint}");
    }

    /// <summary>R's NA and the common N/A: a missing value, not a typo.</summary>
    private static bool IsMissingMarker(ReadOnlySpan<char> text) =>
        text.Equals("NA", StringComparison.OrdinalIgnoreCase) || text.Equals("N/A", StringComparison.OrdinalIgnoreCase);

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
    private static bool ColumnHasNumber(LineReader rest, int index, char separator)
    {
        var fields = new List<Field>();
        while (rest.TryRead(out var line))
        {
            if (line.IsWhiteSpace())
            {
                continue;
            }

            fields.Clear();
            bool split = line.Contains('"') ? TrySplitQuoted(line, fields, separator, out _, out _) : SplitPlain(line, fields, separator);
            if (split && index < fields.Count && TryParseFinite(FieldText(line, fields[index]), separator != ',', out _))
            {
                return true;
            }
        }

        return false;
    }

    private static void ValidateHeader(List<string> header, string source, int line)
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

    private static int[] Select(List<string> header, IReadOnlyList<string>? columns, string source)
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
    /// Lines of a <see cref="TextReader"/> as spans of one growing buffer, ended by \n, \r\n or \r (as
    /// <see cref="TextReader.ReadLine"/> ends them): unlike
    /// <see cref="TextReader.ReadLine"/> it makes no string per line, so reading a million rows leaves no garbage
    /// behind to raise the peak memory. A span is valid until the next call.
    /// </summary>
    private sealed class LineReader(TextReader reader)
    {
        private char[] _buffer = new char[1 << 16];
        private int _start;
        private int _end;
        private bool _finished;

        public bool TryRead(out ReadOnlySpan<char> line)
        {
            while (true)
            {
                var pending = _buffer.AsSpan(_start, _end - _start);
                int end = pending.IndexOfAny('\n', '\r');

                // A \r at the end of what has been read may be the first half of \r\n: read on before deciding.
                bool decided = end >= 0 && (pending[end] == '\n' || end + 1 < pending.Length || _finished);
                if (decided || (_finished && !pending.IsEmpty))
                {
                    if (!decided)
                    {
                        line = pending;
                        _start += pending.Length;
                        return true;
                    }

                    line = pending[..end];
                    int terminator = pending[end] == '\r' && end + 1 < pending.Length && pending[end + 1] == '\n' ? 2 : 1;
                    _start += end + terminator;
                    return true;
                }

                if (_finished)
                {
                    line = default;
                    return false;
                }

                // Keep the partial line at the front, grow for a line longer than the buffer, and read more.
                pending.CopyTo(_buffer);
                _end = pending.Length;
                _start = 0;
                if (_end == _buffer.Length)
                {
                    Array.Resize(ref _buffer, 2 * _buffer.Length);
                }

                int read = reader.Read(_buffer, _end, _buffer.Length - _end);
                _finished = read == 0;
                _end += read;
            }
        }
    }

    /// <summary>A field: a slice of the line, or its text when it was quoted with "" escapes in it.</summary>
    private readonly record struct Field(int Start, int Length, string? Text);

    private static bool SplitPlain(ReadOnlySpan<char> line, List<Field> fields, char separator)
    {
        int start = 0;
        while (true)
        {
            int comma = line[start..].IndexOf(separator);
            if (comma < 0)
            {
                fields.Add(new Field(start, line.Length - start, null));
                return true;
            }

            fields.Add(new Field(start, comma, null));
            start += comma + 1;
        }
    }

    /// <summary>Splits <paramref name="line"/> into <paramref name="fields"/> (cleared first); quotes take the slow path.</summary>
    private static void Split(ReadOnlySpan<char> line, List<Field> fields, string source, int lineNumber, char separator)
    {
        fields.Clear();
        if (!line.Contains('"'))
        {
            SplitPlain(line, fields, separator);
        }
        else if (!TrySplitQuoted(line, fields, separator, out int column, out string? problem))
        {
            throw new DataFormatException($"{source}:{lineNumber}: column {column}: {problem}", source, lineNumber, column);
        }
    }

    /// <summary>Splits a line with quotes in it; on failure gives the 1-based column and what is wrong.</summary>
    private static bool TrySplitQuoted(ReadOnlySpan<char> line, List<Field> fields, char separator, out int column, out string? problem)
    {
        var text = new StringBuilder();
        int i = 0;
        while (true)
        {
            while (i < line.Length && IsBlank(line[i], separator))
            {
                i++;
            }

            column = fields.Count + 1;
            if (i < line.Length && line[i] == '"')
            {
                int start = ++i;
                bool escaped = false;
                text.Clear();
                while (true)
                {
                    if (i >= line.Length)
                    {
                        problem = "unterminated quoted field (a closing \" is missing; quoted fields cannot span lines)";
                        return false;
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            escaped = true;
                            text.Append('"');
                            i += 2;
                            continue;
                        }

                        break;
                    }

                    text.Append(line[i++]);
                }

                // Without "" escapes the field is a slice of the line, like an unquoted one.
                fields.Add(escaped ? new Field(0, 0, text.ToString()) : new Field(start, i - start, null));
                i++; // the closing quote

                while (i < line.Length && IsBlank(line[i], separator))
                {
                    i++;
                }

                if (i < line.Length && line[i] != separator)
                {
                    problem = "unexpected text after a closing quote";
                    return false;
                }
            }
            else
            {
                int comma = line[i..].IndexOf(separator);
                int end = comma < 0 ? line.Length : i + comma;
                fields.Add(new Field(i, end - i, null));
                i = end;
            }

            if (i >= line.Length)
            {
                problem = null;
                return true;
            }

            i++; // the comma
            if (i == line.Length)
            {
                fields.Add(new Field(i, 0, null));
                problem = null;
                return true;
            }
        }
    }

    /// <summary>White space around a quoted field; a tab only when it is not the separator.</summary>
    private static bool IsBlank(char c, char separator) => c == ' ' || (c == '\t' && separator != '\t');
}
