using LatentFit.Models.Abstractions;

namespace LatentFit.Distributed;

/// <summary>
/// One E-step on one shard: what rebuilds the model, θ and the empty statistics in their flat forms, and which of the
/// shard's blocks to run. Everything a silo needs crosses with the call, so a call can be repeated, or answered by a
/// fresh activation on another silo, with the same result (the grain holds only its rows and a cache of the last
/// model it rebuilt).
/// </summary>
/// <param name="Kind">The model's kind (<see cref="ModelRecipe.Kind"/>).</param>
/// <param name="Settings">The model's settings as JSON (<see cref="ModelRecipe.Settings"/>).</param>
/// <param name="Theta">θ's exact flat form (<see cref="IPortableModel{TParams}.WriteParameters"/>).</param>
/// <param name="EmptyStatistics">The flat form of the empty statistics each block starts from (it carries the coordinates of anchored statistics).</param>
/// <param name="FirstBlock">The first block to run, counted within the shard.</param>
/// <param name="BlockCount">How many consecutive blocks to run.</param>
/// <param name="TargetRows">Rows per block (the partition's target).</param>
/// <param name="ShardRows">The rows the coordinator counts in this shard; a silo whose shard has other rows refuses the call.</param>
/// <param name="ShardBlocks">The blocks the coordinator counts in this shard; likewise checked.</param>
/// <param name="Threads">Threads the silo may use for the call (it uses at most its processor count).</param>
[GenerateSerializer]
[Immutable]
public sealed record EStepRequest(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Settings,
    [property: Id(2)] double[] Theta,
    [property: Id(3)] double[] EmptyStatistics,
    [property: Id(4)] int FirstBlock,
    [property: Id(5)] int BlockCount,
    [property: Id(6)] int TargetRows,
    [property: Id(7)] int ShardRows,
    [property: Id(8)] int ShardBlocks,
    [property: Id(9)] int Threads)
{
    /// <summary>The recipe the request carries.</summary>
    public ModelRecipe Recipe => new(Kind, Settings);
}

/// <summary>A shard on the silo is not the shard the coordinator sees (other rows, other blocks): the silos read another directory, or the data changed. Not retried.</summary>
[GenerateSerializer]
public sealed class ShardDataMismatchException : Exception
{
    /// <summary>An exception with <paramref name="message"/>.</summary>
    public ShardDataMismatchException(string message)
        : base(message)
    {
    }
}
