namespace LatentFit.Execution;

/// <summary>How the E-step is run over the data.</summary>
/// <param name="Threads">Maximum number of threads (at least 1); results do not depend on it.</param>
/// <param name="ChunkRows">Rows per chunk (at least 1). Chunk boundaries, and the order in which chunk statistics are merged, depend only on this, so results are bit-identical for any thread count.</param>
public sealed record ExecutionOptions(int Threads, int ChunkRows = 4096)
{
    /// <summary>Maximum number of threads, at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int Threads { get; init; } = Threads >= 1 ? Threads : throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be at least 1");

    /// <summary>Rows per chunk, at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int ChunkRows { get; init; } = ChunkRows >= 1 ? ChunkRows : throw new ArgumentOutOfRangeException(nameof(ChunkRows), ChunkRows, "must be at least 1");

    /// <summary>All cores, 4,096-row chunks.</summary>
    public static ExecutionOptions Default { get; } = new(Environment.ProcessorCount);
}
