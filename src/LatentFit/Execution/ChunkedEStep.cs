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
        where TStats : ISufficientStatistics<TStats>
    {
        create ??= model.CreateStatistics;
        int chunkRows = Math.Max(1, options.ChunkRows);
        int chunks = (data.Rows + chunkRows - 1) / chunkRows;
        if (chunks <= 1 || options.Threads <= 1)
        {
            // Same chunking and merge order as the parallel path, so one thread gives identical bits.
            var stats = create();
            AccumulateChunk(model, theta, data, 0, chunkRows, stats);
            var partial = create();
            for (int c = 1; c < chunks; c++)
            {
                partial.Clear();
                AccumulateChunk(model, theta, data, c, chunkRows, partial);
                stats.Add(partial);
            }

            return stats;
        }

        var results = new TStats[chunks];
        try
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = options.Threads }, c =>
            {
                var stats = create();
                AccumulateChunk(model, theta, data, c, chunkRows, stats);
                results[c] = stats;
            });
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }

        var total = results[0];
        for (int c = 1; c < chunks; c++)
        {
            total.Add(results[c]);
        }

        return total;
    }

    private static void AccumulateChunk<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, int chunk, int chunkRows, TStats into)
        where TStats : ISufficientStatistics<TStats>
    {
        int start = chunk * chunkRows;
        int count = Math.Min(chunkRows, data.Rows - start);
        model.Accumulate(theta, data.Block(start, count), into);
    }
}
