namespace LatentFit.Execution;

/// <summary>How the passes over the data are run.</summary>
/// <param name="Threads">Maximum number of threads (at least 1); results do not depend on it.</param>
/// <param name="ChunkRows">Rows per block (at least 1). Block boundaries, and the order in which block statistics are merged, depend only on this, so results are bit-identical for any thread count and backend.</param>
public sealed record ExecutionOptions(int Threads, int ChunkRows = 4096)
{
    /// <summary>Maximum number of threads, at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int Threads { get; init; } = Threads >= 1 ? Threads : throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be at least 1");

    /// <summary>Rows per block, at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int ChunkRows { get; init; } = ChunkRows >= 1 ? ChunkRows : throw new ArgumentOutOfRangeException(nameof(ChunkRows), ChunkRows, "must be at least 1");

    /// <summary>Where the passes run; the <see cref="LocalBackend"/> unless set. Results do not depend on it.</summary>
    public IExecutionBackend Backend { get; init; } = LocalBackend.Instance;

    /// <summary>The blocks of <see cref="ChunkRows"/> rows (never splitting a sequence) that every pass over <paramref name="data"/> uses.</summary>
    public LatentFit.Data.BlockPartition Partition(LatentFit.Data.DataSet data) => data.Partition(ChunkRows);

    /// <summary>All cores, 4,096-row blocks, the local backend.</summary>
    public static ExecutionOptions Default { get; } = new(Environment.ProcessorCount);
}
