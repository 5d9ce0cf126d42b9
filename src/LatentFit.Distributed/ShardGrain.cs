using LatentFit.Data;
using LatentFit.Execution;
using Microsoft.Extensions.Logging;

namespace LatentFit.Distributed;

/// <summary>
/// Holds the rows of one shard (loaded through the silo's <see cref="IShardSource"/> on activation) and runs E-steps on
/// them for the θ each call brings, through the rebuilt model's <see cref="IPortableEStep"/> on this silo's cores.
/// Its only other state is a cache of the last model it rebuilt, keyed by the recipe, so that the twenty E-steps of a
/// fit rebuild the model once.
/// </summary>
[ShardPlacement]
public sealed partial class ShardGrain(IShardSource source, IModelRebuilder rebuilder, ILogger<ShardGrain> logger) : Grain, IShardGrain
{
    private DataSet? _rows;

    private IPortableEStep? _estep;

    /// <inheritdoc/>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        long shard = this.GetPrimaryKeyLong(out string? directory);
        // Reading a shard is I/O and parsing, off the grain's scheduler so the silo keeps answering probes meanwhile.
        _rows = await Task.Run(() => source.Load(directory ?? string.Empty, checked((int)shard)), cancellationToken);
        LogLoaded(shard, directory, _rows.Rows);
        await base.OnActivateAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<double[]> EStep(EStepRequest request)
    {
        long shard = this.GetPrimaryKeyLong(out string? directory);
        var rows = _rows!;
        var partition = rows.Partition(request.TargetRows);
        if (rows.Rows != request.ShardRows || partition.Count != request.ShardBlocks)
        {
            throw new ShardDataMismatchException(
                $"shard {shard} of {directory}: this silo ({Environment.MachineName}) reads {rows.Rows} rows in {partition.Count} blocks of {request.TargetRows}, "
                + $"but the coordinator counts {request.ShardRows} rows in {request.ShardBlocks} blocks; the silos must read the shard directory the fit reads (the same files)");
        }

        double[] flat;
        try
        {
            if (_estep is null || _estep.Recipe != request.Recipe)
            {
                _estep = rebuilder.Rebuild(request.Recipe);
            }

            var estep = _estep;
            int threads = Math.Clamp(request.Threads, 1, Environment.ProcessorCount);
            // The E-step runs on pool threads (LocalBackend's workers), not on the grain's scheduler turn, which Orleans
            // expects to be short.
            flat = await Task.Run(() => estep.Run(request.Theta, request.EmptyStatistics, rows, partition, request.FirstBlock..(request.FirstBlock + request.BlockCount), threads));
        }
        catch (Exception failure) when (ShardEStepFailedException.From(failure) is { } deterministic)
        {
            // The model's own failure, which a retry would meet again: sent as a type both sides know.
            throw deterministic;
        }

        LogEStep(shard, directory, request.FirstBlock, request.FirstBlock + request.BlockCount, ++_esteps);
        return flat;
    }

    private int _esteps;

    [LoggerMessage(Level = LogLevel.Information, Message = "shard {Shard} of {Directory}: loaded {Rows} rows")]
    private partial void LogLoaded(long shard, string? directory, int rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "shard {Shard} of {Directory}: E-step over blocks {First}..{End}, call {Calls} of this activation")]
    private partial void LogEStep(long shard, string? directory, int first, int end, int calls);
}
