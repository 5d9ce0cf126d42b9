using LatentFit.Data;
using LatentFit.Models.Abstractions;

namespace LatentFit.Execution;

/// <summary>
/// A model's E-step over a data set as one block reduction on the options' backend (see
/// <see cref="IExecutionBackend"/>): each block's statistics by the model's <see cref="ILatentVariableModel{TParams, TStats}.Accumulate"/>,
/// merged in block order, so the result depends on neither the threads nor the backend.
/// </summary>
public static class ChunkedEStep
{
    /// <summary>
    /// Statistics of every row of <paramref name="data"/> under θ, over the options' blocks; <paramref name="create"/>
    /// makes each block's empty statistics (the model's <see cref="ILatentVariableModel{TParams, TStats}.CreateStatistics"/> by default).
    /// </summary>
    public static TStats Run<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, ExecutionOptions options, Func<TStats>? create = null)
        where TStats : ISufficientStatistics<TStats> =>
        Run(model, theta, data, options.Partition(data), Range.All, options, create);

    /// <summary>
    /// Statistics of blocks <paramref name="blocks"/> of <paramref name="partition"/> under θ (all rows with
    /// <see cref="Range.All"/>; one block at a time for incremental EM), merged in block order.
    /// </summary>
    public static TStats Run<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, BlockPartition partition, Range blocks, ExecutionOptions options, Func<TStats>? create = null)
        where TStats : ISufficientStatistics<TStats>
    {
        var stats = options.Backend is IModelExecutionBackend remote
            ? remote.EStep(model, theta, data, partition, blocks, options.Threads, create ?? model.CreateStatistics)
            : options.Backend.Reduce(data, partition, blocks, options.Threads, create ?? model.CreateStatistics, (_, rows, into) => model.Accumulate(theta, rows, into));
        if ((long)partition.RowsIn(blocks) * data.Dimension * (data.Precision == Precision.Single ? 4 : 8) >= LargeData)
        {
            // Each pass leaves some kilobytes of short-lived objects (parameters, statistics, the optimiser's vectors);
            // left to the runtime, they pile up to its allocation budget (14 MB here) before a collection, on top of
            // the data. After a pass (or a block range) over this many values a young-generation collection costs well
            // under 1% of it and holds the peak to the data plus what the pass needs; smaller ranges (incremental EM's
            // groups) leave it to the runtime rather than collect many times a pass.
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        }

        return stats;
    }

    // Data from which a pass collects its young garbage (bytes of values).
    private const long LargeData = 32L << 20;
}
