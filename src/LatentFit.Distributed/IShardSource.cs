using LatentFit.Data;
using LatentFit.Execution;

namespace LatentFit.Distributed;

/// <summary>Where a silo finds the rows of a shard: the shard grain asks once, when it is activated.</summary>
public interface IShardSource
{
    /// <summary>
    /// The rows of shard <paramref name="shard"/> of the data sharded in <paramref name="directory"/>, alone (no
    /// shard starts): its partition into blocks of t rows is the whole data set's group <paramref name="shard"/>.
    /// </summary>
    DataSet Load(string directory, int shard);
}

/// <summary>Rebuilds, on a silo, the E-step of the model a recipe describes.</summary>
public interface IModelRebuilder
{
    /// <summary>The E-step of the model <paramref name="recipe"/> describes.</summary>
    /// <exception cref="ArgumentException">No model of that kind, or settings it does not take.</exception>
    IPortableEStep Rebuild(LatentFit.Models.Abstractions.ModelRecipe recipe);
}
