namespace LatentFit.Distributed;

/// <summary>
/// A shard of a data set on disk, held by one silo: keyed by the shard index (the integer key, which placement reads:
/// shard k goes to live silo k mod n) and the shard directory (the key extension, as the path the silos read). It
/// loads its rows when activated and holds no optimiser state, so a repeated call, or one answered by a second
/// activation, returns the same statistics.
/// </summary>
[Alias("LatentFit.IShardGrain")]
public interface IShardGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>The flat statistics of <paramref name="request"/>'s blocks of this shard at its θ, merged in block order.</summary>
    [Alias("EStep")]
    Task<double[]> EStep(EStepRequest request);
}
