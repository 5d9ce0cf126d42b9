using System.Runtime.ExceptionServices;
using LatentFit.Data;
using LatentFit.Models.Abstractions;

namespace LatentFit.Execution;

/// <summary>
/// Runs a model's E-step over a data set in fixed chunks, in parallel, and merges the chunk statistics in
/// chunk order (a fixed left-to-right reduction), so the result does not depend on the number of threads.
/// </summary>
public static class ChunkedEStep
{
    /// <summary>
    /// Statistics of every row of <paramref name="data"/> under θ; <paramref name="create"/> makes each chunk's empty
    /// statistics (the model's <see cref="ILatentVariableModel{TParams, TStats}.CreateStatistics"/> by default).
    /// </summary>
    public static TStats Run<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, ExecutionOptions options, Func<TStats>? create = null)
        where TStats : ISufficientStatistics<TStats> =>
        Run(model, theta, data, new RowRange(0, data.Rows), options, create);

    /// <summary>
    /// Statistics of the rows <paramref name="rows"/> of <paramref name="data"/> under θ (a block-level E-step), in
    /// chunks of <see cref="ExecutionOptions.ChunkRows"/> counted from the range's first row: a range that starts on a
    /// chunk boundary is cut exactly where a full pass cuts it.
    /// </summary>
    public static TStats Run<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, RowRange rows, ExecutionOptions options, Func<TStats>? create = null)
        where TStats : ISufficientStatistics<TStats>
    {
        if (rows.Start < 0 || rows.Count < 0 || rows.End > data.Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"the rows must lie within the data's {data.Rows} rows");
        }

        var stats = RunChunks(model, theta, data, rows, options, create);
        if ((long)rows.Count * data.Dimension * (data.Precision == Precision.Single ? 4 : 8) >= LargeData)
        {
            // Each pass leaves some kilobytes of short-lived objects (parameters, statistics, the optimiser's vectors);
            // left to the runtime, they pile up to its allocation budget (14 MB here) before a collection, on top of
            // the data. On data this large a young-generation collection per pass costs well under 1% of the pass and
            // holds the peak to the data plus what the pass needs.
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        }

        return stats;
    }

    // Data from which a pass collects its young garbage (bytes of values).
    private const long LargeData = 32L << 20;

    private static TStats RunChunks<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, RowRange rows, ExecutionOptions options, Func<TStats>? create)
        where TStats : ISufficientStatistics<TStats>
    {
        create ??= model.CreateStatistics;
        int chunkRows = Math.Max(1, options.ChunkRows);
        int chunks = (rows.Count + chunkRows - 1) / chunkRows;
        if (chunks <= 1 || options.Threads <= 1)
        {
            // Same chunking and merge order as the parallel path, so one thread gives identical bits.
            var stats = create();
            AccumulateChunk(model, theta, data, rows, 0, chunkRows, stats);
            var partial = create();
            for (int c = 1; c < chunks; c++)
            {
                partial.Clear();
                AccumulateChunk(model, theta, data, rows, c, chunkRows, partial);
                stats.Add(partial);
            }

            return stats;
        }

        // Chunks are merged into the total in chunk order as soon as their turn comes, and merged chunks' statistics
        // are cleared and reused: the same reduction as merging all at the end, with only the chunks that finished out
        // of turn held at once (at D = 50, K = 10 each is 200 KB) and no garbage per chunk. The workers take chunks in
        // order from one counter, not in Parallel.For's ranges (which finish the second half long before its turn).
        var pending = new TStats?[chunks];
        var spare = new Stack<TStats>();
        var gate = new object();
        TStats? total = default;
        int next = 0, taken = -1;
        bool failed = false;
        try
        {
            Parallel.For(0, Math.Min(options.Threads, chunks), new ParallelOptions { MaxDegreeOfParallelism = options.Threads }, _ =>
            {
                int c;
                while (!Volatile.Read(ref failed) && (c = Interlocked.Increment(ref taken)) < chunks)
                {
                    TStats? stats = default;
                    lock (gate)
                    {
                        spare.TryPop(out stats);
                    }

                    stats ??= create();
                    try
                    {
                        AccumulateChunk(model, theta, data, rows, c, chunkRows, stats);
                    }
                    catch
                    {
                        Volatile.Write(ref failed, true);
                        throw;
                    }

                    Merge(c, stats);
                }
            });
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }

        return total!;

        void Merge(int c, TStats stats)
        {
            lock (gate)
            {
                pending[c] = stats;
                while (next < chunks && pending[next] is { } ready)
                {
                    pending[next] = default;
                    if (next == 0)
                    {
                        total = ready;
                    }
                    else
                    {
                        total!.Add(ready);
                        ready.Clear();
                        spare.Push(ready);
                    }

                    next++;
                }
            }
        }
    }

    private static void AccumulateChunk<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, RowRange rows, int chunk, int chunkRows, TStats into)
        where TStats : ISufficientStatistics<TStats>
    {
        int start = rows.Start + chunk * chunkRows;
        int count = Math.Min(chunkRows, rows.End - start);
        model.Accumulate(theta, data.Block(start, count), into);
    }
}
