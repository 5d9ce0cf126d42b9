namespace LatentFit.Data;

/// <summary>The part a source column plays in a data set.</summary>
public enum ColumnRole
{
    /// <summary>Observed values that a model describes (the columns of <see cref="DataSet.ColumnNames"/>).</summary>
    Value,

    /// <summary>The response of a regression model.</summary>
    Response,

    /// <summary>A predictor (covariate) of a regression model.</summary>
    Predictor,

    /// <summary>Per-row frequency weights: a row stands for that many identical observations (<see cref="DataSet.RowWeights"/>).</summary>
    FrequencyWeight,

    /// <summary>Sequence ids: consecutive rows with the same id form one sequence (<see cref="DataSet.SequenceStarts"/>).</summary>
    SequenceId,
}

/// <summary>A column of the source (a CSV file) and the part it plays.</summary>
/// <param name="Name">The column's name in the source.</param>
/// <param name="SourceIndex">Its 0-based position in the source (a CSV field index).</param>
/// <param name="Role">What it is read as.</param>
public readonly record struct SourceColumn(string Name, int SourceIndex, ColumnRole Role);

/// <summary>A cell of a data set, and where it came from.</summary>
/// <param name="Row">0-based row of the data set.</param>
/// <param name="Column">0-based value column of the data set.</param>
/// <param name="Line">1-based line of the source file (the header is line 1), or null when the data did not come from a file.</param>
public readonly record struct DataCell(int Row, int Column, int? Line);

/// <summary>
/// What a <see cref="DataSet"/> carries besides its values: sequence boundaries, the missing cells, and the roles of
/// the source columns. Every member is optional: by default the rows are independent, no cell is missing, and the
/// value columns are the source's columns in order.
/// </summary>
public sealed record DataSetLayout
{
    /// <summary>First row of each sequence, strictly increasing from 0; null or empty when the rows are independent.</summary>
    public int[]? SequenceStarts { get; init; }

    /// <summary>
    /// First row of each shard, strictly increasing from 0 and each a sequence start where there are sequences, for data
    /// read from shards on disk; null or empty for data held in one piece. The block partition cuts each shard on its
    /// own and the backends reduce shard by shard (<see cref="BlockPartition.GroupStarts"/>), so that a machine holding
    /// one shard can compute its part alone and the result does not depend on where it ran.
    /// </summary>
    public int[]? ShardStarts { get; init; }

    /// <summary>The id of each sequence as the source wrote it, one per entry of <see cref="SequenceStarts"/>; null when unknown (ids are for output only).</summary>
    public string[]? SequenceIds { get; init; }

    /// <summary>Row-major N × D flags of the missing cells (whose values are NaN); null when no cell is missing.</summary>
    public bool[]? MissingCells { get; init; }

    /// <summary>The source line of the first missing cell (in row-major order), for messages; null when unknown.</summary>
    public int? FirstMissingLine { get; init; }

    /// <summary>
    /// Per value column, the labels of a categorical column (whose values are the codes 0 … C − 1 of these labels, in
    /// this order) or null for a numeric column; null when every column is numeric. See <see cref="DataSet.Categories"/>.
    /// </summary>
    public IReadOnlyList<string>?[]? Categories { get; init; }

    /// <summary>The source columns that were read and their roles; null: the value columns at source positions 0 … D − 1.</summary>
    public IReadOnlyList<SourceColumn>? SourceColumns { get; init; }
}
