using System.Globalization;
using System.Text;

namespace LatentFit.Data;

/// <summary>
/// Reads numeric CSV with a header row into a <see cref="DataSet"/>, refusing anything it cannot read exactly:
/// every error names the file, the physical line (the header is line 1) and the column.
/// </summary>
/// <remarks>
/// Fields are comma-separated and may be double-quoted (with "" for a quote inside); a quoted number is a
/// number. Blank lines are skipped. Numbers are parsed in the invariant culture. Only the selected columns are
/// parsed, so text columns can be left out with <c>columns</c>; every row must still have as many fields as
/// the header.
/// </remarks>
public static class CsvDataReader
{
    /// <summary>
    /// Reads <paramref name="path"/>; <paramref name="columns"/> selects columns by name, in that order (null: all
    /// but the weights column); <paramref name="weightsColumn"/> names a column of row frequency weights (counts of
    /// identical observations, finite and ≥ 0), or null.
    /// </summary>
    /// <exception cref="DataFormatException">The file is missing, empty, malformed, or has a value that is not a finite number in a selected column.</exception>
    public static DataSet ReadFile(string path, IReadOnlyList<string>? columns = null, string? weightsColumn = null)
    {
        if (Directory.Exists(path))
        {
            throw new DataFormatException($"{path}: is a directory, not a CSV file", path);
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found", path);
        }

        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, path, columns, weightsColumn);
    }

    /// <summary>Reads CSV text; <paramref name="source"/> names it in messages. See <see cref="ReadFile"/>.</summary>
    /// <exception cref="DataFormatException">The text is empty, malformed, or has a value that is not a finite number in a selected column.</exception>
    public static DataSet Read(TextReader reader, string source, IReadOnlyList<string>? columns = null, string? weightsColumn = null)
    {
        int lineNumber = 0;
        string? line;
        List<string>? header = null;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (lineNumber == 1 && line.Length > 0 && line[0] == '\uFEFF')
            {
                line = line[1..];
            }

            if (!string.IsNullOrWhiteSpace(line))
            {
                header = SplitQuoted(line, source, lineNumber).Select(f => (f.Text ?? string.Empty).Trim()).ToList();
                break;
            }
        }

        if (header is null)
        {
            throw new DataFormatException($"{source}: file is empty (expected a header row and at least one data row)", source);
        }

        int headerLine = lineNumber;
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
        var names = selected.Select(i => header[i]).ToArray();
        var values = new List<double>();
        var weights = weightIndex < 0 ? null : new List<double>();
        var fields = new List<Field>();
        int rows = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            fields.Clear();
            if (line.Contains('"'))
            {
                fields.AddRange(SplitQuoted(line, source, lineNumber));
            }
            else
            {
                SplitPlain(line, fields);
            }

            if (fields.Count != header.Count)
            {
                throw new DataFormatException($"{source}:{lineNumber}: expected {header.Count} fields (as in the header) but found {fields.Count}", source, lineNumber);
            }

            foreach (int index in selected)
            {
                var field = fields[index];
                var text = field.Text is { } quoted ? quoted.AsSpan() : line.AsSpan(field.Start, field.Length);
                values.Add(ParseNumber(text.Trim(), source, lineNumber, index, header[index], columns is null));
            }

            if (weights is not null)
            {
                var field = fields[weightIndex];
                var text = field.Text is { } quoted ? quoted.AsSpan() : line.AsSpan(field.Start, field.Length);
                double weight = ParseNumber(text.Trim(), source, lineNumber, weightIndex, header[weightIndex], allColumns: false);
                if (weight < 0)
                {
                    throw new DataFormatException($"{source}:{lineNumber}: column {weightIndex + 1} (\"{header[weightIndex]}\"): weight {weight} is negative; weights count observations", source, lineNumber, weightIndex + 1, header[weightIndex]);
                }

                weights.Add(weight);
            }

            rows++;
        }

        if (rows == 0)
        {
            throw new DataFormatException($"{source}: no data rows after the header (line {headerLine})", source, headerLine);
        }

        if (weights is not null && !(weights.Sum() > 0))
        {
            throw new DataFormatException($"{source}: the weights in column \"{weightsColumn}\" are all zero", source);
        }

        return new DataSet(source, names, values.ToArray(), rows, weights?.ToArray());
    }

    private static double ParseNumber(ReadOnlySpan<char> text, string source, int line, int index, string name, bool allColumns)
    {
        string where = $"{source}:{line}: column {index + 1} (\"{name}\")";
        if (text.IsEmpty)
        {
            throw new DataFormatException($"{where}: missing value (empty field); missing values are not supported", source, line, index + 1, name);
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            if (!double.IsFinite(value))
            {
                throw new DataFormatException($"{where}: non-finite value \"{text}\" is not allowed", source, line, index + 1, name);
            }

            return value;
        }

        string lower = text.ToString().ToLowerInvariant().TrimStart('+', '-');
        if (lower is "nan" or "inf" or "infinity" or "∞")
        {
            throw new DataFormatException($"{where}: non-finite value \"{text}\" is not allowed", source, line, index + 1, name);
        }

        string hint = allColumns ? "; leave text columns out with --columns" : string.Empty;
        throw new DataFormatException($"{where}: non-numeric value \"{text}\"{hint}", source, line, index + 1, name);
    }

    private static void ValidateHeader(List<string> header, string source, int line)
    {
        for (int i = 0; i < header.Count; i++)
        {
            if (header[i].Length == 0)
            {
                throw new DataFormatException($"{source}:{line}: column {i + 1} of the header has no name", source, line, i + 1);
            }
        }

        var duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new DataFormatException($"{source}:{line}: the header names column \"{duplicate.Key}\" more than once", source, line);
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
                throw new DataFormatException($"{source}: unknown column \"{columns[i]}\"; available: {string.Join(", ", header)}", source);
            }

            if (indices.AsSpan(0, i).Contains(index))
            {
                throw new DataFormatException($"{source}: column \"{columns[i]}\" is selected more than once", source);
            }

            indices[i] = index;
        }

        return indices;
    }

    /// <summary>A field: a slice of the line, or its unquoted text when it was quoted.</summary>
    private readonly record struct Field(int Start, int Length, string? Text);

    private static void SplitPlain(string line, List<Field> fields)
    {
        int start = 0;
        while (true)
        {
            int comma = line.IndexOf(',', start);
            if (comma < 0)
            {
                fields.Add(new Field(start, line.Length - start, null));
                return;
            }

            fields.Add(new Field(start, comma - start, null));
            start = comma + 1;
        }
    }

    private static List<Field> SplitQuoted(string line, string source, int lineNumber)
    {
        var fields = new List<Field>();
        var text = new StringBuilder();
        int i = 0;
        while (true)
        {
            while (i < line.Length && line[i] == ' ')
            {
                i++;
            }

            if (i < line.Length && line[i] == '"')
            {
                int column = fields.Count + 1;
                text.Clear();
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new DataFormatException($"{source}:{lineNumber}: column {column}: unterminated quoted field", source, lineNumber, column);
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            text.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    text.Append(line[i++]);
                }

                while (i < line.Length && line[i] == ' ')
                {
                    i++;
                }

                if (i < line.Length && line[i] != ',')
                {
                    throw new DataFormatException($"{source}:{lineNumber}: column {column}: unexpected text after a closing quote", source, lineNumber, column);
                }

                fields.Add(new Field(0, 0, text.ToString()));
            }
            else
            {
                int comma = line.IndexOf(',', i);
                int end = comma < 0 ? line.Length : comma;
                fields.Add(new Field(i, end - i, line[i..end]));
                i = end;
            }

            if (i >= line.Length)
            {
                return fields;
            }

            i++; // the comma
            if (i == line.Length)
            {
                fields.Add(new Field(i, 0, string.Empty));
                return fields;
            }
        }
    }
}
