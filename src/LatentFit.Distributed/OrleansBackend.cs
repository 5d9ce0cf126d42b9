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
    /// The longest a call to a shard may take before it counts as failed and is retried: the deadline of a shard's
    /// first call (which may load the shard), and the cap of the deadline afterwards (see <see cref="CallTimeoutFactor"/>).
    /// </summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Once a shard has answered, its calls' deadline is this many times its slowest answer so far (at least
    /// <see cref="MinimumCallTimeout"/>, at most <see cref="CallTimeout"/>). A call in flight to a silo that is killed
    /// is not always failed when its connection closes (measured: a kill -9 left one call waiting until the fixed
    /// 60 s deadline), so the deadline, not the crash, can set the stall; scaled to the shard's own E-step time it
    /// costs seconds, and a slow answer beyond it is only computed twice, since calls are idempotent.
    /// </summary>
    public double CallTimeoutFactor { get; init; } = 10;

    /// <summary>The shortest deadline a call is given (see <see cref="CallTimeoutFactor"/>), so that a shard answering in milliseconds is not cut off by a garbage collection or a busy scheduler.</summary>
    public TimeSpan MinimumCallTimeout { get; init; } = TimeSpan.FromSeconds(3);

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

        if (PortableCall.Prepare(BackendName, model, theta, data, partition, blocks, create) is not { } shipped)
        {
            return create();
        }

        // One call per shard the range touches, with its blocks counted within the shard (PortableBackend.Pieces: the
        // in-process reference this backend must equal cuts them the same way).
        var pieces = shipped.Pieces;
        var calls = new Task<double[]>[pieces.Count];
        for (int i = 0; i < pieces.Count; i++)
        {
            var piece = pieces[i];
            var shardBlocks = partition.GroupBlocks(piece.Group);
            int shardBlockCount = shardBlocks.GetOffsetAndLength(partition.Count).Length;
            var (localFirst, localCount) = piece.LocalBlocks.GetOffsetAndLength(shardBlockCount);
            var request = new EStepRequest(shipped.Recipe.Kind, shipped.Recipe.Settings, shipped.Theta, shipped.EmptyStatistics, localFirst, localCount, partition.TargetRows, partition.RowsIn(shardBlocks), shardBlockCount, threads);
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
        long firstFailedAttempt = 0;
        var delay = _options.FirstRetryDelay;
        int attempts = 0;
        while (true)
        {
            attempts++;
            var deadline = Deadline(shard);
            long attemptStarted = Stopwatch.GetTimestamp();
            try
            {
                var flat = await grain.EStep(request).WaitAsync(deadline).ConfigureAwait(false);
                Answered(shard, Stopwatch.GetElapsedTime(attemptStarted));
                if (sinceFailure is not null)
                {
                    // The stall: from the start of the first attempt that failed (a call can hang until its deadline) to now.
                    _options.Log?.Invoke($"shard {shard}: answered after {Stopwatch.GetElapsedTime(firstFailedAttempt).TotalSeconds:F1} s of failed attempts ({attempts} attempts)");
                }

                return flat;
            }
            catch (ShardDataMismatchException)
            {
                throw;
            }
            catch (ShardEStepFailedException failure)
            {
                throw failure.Rethrow();
            }
            catch (Exception failure)
            {
                if (sinceFailure is null)
                {
                    sinceFailure = Stopwatch.StartNew();
                    firstFailedAttempt = attemptStarted;
                }

                string what = failure is TimeoutException ? $"no answer within {deadline.TotalSeconds:F1} s" : $"{failure.GetType().Name}: {FirstLine(failure.Message)}";
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

    /// <summary>Shard <paramref name="shard"/>'s deadline: <see cref="OrleansBackendOptions.CallTimeout"/> until it has answered, then <see cref="OrleansBackendOptions.CallTimeoutFactor"/> times its slowest answer, within the bounds.</summary>
    private TimeSpan Deadline(int shard)
    {
        lock (_slowest)
        {
            if (!_slowest.TryGetValue(shard, out var slowest))
            {
                return _options.CallTimeout;
            }

            var scaled = TimeSpan.FromTicks((long)Math.Min(slowest.Ticks * _options.CallTimeoutFactor, TimeSpan.MaxValue.Ticks));
            return scaled < _options.MinimumCallTimeout ? _options.MinimumCallTimeout : scaled > _options.CallTimeout ? _options.CallTimeout : scaled;
        }
    }

    /// <summary>Notes an answer's time; a shard's first answer is left out, since it includes loading the shard and compiling the code that runs it.</summary>
    private void Answered(int shard, TimeSpan took)
    {
        lock (_slowest)
        {
            if (_answered.Add(shard))
            {
                return;
            }

            if (!_slowest.TryGetValue(shard, out var slowest) || took > slowest)
            {
                _slowest[shard] = took;
            }
        }
    }

    // Each shard's slowest answer so far (its first left out), for its deadline; the shards that have answered.
    private readonly Dictionary<int, TimeSpan> _slowest = [];

    private readonly HashSet<int> _answered = [];

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
