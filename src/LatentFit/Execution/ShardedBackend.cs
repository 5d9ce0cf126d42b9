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

        int shards = Math.Min(Shards, count);
        var messages = new byte[shards][];
        try
        {
            // The shards run side by side on the threads (one each), as they would on machines of their own.
            System.Threading.Tasks.Parallel.For(0, shards, new ParallelOptions { MaxDegreeOfParallelism = threads }, shard =>
            {
                messages[shard] = RunShard(data, partition, first, count, shard, shards, create, work);
            });
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }

        // The coordinator: block b is the (b / S)-th flat form in shard (b mod S)'s message; merged in block order,
        // group by group (ExecutionBackends.MergeInOrder).
        TAccumulator? partial = default, group = default;
        var read = new int[shards];
        for (int b = 0; b < count; b++)
        {
            var message = messages[b % shards];
            ref int at = ref read[b % shards];
            int length = BitConverter.ToInt32(message, at);
            var flat = MemoryMarshal.Cast<byte, double>(message.AsSpan(at + sizeof(double), length * sizeof(double)));
            at += (1 + length) * sizeof(double);
            if (b == 0)
            {
                total.ReadFlat(flat);
            }
            else
            {
                partial ??= create();
                partial.ReadFlat(flat);
                ExecutionBackends.MergeInOrder(partition, first, first + b, ref total, ref group, ref partial);
            }
        }

        ExecutionBackends.EndGroup(ref total, group);
        return total;
    }

    /// <summary>
    /// One shard's message: the flat forms of its blocks (first + shard, first + shard + S, …), one after another, as
    /// bytes, each after its length (8 bytes, so the doubles stay aligned): a table of the values seen in a block has
    /// as many entries as the block has distinct values.
    /// </summary>
    private static byte[] RunShard<TAccumulator>(DataSet data, BlockPartition partition, int first, int count, int shard, int shards, Func<TAccumulator> create, BlockWork<TAccumulator> work)
        where TAccumulator : IAdditive<TAccumulator>
    {
        int mine = (count - shard + shards - 1) / shards;
        var flats = new double[mine][];
        var accumulator = create();
        for (int i = 0; i < mine; i++)
        {
            int block = first + shard + i * shards;
            accumulator.Clear();
            work(block, ExecutionBackends.Rows(data, partition, block), accumulator);
            flats[i] = new double[accumulator.FlatLength];
            accumulator.WriteFlat(flats[i]);
        }

        var message = new byte[flats.Sum(flat => (1 + flat.Length) * sizeof(double))];
        int at = 0;
        foreach (var flat in flats)
        {
            BitConverter.TryWriteBytes(message.AsSpan(at), flat.Length);
            MemoryMarshal.AsBytes(flat.AsSpan()).CopyTo(message.AsSpan(at + sizeof(double)));
            at += (1 + flat.Length) * sizeof(double);
        }

        return message;
    }
}
