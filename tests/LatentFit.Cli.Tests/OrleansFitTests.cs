using System.Net;
using System.Text.Json;
using LatentFit.Distributed;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LatentFit.Cli.Tests;

/// <summary>
/// fit --backend orleans end to end: a shard directory written by the shard command, two silos configured as the silo
/// command configures them (development clustering with a primary, shards read from the directory, models rebuilt
/// from their recipes), and the fit's JSON against --backend local on the same directory: the same numbers.
/// </summary>
public sealed class OrleansFitTests
{
    [Theory]
    [InlineData("gmm", "faithful", "50")]
    [InlineData("poisson", "death_notices", "3")]
    public async Task Fit_BackendOrleans_SameNumbersAsLocal(string model, string data, string blockRows)
    {
        using var temp = new TempDirectory();
        string shards = temp.File("shards");
        var (code, _, err) = CliRunner.Run("shard", "--data", data, "--shards", "3", "--output", shards);
        Assert.True(code == ExitCodes.Success, err);

        // Ports from the kernel, so that parallel test runs do not collide.
        int[] ports = [.. Enumerable.Range(0, 4).Select(_ => FreePort())];
        using var primary = await StartSilo(ports[0], ports[1], null);
        using var secondary = await StartSilo(ports[2], ports[3], new IPEndPoint(IPAddress.Loopback, ports[0]));
        try
        {
            AssertSameFit(temp, shards, model, blockRows, ports);
        }
        finally
        {
            await secondary.StopAsync();
            await primary.StopAsync();
        }
    }

    private static void AssertSameFit(TempDirectory temp, string shards, string model, string blockRows, int[] ports)
    {
        string[] fit = ["--data", shards, "--model", model, "-k", "2", "--seed", "1", "--threads", "2", "--block-rows", blockRows];
        using var local = FitToJson(temp, "local.json", [.. fit, "--backend", "local"]);
        using var cluster = FitToJson(temp, "orleans.json", [.. fit, "--backend", "orleans", "--gateways", $"127.0.0.1:{ports[1]},127.0.0.1:{ports[3]}"]);
        var expected = local.RootElement;
        var actual = cluster.RootElement;
        Assert.Equal(expected.GetProperty("logLikelihood").GetDouble(), actual.GetProperty("logLikelihood").GetDouble());
        foreach (string field in new[] { "weights", "means", "covariances", "rates", "standardErrors" })
        {
            if (expected.TryGetProperty(field, out var value))
            {
                Assert.Equal(value.GetRawText(), actual.GetProperty(field).GetRawText());
            }
        }

        Assert.Equal(
            expected.GetProperty("trace").EnumerateArray().Select(r => r.GetProperty("logLikelihood").GetDouble()),
            actual.GetProperty("trace").EnumerateArray().Select(r => r.GetProperty("logLikelihood").GetDouble()));
    }

    private static async Task<IHost> StartSilo(int siloPort, int gatewayPort, IPEndPoint? primary)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo
            .UseLatentFitDevelopmentClustering(IPAddress.Loopback, siloPort, gatewayPort, primary)
            .AddLatentFitShards(new DirectoryShardSource(), new CatalogModelRebuilder()));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static JsonDocument FitToJson(TempDirectory temp, string name, string[] arguments)
    {
        string output = temp.File(name);
        var (code, _, stderr) = CliRunner.Run(["fit", .. arguments, "--output", output]);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(File.ReadAllText(output));
    }
}
