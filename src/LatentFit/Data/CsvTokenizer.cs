using System.Globalization;
using System.Text;

namespace LatentFit.Data;

/// <summary>
/// The line-level half of the CSV reader: the separator a header shows, lines split into fields (quotes, "" escapes,
/// white space around quoted fields), a field's text and its reading as a number (the decimal comma). It knows
/// nothing of columns' roles or of data sets: <see cref="CsvDataSetBuilder"/> makes those from the fields. The
/// format itself is described in the remarks of <see cref="CsvDataReader"/>.
/// </summary>
internal static class CsvTokenizer
{
    /// <summary>White space the byte-level reader passes over around a number.</summary>
    public static ReadOnlySpan<byte> BlankBytes => " \t\v\f"u8;

    /// <summary>
    /// Comma, semicolon or tab: whichever the header holds most of outside quotes (comma on a tie, and for a header
    /// of one name, which has none).
    /// </summary>
    public static char DetectSeparator(ReadOnlySpan<char> header)
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

    /// <summary>The separator in words, for messages.</summary>
    public static string SeparatorName(char separator) => separator switch
    {
        ';' => "semicolons",
        '\t' => "tabs",
        _ => "commas",
    };

    /// <summary>The names in the header row <paramref name="line"/>, and the separator it shows.</summary>
    /// <exception cref="DataFormatException">A quoted name is malformed.</exception>
    public static List<string> HeaderNames(ReadOnlySpan<char> line, string source, int lineNumber, out char separator)
    {
        var headerFields = new List<CsvField>();
        separator = DetectSeparator(line);
        Split(line, headerFields, source, lineNumber, separator);
        var header = new List<string>(headerFields.Count);
        foreach (var field in headerFields)
        {
            header.Add(FieldText(line, field).ToString());
        }

        return header;
    }

    /// <summary>A field's text, unquoted and trimmed.</summary>
    public static ReadOnlySpan<char> FieldText(ReadOnlySpan<char> line, CsvField field) =>
        (field.Text is { } unquoted ? unquoted.AsSpan() : line.Slice(field.Start, field.Length)).Trim();

    /// <summary>Splits <paramref name="line"/> into <paramref name="fields"/> (cleared first); quotes take the slow path.</summary>
    /// <exception cref="DataFormatException">A quoted field is unterminated or followed by text.</exception>
    public static void Split(ReadOnlySpan<char> line, List<CsvField> fields, string source, int lineNumber, char separator)
    {
        fields.Clear();
        if (!TrySplit(line, fields, separator, out int column, out string? problem))
        {
            throw new DataFormatException($"{source}:{lineNumber}: column {column}: {problem}", source, lineNumber, column);
        }
    }

    /// <summary>Splits <paramref name="line"/> into <paramref name="fields"/> (appended); on failure gives the 1-based column and what is wrong.</summary>
    public static bool TrySplit(ReadOnlySpan<char> line, List<CsvField> fields, char separator, out int column, out string? problem)
    {
        if (line.Contains('"'))
        {
            return TrySplitQuoted(line, fields, separator, out column, out problem);
        }

        SplitPlain(line, fields, separator);
        (column, problem) = (0, null);
        return true;
    }

    private static void SplitPlain(ReadOnlySpan<char> line, List<CsvField> fields, char separator)
    {
        int start = 0;
        while (true)
        {
            int comma = line[start..].IndexOf(separator);
            if (comma < 0)
            {
                fields.Add(new CsvField(start, line.Length - start, null));
                return;
            }

            fields.Add(new CsvField(start, comma, null));
            start += comma + 1;
        }
    }

    /// <summary>Splits a line with quotes in it; on failure gives the 1-based column and what is wrong.</summary>
    private static bool TrySplitQuoted(ReadOnlySpan<char> line, List<CsvField> fields, char separator, out int column, out string? problem)
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
                fields.Add(escaped ? new CsvField(0, 0, text.ToString()) : new CsvField(start, i - start, null));
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
                fields.Add(new CsvField(i, end - i, null));
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
                fields.Add(new CsvField(i, 0, null));
                problem = null;
                return true;
            }
        }
    }

    /// <summary>White space around a quoted field; a tab only when it is not the separator.</summary>
    private static bool IsBlank(char c, char separator) => c == ' ' || (c == '\t' && separator != '\t');

    /// <summary>A line of bytes without the \r of a \r\n ending.</summary>
    public static ReadOnlySpan<byte> TrimLineEnd(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    /// <summary>
    /// Whether a (trimmed) field marks a missing cell: empty, or R's NA or the common N/A in any case.
    /// </summary>
    public static bool IsMissing(ReadOnlySpan<char> text) =>
        text.IsEmpty || text.Equals("NA", StringComparison.OrdinalIgnoreCase) || text.Equals("N/A", StringComparison.OrdinalIgnoreCase);

    /// <summary><see cref="IsMissing(ReadOnlySpan{char})"/> on an untrimmed UTF-8 field.</summary>
    public static bool IsMissing(ReadOnlySpan<byte> text)
    {
        text = text.Trim(BlankBytes);
        return text.IsEmpty
            || (text.Length == 2 && (text[0] | 0x20) == 'n' && (text[1] | 0x20) == 'a')
            || (text.Length == 3 && (text[0] | 0x20) == 'n' && text[1] == '/' && (text[2] | 0x20) == 'a');
    }

    /// <summary>
    /// The hot path: a finite number, parsed from the span without allocating; with <paramref name="decimalComma"/>,
    /// a field with one comma and no point is read with the comma as the decimal point (see the remarks of
    /// <see cref="CsvDataReader"/>).
    /// </summary>
    public static bool TryParseFinite(ReadOnlySpan<char> text, bool decimalComma, out double value)
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
    /// <see cref="TryParseFinite(ReadOnlySpan{char}, bool, out double)"/> on an untrimmed UTF-8 field: the parse
    /// itself passes over white space around the number, so only the decimal-comma retry trims.
    /// </summary>
    public static bool TryParseFinite(ReadOnlySpan<byte> text, bool decimalComma, out double value)
    {
        if (DecimalText.TryParse(text, out value))
        {
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return double.IsFinite(value);
        }

        text = text.Trim(BlankBytes);
        int comma = text.IndexOf((byte)',');
        if (!decimalComma || comma < 0 || text.Length > 64 || text[(comma + 1)..].Contains((byte)',') || text.Contains((byte)'.'))
        {
            return false;
        }

        Span<byte> point = stackalloc byte[text.Length];
        text.CopyTo(point);
        point[comma] = (byte)'.';
        return double.TryParse(point, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}

/// <summary>A field: a slice of the line, or its text when it was quoted with "" escapes in it.</summary>
internal readonly record struct CsvField(int Start, int Length, string? Text);

/// <summary>
/// Lines of a <see cref="TextReader"/> as spans of one growing buffer, ended by \n, \r\n or \r (as
/// <see cref="TextReader.ReadLine"/> ends them): unlike <see cref="TextReader.ReadLine"/> it makes no string per
/// line, so reading a million rows leaves no garbage behind to raise the peak memory. A span is valid until the next call.
/// </summary>
internal sealed class CsvLineReader(TextReader reader)
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
