using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace LatentFit.Data;

/// <summary>
/// Reads a Parquet file into a <see cref="DataSet"/>, with the CSV reader's rules for columns and their roles
/// (<see cref="CsvDataReader"/>): the same <c>columns</c>, <c>weightsColumn</c>, <c>sequenceColumn</c> and
/// <c>categoricalColumns</c>, the same data set for the same data, and errors that name the file, the row (1-based,
/// counting the data rows of all row groups) and the column: <c>data.parquet: row 5, column 2 ("waiting"): …</c>.
/// </summary>
/// <remarks>
/// The top-level columns play the part of the CSV header. Numeric columns (int8 to int64, unsigned too, float and
/// double) are read as numbers, converted to double (exactly, except integers beyond 2⁵³, which round as a CSV
/// reader's parse of them would); a null in a nullable column is a missing cell. NaN and ±Inf are refused, as in CSV. A
/// string column is read only as a categorical column or as sequence ids: its value, trimmed, is the label or id, and
/// a null, an empty string, <c>NA</c> or <c>N/A</c> is missing as a CSV field would be. A numeric column read as
/// categories or as sequence ids takes its numbers' invariant text as labels, a Boolean column True and False. Other types (decimals,
/// dates, nested and repeated columns) are refused when a role selects them. Weights cannot be missing, negative or
/// text. Values are held in the precision asked for, as the CSV reader holds them.
/// </remarks>
public static class ParquetDataReader
{
    /// <summary>The file extension that <see cref="DataSource.Load"/> reads as Parquet.</summary>
    public const string Extension = ".parquet";

    /// <summary>Reads <paramref name="path"/>; the parameters are <see cref="CsvDataReader.ReadFile"/>'s.</summary>
    /// <exception cref="DataFormatException">The file is missing or not Parquet, a column asked for is unknown or of a type that cannot play its role, or a cell is not valid for its role.</exception>
    /// <param name="path">The file.</param>
    /// <param name="columns">Columns to use, by name, or null (all but the weights and sequence columns).</param>
    /// <param name="weightsColumn">The weights column, or null.</param>
    /// <param name="precision">How the values are held.</param>
    /// <param name="progress">Told the fraction of the rows read (0 to 1) after each row group.</param>
    /// <param name="sequenceColumn">The sequence-id column, or null.</param>
    /// <param name="categoricalColumns">Value columns to read as categories, by name, or <see cref="CsvDataReader.EveryValueColumn"/>, or null.</param>
    public static DataSet ReadFile(string path, IReadOnlyList<string>? columns = null, string? weightsColumn = null, Precision precision = Precision.Double, IProgress<double>? progress = null, string? sequenceColumn = null, IReadOnlyList<string>? categoricalColumns = null)
    {
        if (Directory.Exists(path))
        {
            throw new DataFormatException($"{path}: is a directory, not a Parquet file", path);
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found", path);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        ParquetReader reader;
        try
        {
            reader = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is IOException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw new DataFormatException($"{path}: not a Parquet file that can be read ({error.Message})", path);
        }

        try
        {
            return Read(reader, path, new CsvColumnRoles(columns, weightsColumn, sequenceColumn, categoricalColumns), precision, progress);
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static DataSet Read(ParquetReader reader, string source, CsvColumnRoles roles, Precision precision, IProgress<double>? progress)
    {
        var fields = reader.Schema.Fields;
        var header = fields.Select(field => field.Name).ToList();
        CsvDataSetBuilder.ValidateHeader(header, source, 1);
        var layout = CsvLayout.Of(header, ',', 1, source, roles);
        var kinds = new ColumnKind[header.Count];
        for (int s = 0; s < layout.Selected.Length; s++)
        {
            kinds[layout.Selected[s]] = Kind(fields, layout.Selected[s], layout.Categorical[s] ? Role.Categorical : Role.Value, source);
        }

        if (layout.WeightIndex >= 0)
        {
            kinds[layout.WeightIndex] = Kind(fields, layout.WeightIndex, Role.Weight, source);
        }

        if (layout.SequenceIndex >= 0)
        {
            kinds[layout.SequenceIndex] = Kind(fields, layout.SequenceIndex, Role.Sequence, source);
        }

        long totalRows = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            totalRows += group.RowCount;
        }

        if (totalRows > int.MaxValue)
        {
            throw new DataFormatException($"{source}: {totalRows} rows are more than a data set holds ({int.MaxValue})", source);
        }

        var builder = new CsvDataSetBuilder(layout, source, (int)Math.Min(totalRows + 1, int.MaxValue), precision) { LinesAreRows = true };
        int dimension = layout.Selected.Length;
        var values = new double[dimension];
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int rows = checked((int)group.RowCount);
            var cells = new Column?[header.Count];
            foreach (int index in layout.Selected.Append(layout.WeightIndex).Append(layout.SequenceIndex).Where(index => index >= 0))
            {
                cells[index] ??= ReadColumn(group, (DataField)fields[index], kinds[index], rows);
            }

            for (int r = 0; r < rows; r++)
            {
                int row = builder.Rows + 1;
                if (layout.SequenceIndex >= 0)
                {
                    NextSequence(builder, cells[layout.SequenceIndex]!, r, row, layout.SequenceIndex, source, header);
                }

                for (int s = 0; s < dimension; s++)
                {
                    int index = layout.Selected[s];
                    var column = cells[index]!;
                    if (layout.Categorical[s])
                    {
                        string? label = column.Text(r)?.Trim();
                        if (label is null || CsvTokenizer.IsMissing(label))
                        {
                            builder.MarkMissing(builder.Rows * dimension + s, row);
                            values[s] = double.NaN;
                        }
                        else
                        {
                            values[s] = builder.CategoryCode(label, s);
                        }

                        continue;
                    }

                    if (column.Numbers![r] is not { } value)
                    {
                        builder.MarkMissing(builder.Rows * dimension + s, row);
                        values[s] = double.NaN;
                        continue;
                    }

                    values[s] = double.IsFinite(value) ? value : throw NonFinite(source, row, index, header[index], value);
                }

                double weight = 1;
                if (layout.WeightIndex >= 0)
                {
                    int index = layout.WeightIndex;
                    weight = cells[index]!.Numbers![r] ?? throw Error(source, row, index, header[index], "missing weight (null); every row needs a weight in this column");
                    if (!double.IsFinite(weight))
                    {
                        throw NonFinite(source, row, index, header[index], weight);
                    }

                    if (weight < 0)
                    {
                        throw Error(source, row, index, header[index], $"weight {weight.ToString(CultureInfo.InvariantCulture)} is negative; weights count observations");
                    }
                }

                builder.AddReadRow(values, weight, row);
            }

            progress?.Report(totalRows == 0 ? 1 : (double)builder.Rows / totalRows);
        }

        if (builder.Rows == 0)
        {
            throw new DataFormatException($"{source}: no data rows", source);
        }

        return builder.Finish();
    }

    private static void NextSequence(CsvDataSetBuilder builder, Column column, int r, int row, int index, string source, List<string> header)
    {
        string? id = column.Text(r)?.Trim();
        if (id is null || CsvTokenizer.IsMissing(id))
        {
            throw Error(source, row, index, header[index], $"missing sequence id{(id is null ? " (null)" : $" \"{id}\"")}; every row needs one");
        }

        if (!builder.TryNextSequence(id, row, out int firstRow))
        {
            throw Error(source, row, index, header[index], $"sequence \"{id}\" (first seen on row {firstRow}) appears again after another sequence's rows; the rows of a sequence must be consecutive (sort the file by this column, keeping the order within each sequence)");
        }
    }

    /// <summary>What role a column plays, for the type check.</summary>
    private enum Role
    {
        Value,
        Categorical,
        Weight,
        Sequence,
    }

    /// <summary>How a column's cells are read.</summary>
    private enum ColumnKind
    {
        Number,
        Text,

        /// <summary>Booleans, read as the labels True and False (as .NET and pandas write them to CSV).</summary>
        Boolean,
    }

    /// <summary>The column's kind, after checking that its type can play <paramref name="role"/>.</summary>
    /// <exception cref="DataFormatException">It cannot: nested, repeated, text where numbers are needed, or another type.</exception>
    private static ColumnKind Kind(IReadOnlyList<Field> fields, int index, Role role, string source)
    {
        var field = fields[index];
        string what = role switch
        {
            Role.Weight => "weights",
            Role.Sequence => "sequence ids",
            Role.Categorical => "categories",
            _ => "values",
        };
        if (field is not DataField data || data.IsArray)
        {
            throw ColumnError(source, index, field.Name, $"is a nested or repeated column ({field.SchemaType}); only flat columns are read as {what}");
        }

        // Parquet.Net reports a string column's type as ReadOnlyMemory<char> when it reads a file's schema.
        if (data.ClrType == typeof(string) || data.ClrType == typeof(ReadOnlyMemory<char>))
        {
            return role switch
            {
                Role.Categorical or Role.Sequence => ColumnKind.Text,
                Role.Weight => throw ColumnError(source, index, field.Name, "holds text (a string column), not numbers; weights must be numbers"),
                _ => throw ColumnError(source, index, field.Name, $"holds text (a string column), not numbers (select the numeric columns, or read this one as categories)"),
            };
        }

        if (NumberTypes.Contains(data.ClrType))
        {
            return ColumnKind.Number;
        }

        if (data.ClrType == typeof(bool) && role is Role.Categorical or Role.Sequence)
        {
            return ColumnKind.Boolean;
        }

        throw ColumnError(source, index, field.Name, $"has Parquet type {data.ClrType.Name}, which is not read as {what}; numbers are int8 to int64 (signed or not), float or double, and categories and sequence ids are strings, numbers or Booleans");
    }

    private static readonly HashSet<Type> NumberTypes =
        [typeof(double), typeof(float), typeof(long), typeof(int), typeof(short), typeof(sbyte), typeof(ulong), typeof(uint), typeof(ushort), typeof(byte)];

    /// <summary>One row group's cells of a column: numbers (null where missing) or text (null where null).</summary>
    private sealed class Column(double?[]? numbers, string?[]? texts)
    {
        public double?[]? Numbers { get; } = numbers;

        /// <summary>Cell <paramref name="r"/> as text: a string as it is, a number in invariant notation; null where null.</summary>
        public string? Text(int r) => texts is not null ? texts[r] : Numbers![r]?.ToString(CultureInfo.InvariantCulture);
    }

    private static Column ReadColumn(ParquetRowGroupReader group, DataField field, ColumnKind kind, int rows)
    {
        if (kind == ColumnKind.Text)
        {
            var texts = new string?[rows];
            group.ReadAsync(field, texts.AsMemory()!).GetAwaiter().GetResult();
            return new Column(null, texts);
        }

        if (kind == ColumnKind.Boolean)
        {
            var flags = new bool?[rows];
            if (field.IsNullable)
            {
                group.ReadAsync<bool>(field, flags.AsMemory()).GetAwaiter().GetResult();
            }
            else
            {
                var cells = new bool[rows];
                group.ReadAsync<bool>(field, cells.AsMemory()).GetAwaiter().GetResult();
                for (int r = 0; r < rows; r++)
                {
                    flags[r] = cells[r];
                }
            }

            return new Column(null, [.. flags.Select(flag => flag?.ToString())]);
        }

        var type = field.ClrType;
        return new Column(
            type == typeof(double) ? Numbers<double>(group, field, rows, v => v)
            : type == typeof(float) ? Numbers<float>(group, field, rows, v => v)
            : type == typeof(long) ? Numbers<long>(group, field, rows, v => v)
            : type == typeof(int) ? Numbers<int>(group, field, rows, v => v)
            : type == typeof(short) ? Numbers<short>(group, field, rows, v => v)
            : type == typeof(sbyte) ? Numbers<sbyte>(group, field, rows, v => v)
            : type == typeof(ulong) ? Numbers<ulong>(group, field, rows, v => v)
            : type == typeof(uint) ? Numbers<uint>(group, field, rows, v => v)
            : type == typeof(ushort) ? Numbers<ushort>(group, field, rows, v => v)
            : Numbers<byte>(group, field, rows, v => v),
            null);
    }

    private static double?[] Numbers<T>(ParquetRowGroupReader group, DataField field, int rows, Func<T, double> toDouble)
        where T : struct
    {
        var numbers = new double?[rows];
        if (field.IsNullable)
        {
            var cells = new T?[rows];
            group.ReadAsync<T>(field, cells.AsMemory()).GetAwaiter().GetResult();
            for (int r = 0; r < rows; r++)
            {
                numbers[r] = cells[r] is { } value ? toDouble(value) : null;
            }
        }
        else
        {
            var cells = new T[rows];
            group.ReadAsync<T>(field, cells.AsMemory()).GetAwaiter().GetResult();
            for (int r = 0; r < rows; r++)
            {
                numbers[r] = toDouble(cells[r]);
            }
        }

        return numbers;
    }

    private static DataFormatException Error(string source, int row, int index, string name, string what) =>
        new($"{source}: row {row}, column {index + 1} (\"{name}\"): {what}", source, null, index + 1, name);

    private static DataFormatException NonFinite(string source, int row, int index, string name, double value) =>
        Error(source, row, index, name, $"non-finite value {value.ToString(CultureInfo.InvariantCulture)}; non-finite values (NaN, Inf) are not allowed");

    private static DataFormatException ColumnError(string source, int index, string name, string what) =>
        new($"{source}: column {index + 1} (\"{name}\") {what}", source, null, index + 1, name) { Settings = [FitSetting.Columns] };
}
