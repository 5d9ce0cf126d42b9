namespace LatentFit.Data;

/// <summary>
/// Bad input: a data or parameter file that is missing or malformed. The message is complete and names the
/// file, and the line and column where they apply (<c>data.csv:5: column 2 ("waiting"): …</c>).
/// </summary>
public sealed class DataFormatException : Exception, ISettingAdvice
{
    /// <summary>An error in <paramref name="source"/>, at a line and column where they apply.</summary>
    public DataFormatException(string message, string source, int? line = null, int? column = null, string? columnName = null)
        : base(message)
    {
        DataSource = source;
        Line = line;
        Column = column;
        ColumnName = columnName;
    }

    /// <summary>The file path or data set name.</summary>
    public string DataSource { get; }

    /// <summary>1-based physical line in the file (the header is line 1), where it applies.</summary>
    public int? Line { get; }

    /// <summary>1-based column (field) index, where it applies.</summary>
    public int? Column { get; }

    /// <summary>The column's name from the header, where it applies.</summary>
    public string? ColumnName { get; }

    /// <inheritdoc/>
    public IReadOnlyList<FitSetting> Settings { get; init; } = [];
}
