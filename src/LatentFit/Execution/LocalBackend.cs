using System.Runtime.ExceptionServices;
using LatentFit.Data;
using LatentFit.Numerics;

namespace LatentFit.Execution;

/// <summary>
/// Runs the blocks on this machine's cores: workers take blocks in order from one counter and merge each block's
/// accumulator into the total as soon as its turn comes (see <see cref="IExecutionBackend"/> for the order).
/// </summary>
public sealed class LocalBackend : IExecutionBackend
{
    /// <summary>The command line's name for it.</summary>
    public const string BackendName = "local";

    private LocalBackend()
    {
    }

    /// <summary>The backend (it holds no state).</summary>
    public static LocalBackend Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => BackendName;

    /// <inheritdoc/>
    public TAccumulator Reduce<TAccumulator>(DataSet data, BlockPartition partition, Range blocks, int threads, Func<TAccumulator> create, BlockWork<TAccumulator> work)
        where TAccumulator : IAdditive<TAccumulator>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var (first, count) = ExecutionBackends.Resolve(data, partition, blocks);
        if (count <= 1 || threads <= 1)
        {
            // Same blocks and merge order as the parallel path, so one thread gives identical bits.
            var total = create();
            if (count == 0)
            {
                return total;
            }

            work(first, ExecutionBackends.Rows(data, partition, first), total);
            TAccumulator? partial = default, group = default;
            for (int b = first + 1; b < first + count; b++)
            {
                partial ??= create();
                partial.Clear();
                work(b, ExecutionBackends.Rows(data, partition, b), partial);
                ExecutionBackends.MergeInOrder(partition, first, b, ref total, ref group, ref partial);
            }

            ExecutionBackends.EndGroup(ref total, group);
            return total;
        }

        return Parallel(data, partition, first, count, threads, create, work);
    }

    private static TAccumulator Parallel<TAccumulator>(DataSet data, BlockPartition partition, int first, int count, int threads, Func<TAccumulator> create, BlockWork<TAccumulator> work)
        where TAccumulator : IAdditive<TAccumulator>
    {
        // Blocks are merged into the total in block order as soon as their turn comes, and merged blocks' accumulators
        // are cleared and reused: the same reduction as merging all at the end, with only the blocks that finished out
        // of turn held at once (at D = 50, K = 10 an E-step's are 200 KB each) and no garbage per block. The workers
        // take blocks in order from one counter, not in Parallel.For's ranges (which finish the second half long before
        // its turn).
        var pending = new TAccumulator?[count];
        var spare = new Stack<TAccumulator>();
        var gate = new object();
        TAccumulator? total = default, group = default;
        int next = 0, taken = -1;
        bool failed = false;
        try
        {
            System.Threading.Tasks.Parallel.For(0, Math.Min(threads, count), new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
            {
                int b;
                while (!Volatile.Read(ref failed) && (b = Interlocked.Increment(ref taken)) < count)
                {
                    TAccumulator? accumulator;
                    lock (gate)
                    {
                        spare.TryPop(out accumulator);
                    }

                    accumulator ??= create();
                    try
                    {
                        work(first + b, ExecutionBackends.Rows(data, partition, first + b), accumulator);
                    }
                    catch
                    {
                        Volatile.Write(ref failed, true);
                        throw;
                    }

                    Merge(b, accumulator);
                }
            });
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }

        return total!;

        void Merge(int b, TAccumulator accumulator)
        {
            lock (gate)
            {
                pending[b] = accumulator;
                while (next < count && pending[next] is { } ready)
                {
                    pending[next] = default;
                    if (next == 0)
                    {
                        total = ready;
                    }
                    else
                    {
                        var merged = ready;
                        ExecutionBackends.MergeInOrder(partition, first, first + next, ref total!, ref group, ref merged);
                        if (merged is not null)
                        {
                            merged.Clear();
                            spare.Push(merged);
                        }
                    }

                    next++;
                }

                if (next == count)
                {
                    ExecutionBackends.EndGroup(ref total!, group);
                    group = default;
                }
            }
        }
    }
}
