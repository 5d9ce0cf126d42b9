using System.Diagnostics;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics;
using Orleans.Runtime;

namespace LatentFit.Distributed;

/// <summary>How the coordinator calls the shards.</summary>
public sealed record OrleansBackendOptions
{
    /// <summary>
    /// How long one call to a shard may take before it counts as failed and is retried: an E-step on one shard takes
    /// a fraction of a second to seconds, so a minute means a silo that stopped answering without closing its
    /// connection (a machine cut off), not a slow one. A crashed process closes its connections, and its calls fail at once.
    /// </summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a shard's call is retried after its first failure before the E-step fails: long enough for the
    /// cluster to declare a crashed silo dead (a few seconds with <see cref="LatentFitCluster"/>'s liveness settings)
    /// and activate its shards on the silos left, which then load them from disk.
    /// </summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The first pause between retries; it doubles after each, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest pause between retries.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where to report failed calls and recoveries (a line each); none by default.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The gateways the client was given, named in errors.</summary>
    public IReadOnlyList<string> Gateways { get; init; } = [];
}

/// <summary>
/// The E-step on an Orleans cluster: one call per shard (group of the partition) that the block range touches, each
/// to the <see cref="IShardGrain"/> that holds the shard and carrying the model's recipe, θ's exact flat form, the
/// empty statistics' flat form and the shard's block range; the returned flat forms are merged in shard order,
/// whatever order they arrive in: the first shard's read into a fresh accumulator, each later one read into a scratch
/// accumulator and added. That is the tree <see cref="LocalBackend"/> builds for the same partition (blocks of a group
/// in block order, groups in group order), so the result has its bits.
/// </summary>
/// <remarks>
/// Every other pass (<see cref="Reduce{TAccumulator}"/>: the start, k-means, diagnostics, the observed information)
/// is a closure, which cannot cross the wire, and runs here, on the coordinator's <see cref="LocalBackend"/>, over the
/// coordinator's own view of the sharded data. A failed or timed-out shard call is retried until
/// <see cref="OrleansBackendOptions.RetryBudget"/> has passed since its first failure; the calls hold no state, so a
/// retry, or a duplicate activation answering it, is harmless.
/// </remarks>
public sealed class OrleansBackend : IModelExecutionBackend
{
    /// <summary>The command line's name for it.</summary>
    public const string BackendName = "orleans";

    private readonly IGrainFactory _grains;

    private readonly OrleansBackendOptions _options;

    /// <summary>A backend whose shards are those of <paramref name="directory"/> (the path the silos read), called through <paramref name="grains"/> (a connected cluster client).</summary>
    public OrleansBackend(IGrainFactory grains, string directory, OrleansBackendOptions? options = null)
    {
        _grains = grains;
        Directory = directory;
        _options = options ?? new OrleansBackendOptions();
    }

    /// <summary>The shard directory, as the silos read it.</summary>
    public string Directory { get; }

    /// <inheritdoc/>
    public string Name => BackendName;

    /// <summary>Calls that failed and were tried again, over the backend's life.</summary>
    public int Retries => _retries;

    private int _retries;

    /// <inheritdoc/>
    public TAccumulator Reduce<TAccumulator>(DataSet data, BlockPartition partition, Range blocks, int threads, Func<TAccumulator> create, BlockWork<TAccumulator> work)
        where TAccumulator : IAdditive<TAccumulator> =>
        LocalBackend.Instance.Reduce(data, partition, blocks, threads, create, work);

    /// <inheritdoc/>
    public TStats EStep<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, BlockPartition partition, Range blocks, int threads, Func<TStats> create)
        where TStats : ISufficientStatistics<TStats>
    {
        if (model is not IPortableModel<TParams> portable)
        {
            throw new NotSupportedException($"the model ({model.GetType().Name}) cannot be rebuilt on a silo; the orleans backend runs only models that can");
        }

        if (partition.Rows != data.Rows)
        {
            throw new ArgumentException($"the partition cuts {partition.Rows} rows, but the data have {data.Rows}", nameof(partition));
        }

        if (data.ShardStarts.IsEmpty)
        {
            throw new ArgumentException($"{data.Source} is not sharded data: the orleans backend needs data sharded on disk (the shard command), whose shards the silos read", nameof(data));
        }

        if (data.Precision != Precision.Double)
        {
            // A silo reads its shard in float64; float32 offsets are taken from an origin the coordinator chose for the
            // whole data set, which the request does not carry, so the silo's values would not be the coordinator's.
            throw new ArgumentException($"{data.Source}: the orleans backend runs in double precision only (the silos read the shards as float64); leave out single precision", nameof(data));
        }

        var (first, count) = blocks.GetOffsetAndLength(partition.Count);
        if (count == 0)
        {
            return create();
        }

        var recipe = portable.Recipe;
        var flatTheta = portable.WriteParameters(theta);
        var empty = create();
        var flatEmpty = new double[empty.FlatLength];
        empty.WriteFlat(flatEmpty);

        // One call per shard the range touches, with its blocks counted within the shard (PortableBackend.Pieces,
        // the in-process reference this backend must equal).
        var pieces = PortableBackend.Pieces(partition, first..(first + count));
        var calls = new Task<double[]>[pieces.Count];
        for (int i = 0; i < pieces.Count; i++)
        {
            var piece = pieces[i];
            var shardBlocks = partition.GroupBlocks(piece.Group);
            int shardBlockCount = shardBlocks.GetOffsetAndLength(partition.Count).Length;
            var (localFirst, localCount) = piece.LocalBlocks.GetOffsetAndLength(shardBlockCount);
            var request = new EStepRequest(recipe.Kind, recipe.Settings, flatTheta, flatEmpty, localFirst, localCount, partition.TargetRows, partition.RowsIn(shardBlocks), shardBlockCount, threads);
            calls[i] = CallWithRetries(piece.Group, request);
        }

        try
        {
            Task.WaitAll(calls);
        }
        catch (AggregateException)
        {
            // The first failed shard in shard order, with the message CallWithRetries gave it.
            foreach (var call in calls)
            {
                if (call.IsFaulted)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(call.Exception!.InnerException!).Throw();
                }
            }

            throw;
        }

        // Shard order, not completion order: total = s_first, then total.Add(s_next), … (LocalBackend's group tree).
        return PortableBackend.Merge(create, [.. calls.Select(call => call.Result)]);
    }

    /// <summary>Shard <paramref name="shard"/>'s call, retried on failure or timeout until the retry budget has passed since the first failure.</summary>
    private async Task<double[]> CallWithRetries(int shard, EStepRequest request)
    {
        var grain = _grains.GetGrain<IShardGrain>(shard, Directory);
        Stopwatch? sinceFailure = null;
        var delay = _options.FirstRetryDelay;
        int attempts = 0;
        while (true)
        {
            attempts++;
            try
            {
                var flat = await grain.EStep(request).WaitAsync(_options.CallTimeout).ConfigureAwait(false);
                if (sinceFailure is not null)
                {
                    _options.Log?.Invoke($"shard {shard}: answered after {sinceFailure.Elapsed.TotalSeconds:F1} s of failures ({attempts} attempts)");
                }

                return flat;
            }
            catch (ShardDataMismatchException)
            {
                throw;
            }
            catch (Exception failure)
            {
                sinceFailure ??= Stopwatch.StartNew();
                string what = failure is TimeoutException ? $"no answer within {_options.CallTimeout.TotalSeconds:F0} s" : $"{failure.GetType().Name}: {FirstLine(failure.Message)}";
                if (sinceFailure.Elapsed >= _options.RetryBudget)
                {
                    string silos = await DescribeSilos().ConfigureAwait(false);
                    throw new ShardCallFailedException(
                        $"shard {shard} of {Directory}: the E-step call failed for {sinceFailure.Elapsed.TotalSeconds:F1} s ({attempts} attempts; the retry budget is {_options.RetryBudget.TotalSeconds:F0} s); "
                        + $"last: {what}; {silos}",
                        failure);
                }

                Interlocked.Increment(ref _retries);
                _options.Log?.Invoke($"shard {shard}: call failed ({what}); retrying");
                await Task.Delay(delay).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>The silos the cluster counts as active, for an error; the gateways when it does not answer.</summary>
    private async Task<string> DescribeSilos()
    {
        try
        {
            var hosts = await _grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            return $"active silos: {(hosts.Count == 0 ? "none" : string.Join(", ", hosts.Keys.Order().Select(s => s.Endpoint.ToString())))}";
        }
        catch (Exception)
        {
            return $"the cluster did not say which silos are active (gateways: {(_options.Gateways.Count == 0 ? "unknown" : string.Join(", ", _options.Gateways))})";
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOf('\n');
        return end < 0 ? message : message[..end].TrimEnd();
    }
}

/// <summary>A shard's E-step call failed until its retry budget ran out; the message names the shard, the attempts and the silos.</summary>
public sealed class ShardCallFailedException(string message, Exception inner) : Exception(message, inner)
{
}
