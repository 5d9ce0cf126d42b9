using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace LatentFit.Distributed;

/// <summary>Places shard k on live silo k mod n, the silos ordered by address (see <see cref="ShardPlacementDirector"/>).</summary>
[GenerateSerializer]
[Immutable]
[SuppressReferenceTracking]
public sealed class ShardPlacementStrategy : PlacementStrategy
{
}

/// <summary>Marks a grain class keyed by a shard index for <see cref="ShardPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute() : PlacementAttribute(new ShardPlacementStrategy())
{
}

/// <summary>
/// Shard k (the grain's integer key) on silo k mod n of the n compatible silos ordered by address, so that every silo
/// that places a shard chooses the same one, the shards spread evenly (8 shards on 3 silos: 3, 3, 2), and, when a silo
/// dies, its shards move to the silos the same rule picks among those left. Where the result is computed does not
/// change it: every shard's statistics come back to the coordinator and are merged in shard order.
/// </summary>
public sealed class ShardPlacementDirector : IPlacementDirector
{
    /// <inheritdoc/>
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
        {
            throw new InvalidOperationException($"no live silo can hold {target.GrainIdentity}");
        }

        Array.Sort(silos);
        long shard = target.GrainIdentity.GetIntegerKey(out _);
        return Task.FromResult(silos[(int)(shard % silos.Length)]);
    }
}
