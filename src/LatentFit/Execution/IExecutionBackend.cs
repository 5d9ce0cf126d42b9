using LatentFit.Data;
using LatentFit.Numerics;

namespace LatentFit.Execution;

/// <summary>The work of a pass on one block: adds what block <paramref name="block"/> of the partition (rows <paramref name="rows"/>) contributes to <paramref name="into"/>.</summary>
/// <typeparam name="TAccumulator">What the pass accumulates.</typeparam>
/// <param name="block">Index of the block in the partition.</param>
/// <param name="rows">The block's rows.</param>
/// <param name="into">An accumulator that is empty (fresh or cleared) when the work starts.</param>
public delegate void BlockWork<in TAccumulator>(int block, DataBlock rows, TAccumulator into);

/// <summary>
/// Where the passes over the data run. Every pass (E-step statistics and ℓ, the observed information, the
/// diagnostics' passes, the k-means passes of the start) is one block reduction: for each block of a
/// <see cref="BlockPartition"/>, an empty accumulator, the pass's work on the block's rows, and the blocks'
/// accumulators merged by <see cref="IAdditive{TSelf}.Add"/> in block order, as total = a₀, then total.Add(a₁), total.Add(a₂), ….
/// That order is fixed by the partition alone, so every backend, thread count and shard count gives the same bits.
/// </summary>
/// <remarks>
/// A backend knows accumulators (their addition and flat form) and data blocks, never a model: the work is the
/// model's business. Work may also write per-row results to arrays indexed by row (k-means assignments); each block
/// writes only its own rows, so those too do not depend on the backend. See docs/execution.md.
/// </remarks>
public interface IExecutionBackend
{
    /// <summary>The name the command line selects the backend by.</summary>
    string Name { get; }

    /// <summary>
    /// Runs <paramref name="work"/> on blocks <paramref name="blocks"/> of <paramref name="partition"/> (all of them
    /// with <see cref="Range.All"/>) and returns their accumulators merged in block order; an empty accumulator when the
    /// range is empty.
    /// </summary>
    /// <param name="data">The data the partition cuts.</param>
    /// <param name="partition">The blocks.</param>
    /// <param name="blocks">The range of block indices to run (incremental EM replaces one block's statistics at a time).</param>
    /// <param name="threads">Threads the backend may use in this process (at least 1).</param>
    /// <param name="create">Makes an empty accumulator; all it makes have the same shape.</param>
    /// <param name="work">The pass's work on one block.</param>
    /// <typeparam name="TAccumulator">What the pass accumulates.</typeparam>
    /// <exception cref="ArgumentException">The partition does not cut <paramref name="data"/>'s rows.</exception>
    TAccumulator Reduce<TAccumulator>(DataSet data, BlockPartition partition, Range blocks, int threads, Func<TAccumulator> create, BlockWork<TAccumulator> work)
        where TAccumulator : IAdditive<TAccumulator>;
}

/// <summary>The backends the command line offers, by name.</summary>
public static class ExecutionBackends
{
    /// <summary>The names, in the order help lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [LocalBackend.BackendName, ShardedBackend.BackendName];

    /// <summary>The backend called <paramref name="name"/>, with <paramref name="shards"/> shards where it has shards; false for an unknown name.</summary>
    public static bool TryCreate(string name, int shards, out IExecutionBackend backend)
    {
        backend = name switch
        {
            LocalBackend.BackendName => LocalBackend.Instance,
            ShardedBackend.BackendName => new ShardedBackend(shards),
            _ => null!,
        };
        return backend is not null;
    }

    /// <summary>The offset and length of <paramref name="blocks"/> in <paramref name="partition"/>, after checking that the partition cuts the data.</summary>
    internal static (int First, int Count) Resolve(DataSet data, BlockPartition partition, Range blocks)
    {
        if (partition.Rows != data.Rows)
        {
            throw new ArgumentException($"the partition cuts {partition.Rows} rows, but the data have {data.Rows}", nameof(partition));
        }

        return blocks.GetOffsetAndLength(partition.Count);
    }

    /// <summary>
    /// Merges block <paramref name="block"/>'s accumulator (<paramref name="merged"/>; blocks come in block order, the
    /// range's first, <paramref name="first"/>, already in <paramref name="total"/>) as the partition's groups require: a
    /// block of the first group is added to <paramref name="total"/>; a block that starts a later group becomes that
    /// group's total (<paramref name="group"/>, after the previous group's total is added to <paramref name="total"/>)
    /// and <paramref name="merged"/> is set to null, since the group now owns it; any other block is added to its group's
    /// total. With one group this is total = a₀ + a₁ + … in block order; with several, (a₀ + … ) + (aᵢ + …) + …, the
    /// sums a machine holding each group would send. <see cref="EndGroup"/> adds the last group.
    /// </summary>
    internal static void MergeInOrder<TAccumulator>(BlockPartition partition, int first, int block, ref TAccumulator total, ref TAccumulator? group, ref TAccumulator? merged)
        where TAccumulator : IAdditive<TAccumulator>
    {
        int groupOf = partition.GroupCount > 1 ? partition.GroupOf(block) : 0;
        if (groupOf == 0 || partition.GroupOf(first) == groupOf)
        {
            total.Add(merged!);
        }
        else if (partition.GroupStarts[groupOf] == block)
        {
            EndGroup(ref total, group);
            group = merged;
            merged = default;
        }
        else
        {
            group!.Add(merged!);
        }
    }

    /// <summary>Adds the group in progress (if any, see <see cref="MergeInOrder"/>) to <paramref name="total"/>.</summary>
    internal static void EndGroup<TAccumulator>(ref TAccumulator total, TAccumulator? group)
        where TAccumulator : IAdditive<TAccumulator>
    {
        if (group is not null)
        {
            total.Add(group);
        }
    }

    /// <summary>The rows of block <paramref name="block"/>.</summary>
    internal static DataBlock Rows(DataSet data, BlockPartition partition, int block)
    {
        var range = partition[block];
        return data.Block(range.Start, range.Count);
    }
}
