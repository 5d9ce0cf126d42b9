using LatentFit.Data;
using LatentFit.Data.Shards;
using LatentFit.Execution;
using LatentFit.Fitting;
using LatentFit.Models.Abstractions;

namespace LatentFit.Distributed;

/// <summary>
/// Reads shard k of the directory the coordinator names (the grain's key), or of a fixed directory when the silo was
/// given one (where the shared directory is mounted at another path on this machine).
/// </summary>
/// <param name="directory">The directory to read whatever the coordinator names; null to read the named one.</param>
public sealed class DirectoryShardSource(string? directory = null) : IShardSource
{
    /// <inheritdoc/>
    /// <remarks>The shard file is memory-mapped and checked against its checksum (<see cref="ShardedData.OpenShard"/>).</remarks>
    public DataSet Load(string named, int shard) => ShardedData.OpenShard(directory ?? named, shard);
}

/// <summary>Rebuilds models through the library's catalog of portable models (<see cref="PortableModels.Rebuild"/>).</summary>
public sealed class CatalogModelRebuilder : IModelRebuilder
{
    /// <inheritdoc/>
    public IPortableEStep Rebuild(ModelRecipe recipe) => PortableModels.Rebuild(recipe);
}
