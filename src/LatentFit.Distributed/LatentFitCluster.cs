using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace LatentFit.Distributed;

/// <summary>
/// The configuration every LatentFit silo and coordinator shares: the cluster's identity, the shard grains' placement,
/// and liveness tuned so that a crashed silo costs a fit seconds rather than the defaults' 13–31 s.
/// </summary>
public static class LatentFitCluster
{
    /// <summary>The cluster and service id of every LatentFit cluster (a cluster serves one fit at a time or many; its grains are keyed by shard directory).</summary>
    public const string ClusterId = "latentfit";

    /// <summary>See <see cref="ClusterId"/>.</summary>
    public const string ServiceId = "latentfit";

    /// <summary>
    /// How long a message may wait for its answer. Orleans' default is 30 s; an E-step call on a shard of a million
    /// rows takes about a second, and a silo that crashed closes its connections so its calls fail at once. The
    /// coordinator's own per-call deadline (<see cref="OrleansBackendOptions.CallTimeout"/>) matches this, so a call
    /// the runtime still waits on is never retried beside itself for long.
    /// </summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Makes a silo serve shards: the shard placement (<see cref="ShardPlacementDirector"/>), where the silo finds its
    /// shards and how it rebuilds models, and the liveness settings of <see cref="ConfigureLiveness"/>.
    /// </summary>
    public static ISiloBuilder AddLatentFitShards(this ISiloBuilder silo, IShardSource source, IModelRebuilder rebuilder)
    {
        silo.Services.AddPlacementDirector<ShardPlacementStrategy, ShardPlacementDirector>();
        silo.Services.AddSingleton(source);
        silo.Services.AddSingleton(rebuilder);
        silo.Configure<SiloMessagingOptions>(options => options.ResponseTimeout = ResponseTimeout);
        ConfigureLiveness(silo);
        return silo;
    }

    /// <summary>
    /// Failure detection. With the defaults a silo that stops answering is suspected after 3 missed probes of 5 s
    /// each and declared dead once 2 silos vote (13–31 s in practice, depending on when the probes fall); until then
    /// its shards' grains stay registered on it and every retry fails. Here a probe times out after 1 s and 2 missed
    /// probes make a suspicion (about 2–3 s from the crash to the death declaration on a quiet network), and the
    /// silos check the membership table every 5 s instead of 60 s, so that a silo that missed the gossip still learns
    /// of the death quickly. Probes are small; a loaded silo answers them from a separate queue, so 1 s does not
    /// mistake an E-step in progress for a crash. A process that crashed also closes its connections, so calls in
    /// flight to it fail at once and the coordinator's retries begin while the cluster decides.
    /// </summary>
    public static void ConfigureLiveness(ISiloBuilder silo) =>
        silo.Configure<ClusterMembershipOptions>(options =>
        {
            options.ProbeTimeout = TimeSpan.FromSeconds(1);
            options.NumMissedProbesLimit = 2;
            options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        });

    /// <summary>
    /// A silo process on this machine (the silo command): development clustering, whose membership table lives on the
    /// primary silo (<paramref name="primary"/> null: this silo is the primary). The primary is a single point of
    /// failure: kill it and the cluster stops; kill any other and its shards move to the silos left.
    /// </summary>
    /// <param name="silo">The silo being built.</param>
    /// <param name="address">The address other silos and clients reach this one at.</param>
    /// <param name="siloPort">The port silos talk to each other on.</param>
    /// <param name="gatewayPort">The port clients (the fit's coordinator) connect to.</param>
    /// <param name="primary">The primary silo's silo endpoint, or null if this is the primary.</param>
    public static ISiloBuilder UseLatentFitDevelopmentClustering(this ISiloBuilder silo, IPAddress address, int siloPort, int gatewayPort, IPEndPoint? primary)
    {
        silo.UseDevelopmentClustering(primary ?? new IPEndPoint(address, siloPort));
        return silo.UseLatentFitEndpoints(address, siloPort, gatewayPort);
    }

    /// <summary>
    /// A silo whose membership table is held by a Redis server (<paramref name="redis"/>, HOST:PORT or a
    /// StackExchange.Redis configuration string): any silo may die and the others carry on, as long as Redis lives.
    /// </summary>
    public static ISiloBuilder UseLatentFitRedisClustering(this ISiloBuilder silo, IPAddress address, int siloPort, int gatewayPort, string redis)
    {
        silo.UseRedisClustering(redis);
        return silo.UseLatentFitEndpoints(address, siloPort, gatewayPort);
    }

    /// <summary>The silo's advertised address and ports, and the cluster and service ids every LatentFit silo and client share.</summary>
    private static ISiloBuilder UseLatentFitEndpoints(this ISiloBuilder silo, IPAddress address, int siloPort, int gatewayPort)
    {
        silo.Configure<EndpointOptions>(options =>
        {
            options.AdvertisedIPAddress = address;
            options.SiloPort = siloPort;
            options.GatewayPort = gatewayPort;
        });
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = ClusterId;
            options.ServiceId = ServiceId;
        });
        return silo;
    }

    /// <summary>A coordinator's client of the silos' gateways (static list), with the response timeout the silos use.</summary>
    public static IClientBuilder UseLatentFitGateways(this IClientBuilder client, IReadOnlyList<IPEndPoint> gateways)
    {
        client.UseStaticClustering([.. gateways]);
        client.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = ClusterId;
            options.ServiceId = ServiceId;
        });
        client.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = ResponseTimeout);
        return client;
    }

    /// <summary>
    /// Connects a client to <paramref name="gateways"/>: a started host whose <see cref="IClusterClient"/> is ready.
    /// A gateway list of which none answers fails after <paramref name="connectTimeout"/> with a message naming them.
    /// </summary>
    /// <exception cref="ClusterUnreachableException">No gateway answered in time.</exception>
    public static async Task<IHost> ConnectAsync(IReadOnlyList<IPEndPoint> gateways, TimeSpan connectTimeout, CancellationToken cancellationToken = default)
    {
        // The client retries a refused connection (silos may still be starting, as when a script starts them beside
        // the fit) until the timeout, and the last refusal is what the error reports.
        Exception? lastFailure = null;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client
            .UseLatentFitGateways(gateways)
            .UseConnectionRetryFilter(async (failure, token) =>
            {
                lastFailure = failure;
                await Task.Delay(TimeSpan.FromMilliseconds(250), token).ConfigureAwait(false);
                return true;
            }));
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).WaitAsync(connectTimeout, cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            var cause = lastFailure ?? failure;
            throw new ClusterUnreachableException(
                $"no Orleans gateway answered at {string.Join(", ", gateways)} within {connectTimeout.TotalSeconds:F0} s (last: {cause.GetType().Name}: {cause.Message.Split('\n')[0].TrimEnd()}); start the silos first (latentfit silo) and give their gateway ports",
                failure);
        }
    }
}

/// <summary>No gateway of the cluster answered.</summary>
public sealed class ClusterUnreachableException(string message, Exception inner) : Exception(message, inner)
{
}
