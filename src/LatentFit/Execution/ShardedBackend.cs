using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using LatentFit.Data;
using LatentFit.Numerics;

namespace LatentFit.Execution;

/// <summary>
/// Runs the blocks as a cluster would, in this process: the blocks are dealt to shards (block b to shard b mod S),
/// each shard computes its blocks' accumulators and writes each in its flat form to the shard's byte buffer (the
/// message it would send), and the coordinator reads the blocks back from the buffers and merges them in block order.
/// It gives the <see cref="LocalBackend"/>'s bits whenever the flat form holds everything an accumulator is, which is
/// what a remote backend needs; the tests compare the two.
/// </summary>
/// <remarks>
/// It holds every block's flat form at once (the messages of all shards), which a proof of the wire can afford; a
/// remote coordinator would merge messages as they arrive, in block order.
/// </remarks>
public sealed class ShardedBackend : IExecutionBackend
{
    /// <summary>The command line's name for it.</summary>
    public const string BackendName = "sharded";

    /// <summary>Shards when none are asked for: not a divisor of common block counts, so shards hold unequal numbers of blocks.</summary>
    public const int DefaultShards = 3;

    /// <summary>A backend with <paramref name="shards"/> shards.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 1.</exception>
    public ShardedBackend(int shards = DefaultShards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        Shards = shards;
    }

    /// <summary>Number of shards.</summary>
    public int Shards { get; }

    /// <inheritdoc/>
    public string Name => BackendName;

    /// <inheritdoc/>
    public TAccumulator Reduce<TAccumulator>(DataSet data, BlockPartition partition, Range blocks, int threads, Func<TAccumulator> create, BlockWork<TAccumulator> work)
        where TAccumulator : IAdditive<TAccumulator>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var (first, count) = ExecutionBackends.Resolve(data, partition, blocks);
        var total = create();
        if (count == 0)
        {
            return total;
        }

        int shards = Math.Min(Shards, count), length = total.FlatLength;
        var messages = new byte[shards][];
        try
        {
            // The shards run side by side on the threads (one each), as they would on machines of their own.
            System.Threading.Tasks.Parallel.For(0, shards, new ParallelOptions { MaxDegreeOfParallelism = threads }, shard =>
            {
                messages[shard] = RunShard(data, partition, first, count, shard, shards, length, create, work);
            });
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }

        // The coordinator: block b is the (b / S)-th flat form in shard (b mod S)'s message; merged in block order.
        var partial = count > 1 ? create() : default;
        for (int b = 0; b < count; b++)
        {
            var flat = MemoryMarshal.Cast<byte, double>(messages[b % shards].AsSpan((b / shards) * length * sizeof(double), length * sizeof(double)));
            if (b == 0)
            {
                total.ReadFlat(flat);
            }
            else
            {
                partial!.ReadFlat(flat);
                total.Add(partial);
            }
        }

        return total;
    }

    /// <summary>One shard's message: the flat forms of its blocks (first + shard, first + shard + S, …), one after another, as bytes.</summary>
    private static byte[] RunShard<TAccumulator>(DataSet data, BlockPartition partition, int first, int count, int shard, int shards, int length, Func<TAccumulator> create, BlockWork<TAccumulator> work)
        where TAccumulator : IAdditive<TAccumulator>
    {
        int mine = (count - shard + shards - 1) / shards;
        var message = new byte[mine * length * sizeof(double)];
        var accumulator = create();
        for (int i = 0; i < mine; i++)
        {
            int block = first + shard + i * shards;
            accumulator.Clear();
            work(block, ExecutionBackends.Rows(data, partition, block), accumulator);
            if (accumulator.FlatLength != length)
            {
                throw new InvalidOperationException($"block {block}'s accumulator has a flat form of {accumulator.FlatLength} values, not the {length} of its shape");
            }

            accumulator.WriteFlat(MemoryMarshal.Cast<byte, double>(message.AsSpan(i * length * sizeof(double), length * sizeof(double))));
        }

        return message;
    }
}
