using System.CommandLine;
using System.Net;
using LatentFit.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace LatentFit.Cli.Commands;

/// <summary>
/// <c>latentfit silo</c>: runs one silo of an Orleans cluster that serves shards of data sharded on disk to fits run
/// with <c>--backend orleans</c>, until the process is stopped (Ctrl+C, SIGTERM) or killed.
/// </summary>
internal static class SiloCommand
{
    public static Command Create(CommandContext context)
    {
        var port = new Option<int>("--port") { Description = "Port the silos of the cluster talk to each other on", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port fits connect to (fit --backend orleans --gateways HOST:PORT)", DefaultValueFactory = _ => 30000 };
        var primary = new Option<string?>("--primary")
        {
            Description = "HOST:PORT (the --port) of the cluster's primary silo, which holds the membership table of development clustering; leave out on the primary itself",
        };
        var redis = new Option<string?>("--redis") { Description = "HOST:PORT of a Redis server that holds the cluster's membership instead of a primary silo (no single point of failure)" };
        var address = new Option<string>("--address")
        {
            Description = "The IP address other silos and fits reach this silo at (this machine's address on the cluster's network)",
            DefaultValueFactory = _ => IPAddress.Loopback.ToString(),
        };
        var data = new Option<string?>("--data")
        {
            Description = "Shard directory to read, whatever path a fit names (where the shared directory is mounted elsewhere on this machine); by default the fit's own --data path",
        };
        var verbose = new Option<bool>("--verbose") { Description = "Also print a line to standard error when a shard is loaded and for every E-step call a shard answers" };
        var command = new Command("silo", "Run a silo of an Orleans cluster that computes E-steps on shards of data sharded on disk, for fits with --backend orleans; runs until stopped.");
        command.Options.Add(port);
        command.Options.Add(gatewayPort);
        command.Options.Add(primary);
        command.Options.Add(redis);
        command.Options.Add(address);
        command.Options.Add(data);
        command.Options.Add(verbose);
        command.SetAction(parse =>
        {
            int siloPort = parse.GetValue(port), gateway = parse.GetValue(gatewayPort);
            foreach (var (name, value) in new[] { ("--port", siloPort), ("--gateway-port", gateway) })
            {
                if (value is < 1 or > 65535)
                {
                    throw new UsageException($"{name} must be a port from 1 to 65535, got {value}");
                }
            }

            if (siloPort == gateway)
            {
                throw new UsageException($"--port and --gateway-port must differ (both {siloPort})");
            }

            if (!IPAddress.TryParse(parse.GetValue(address), out var advertised))
            {
                throw new UsageException($"--address must be an IP address, got \"{parse.GetValue(address)}\"");
            }

            string? primaryText = parse.GetValue(primary), redisText = parse.GetValue(redis);
            if (primaryText is not null && redisText is not null)
            {
                throw new UsageException("--primary and --redis are two kinds of membership; give one");
            }

            var primaryEndpoint = primaryText is null ? null : ClusterConnection.ParseEndpoint("--primary", primaryText);
            if (redisText is not null)
            {
                ClusterConnection.ParseEndpoint("--redis", redisText);
            }

            string? directory = parse.GetValue(data);
            if (directory is not null && !Directory.Exists(directory))
            {
                throw new UsageException($"--data {directory}: no such directory");
            }

            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            // The runtime's warnings and errors (a silo declared dead, a failed join) to standard error; its
            // information messages would bury the one line this command prints.
            builder.Logging.AddSimpleConsole(options => options.SingleLine = true);
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (parse.GetValue(verbose))
            {
                builder.Logging.AddFilter("LatentFit", LogLevel.Information);
            }

            builder.UseOrleans(silo => (redisText is null
                    ? silo.UseLatentFitDevelopmentClustering(advertised, siloPort, gateway, primaryEndpoint)
                    : silo.UseLatentFitRedisClustering(advertised, siloPort, gateway, redisText))
                .AddLatentFitShards(new DirectoryShardSource(directory is null ? null : Path.GetFullPath(directory)), new CatalogModelRebuilder()));
            using var host = builder.Build();
            try
            {
                host.Start();
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                string membership = redisText is not null ? $"the Redis server at {redisText}" : primaryEndpoint is not null ? $"the primary silo at {primaryEndpoint}" : "its own membership table";
                throw new ClusterUnreachableException($"the silo could not start or join the cluster through {membership} ({failure.GetType().Name}: {failure.Message.Split('\n')[0].TrimEnd()})", failure);
            }

            string role = redisText is not null ? $"membership in Redis at {redisText}" : primaryEndpoint is null ? "primary" : $"primary {primaryEndpoint}";
            context.Console.WriteLine($"silo {advertised}:{siloPort} gateway {gateway} ({role}) is up; stop it with Ctrl+C");
            host.WaitForShutdown();
            return ExitCodes.Success;
        });
        return command;
    }
}
