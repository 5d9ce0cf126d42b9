namespace LatentFit.Execution;

/// <summary>How the E-step is run over the data.</summary>
/// <param name="Threads">Maximum number of threads; results do not depend on it.</param>
/// <param name="ChunkRows">Rows per chunk. Chunk boundaries, and the order in which chunk statistics are merged, depend only on this, so results are bit-identical for any thread count.</param>
public sealed record ExecutionOptions(int Threads, int ChunkRows = 4096)
{
    /// <summary>All cores, 4,096-row chunks.</summary>
    public static ExecutionOptions Default { get; } = new(Environment.ProcessorCount);
}
