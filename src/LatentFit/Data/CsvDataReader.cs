using System.Text;

namespace LatentFit.Data;

/// <summary>
/// Reads numeric CSV with a header row into a <see cref="DataSet"/>, refusing anything it cannot read exactly:
/// every error is a <see cref="DataFormatException"/> whose message starts with the file and, where they apply,
/// the physical line (the header is line 1, blank lines count) and the column:
/// <c>data.csv:5: column 2 ("waiting"): non-numeric value "abc"</c>. The work is split between a line tokeniser
/// (<see cref="CsvTokenizer"/>: separators, quotes, decimal commas) and a data-set builder (<see cref="CsvDataSetBuilder"/>:
/// columns and their roles, numbers, missing cells, weights, sequences).
/// </summary>
/// <remarks>
/// Fields are separated by commas, semicolons or tabs: the header row decides, by whichever of the three it holds
/// most of (commas on a tie; a one-column file has none). With semicolons or tabs a number may use a decimal comma,
/// as European spreadsheets write CSV (<c>1,5;2,25</c>): a field that is not a number as written, has exactly one
/// comma and no point, is read with the comma as the decimal point. Thousands separators are not read. Fields
/// may be double-quoted (with "" for a quote inside; a quoted field cannot span
/// lines); a quoted number is a number. Header names lose their quotes and surrounding whitespace and must be
/// non-empty and unique. Lines end in \n, \r\n or \r; a UTF-8 byte-order mark is ignored; blank lines are skipped.
/// Numbers are parsed in the invariant culture (<c>1e-3</c>, <c>-2.5</c>, <c>+3</c>). A selected column's cell
/// that is empty (also <c>""</c> or blanks), <c>NA</c> (as R writes) or <c>N/A</c>, in any case, is missing: it holds NaN and
/// is flagged in <see cref="DataSet.MissingCells"/> (a model that cannot take missing values refuses them, naming
/// the first one's line and column). A value column named in <c>categoricalColumns</c> is read as categories: each
/// distinct label (its trimmed text, any text, numbers too) becomes a code 0 … C − 1, the labels ordered as
/// <see cref="DataSet.OrderCategories"/> says and kept in <see cref="DataSet.Categories"/>; its missing cells are missing
/// as in a numeric column. Refused in a numeric column: NaN and ±Inf, and text; a weight or sequence id
/// cannot be missing. A sequence column's consecutive rows with the same id (its trimmed text) form one sequence; an
/// id that comes back after another id's rows is refused (the file is not grouped by sequence). Only the selected
/// columns are parsed, so text columns can be left out with <c>columns</c>; every row must still have as many
/// fields as the header. A file is read in blocks parsed side by side where it can be (see
/// <see cref="TryReadBlocks"/>), text from a <see cref="TextReader"/> one line at a time; both give the same data set.
/// </remarks>
public static partial class CsvDataReader
{
    /// <summary>
    /// The categorical columns that stand for every selected value column, whatever their names (a model whose emissions
    /// are categories reads its one column so without the user naming it twice).
    /// </summary>
    public static IReadOnlyList<string> EveryValueColumn { get; } = ["*"];

    /// <summary>
    /// Reads <paramref name="path"/>; <paramref name="columns"/> selects columns by name, in that order (null: all
    /// but the weights and sequence columns); <paramref name="weightsColumn"/> names a column of row frequency weights (counts of
    /// identical observations, finite and ≥ 0), or null; <paramref name="sequenceColumn"/> a column of sequence ids, or null. With <paramref name="precision"/> single the values are
    /// kept as float32 offsets from the median of the first rows (half the memory; see <see cref="Precision.Single"/>).
    /// </summary>
    /// <exception cref="DataFormatException">The file is missing, empty, malformed, or has a value that is not a finite number in a selected column.</exception>
    /// <param name="path">The file.</param>
    /// <param name="columns">Columns to use, by name, or null.</param>
    /// <param name="weightsColumn">The weights column, or null.</param>
    /// <param name="precision">How the values are held.</param>
    /// <param name="progress">Told the fraction of the file read so far (0 to 1) about every 1% of its bytes; the library never writes to the console itself.</param>
    /// <param name="sequenceColumn">The sequence-id column, or null (the rows are independent).</param>
    /// <param name="categoricalColumns">Value columns to read as categories (see the remarks), by name, or <see cref="EveryValueColumn"/>, or null (all numeric).</param>
    public static DataSet ReadFile(string path, IReadOnlyList<string>? columns = null, string? weightsColumn = null, Precision precision = Precision.Double, IProgress<double>? progress = null, string? sequenceColumn = null, IReadOnlyList<string>? categoricalColumns = null)
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
        var roles = new CsvColumnRoles(columns, weightsColumn, sequenceColumn, categoricalColumns);
        var fast = TryReadBlocks(path, roles, expectedLines, precision, progress is null ? null : bytes => progress.Report(0.1 + (0.9 * bytes / length)));
        if (fast is not null)
        {
            progress?.Report(1);
            return fast;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        Action? report = progress is null ? null : () => progress.Report(0.1 + (0.9 * stream.Position / length));
        var data = Read(reader, path, roles, expectedLines, precision, report);
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
    public static DataSet Read(TextReader reader, string source, IReadOnlyList<string>? columns = null, string? weightsColumn = null, Precision precision = Precision.Double, string? sequenceColumn = null) =>
        Read(reader, source, new CsvColumnRoles(columns, weightsColumn, sequenceColumn), expectedLines: 0, precision, report: null);

    /// <summary>Reads CSV text with <paramref name="categoricalColumns"/> read as categories; see <see cref="ReadFile"/>.</summary>
    /// <exception cref="DataFormatException">The text is empty, malformed, or has a value that is not a finite number in a numeric column.</exception>
    public static DataSet Read(TextReader reader, string source, IReadOnlyList<string>? columns, string? weightsColumn, Precision precision, string? sequenceColumn, IReadOnlyList<string>? categoricalColumns) =>
        Read(reader, source, new CsvColumnRoles(columns, weightsColumn, sequenceColumn, categoricalColumns), expectedLines: 0, precision, report: null);

    /// <summary>Rows between two calls of <c>report</c>.</summary>
    private const int ReportEveryRows = 1 << 16;

    private static DataSet Read(TextReader reader, string source, CsvColumnRoles roles, int expectedLines, Precision precision, Action? report)
    {
        int lineNumber = 0;
        var lines = new CsvLineReader(reader);
        ReadOnlySpan<char> line;
        CsvLayout? layout = null;
        while (layout is null && lines.TryRead(out line))
        {
            lineNumber++;
            if (lineNumber == 1 && line.Length > 0 && line[0] == '\uFEFF')
            {
                line = line[1..];
            }

            if (!line.IsWhiteSpace())
            {
                var header = CsvTokenizer.HeaderNames(line, source, lineNumber, out char separator);
                layout = CsvLayout.Of(header, separator, lineNumber, source, roles);
            }
        }

        if (layout is null)
        {
            throw new DataFormatException($"{source}: file is empty (expected a header row and at least one data row)", source);
        }

        var builder = new CsvDataSetBuilder(layout, source, expectedLines, precision);
        var fields = new List<CsvField>();
        while (lines.TryRead(out line))
        {
            lineNumber++;
            if (line.IsWhiteSpace())
            {
                continue;
            }

            CsvTokenizer.Split(line, fields, source, lineNumber, layout.Separator);
            builder.AddRow(line, fields, lineNumber, lines);
            if (report is not null && builder.Rows % ReportEveryRows == 0)
            {
                report();
            }
        }

        return builder.Finish();
    }
}

/// <summary>The columns asked for by role: the value columns (null: the rest), the weights and the sequence ids (null: none), and the value columns read as categories (null: none).</summary>
internal readonly record struct CsvColumnRoles(IReadOnlyList<string>? Columns, string? Weights, string? Sequence, IReadOnlyList<string>? Categorical = null);
