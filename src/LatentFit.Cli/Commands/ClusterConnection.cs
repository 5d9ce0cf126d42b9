using System.Net;
using System.Net.Sockets;
using LatentFit.Data.Shards;
using LatentFit.Distributed;
using LatentFit.Execution;

namespace LatentFit.Cli.Commands;

/// <summary>The coordinator's side of --backend orleans: the gateways parsed, the client connected, the backend made.</summary>
internal static class ClusterConnection
{
    /// <summary>How long the coordinator waits for a gateway to answer before it gives up.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The Orleans backend for the shard directory <paramref name="data"/> over the cluster behind
    /// <paramref name="gateways"/>, its client connection held by <paramref name="context"/> until the command ends.
    /// The directory's full path is what the silos are asked to read (the grain key), so every silo must see the
    /// shards at that path (a shared file system, or copies at the same place), or be started with --data.
    /// </summary>
    /// <exception cref="UsageException">No --gateways, a malformed one, or --data that is not a directory.</exception>
    /// <exception cref="ClusterUnreachableException">No gateway answered.</exception>
    public static IExecutionBackend Backend(string data, string? gateways, CommandContext? context)
    {
        if (gateways is null)
        {
            throw new UsageException($"--backend {OrleansBackend.BackendName} needs --gateways HOST:PORT[,HOST:PORT…]: the gateway ports of the silos (latentfit silo --gateway-port)");
        }

        if (!ShardedData.IsShardDirectory(data))
        {
            throw new UsageException($"--backend {OrleansBackend.BackendName} runs on data sharded on disk, which the silos read: --data must be a shard directory (written by latentfit shard), not {data}");
        }

        var endpoints = ParseEndpoints("--gateways", gateways);
        ArgumentNullException.ThrowIfNull(context);
        var host = context.Own(LatentFitCluster.ConnectAsync(endpoints, ConnectTimeout).GetAwaiter().GetResult());
        var client = host.Services.GetService(typeof(IClusterClient)) as IClusterClient
            ?? throw new InvalidOperationException("the Orleans client host has no cluster client");
        var error = context.Error;
        return new OrleansBackend(client, Path.GetFullPath(data), new OrleansBackendOptions
        {
            Gateways = [.. endpoints.Select(e => e.ToString())],
            Log = line =>
            {
                lock (error)
                {
                    error.WriteLine($"latentfit: orleans: {line}");
                }
            },
        });
    }

    /// <summary>HOST:PORT[,HOST:PORT…] as endpoints; a host name is resolved to its first IPv4 address.</summary>
    /// <exception cref="UsageException">An entry is not HOST:PORT with a port from 1 to 65535, or its host does not resolve.</exception>
    public static IReadOnlyList<IPEndPoint> ParseEndpoints(string option, string text)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (string entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            endpoints.Add(ParseEndpoint(option, entry));
        }

        return endpoints.Count > 0 ? endpoints : throw new UsageException($"{option} names no HOST:PORT");
    }

    /// <summary>One HOST:PORT.</summary>
    public static IPEndPoint ParseEndpoint(string option, string entry)
    {
        int colon = entry.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new UsageException($"{option}: \"{entry}\" is not HOST:PORT (a port from 1 to 65535)");
        }

        string host = entry[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            var addresses = Dns.GetHostAddresses(host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return chosen is not null ? new IPEndPoint(chosen, port) : throw new UsageException($"{option}: host \"{host}\" has no address");
        }
        catch (SocketException e)
        {
            throw new UsageException($"{option}: host \"{host}\" does not resolve ({e.Message})");
        }
    }
}
