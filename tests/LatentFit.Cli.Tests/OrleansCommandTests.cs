namespace LatentFit.Cli.Tests;

/// <summary>The command line of the Orleans backend and the silo command: what is refused before any cluster is reached, and a cluster that is not there.</summary>
public sealed class OrleansCommandTests
{
    [Fact]
    public void BackendName_CommandLineAndDistributed_Agree()
    {
        // The command line names the backend without the Distributed assembly (a native build leaves it out).
        Assert.Equal(LatentFit.Distributed.OrleansBackend.BackendName, Commands.ModelOptions.OrleansBackendName);
    }

    [Fact]
    public void Fit_OrleansWithoutGateways_RefusedWithExit2()
    {
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "-k", "2", "--backend", "orleans");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--backend orleans needs --gateways HOST:PORT", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_OrleansOnDataNotSharded_RefusedWithExit2()
    {
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "-k", "2", "--backend", "orleans", "--gateways", "127.0.0.1:30000");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--data must be a shard directory (written by latentfit shard), not faithful", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_OrleansOnAFolderThatHoldsNoShards_RefusedWithExit2()
    {
        var directory = Directory.CreateTempSubdirectory("latentfit-empty-");
        try
        {
            var (code, _, err) = CliRunner.Run("fit", "--data", directory.FullName, "-k", "2", "--backend", "orleans", "--gateways", "127.0.0.1:30000");
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains($"--data must be a shard directory (written by latentfit shard), not {directory.FullName}", err, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete();
        }
    }

    [Fact]
    public void Fit_GatewaysWithLocalBackend_RefusedWithExit2()
    {
        var (code, _, err) = CliRunner.Run("fit", "--data", "faithful", "-k", "2", "--gateways", "127.0.0.1:30000");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--gateways applies to --backend orleans only, not local", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    public void Fit_MalformedGateway_RefusedWithExit2(string gateway)
    {
        var directory = FaithfulShards();
        try
        {
            var (code, _, err) = CliRunner.Run("fit", "--data", directory.FullName, "-k", "2", "--backend", "orleans", "--gateways", gateway);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains($"--gateways: \"{gateway}\" is not HOST:PORT", err, StringComparison.Ordinal);
        }
        finally
        {
            directory.Parent!.Delete(recursive: true);
        }
    }

    [Fact]
    public void Fit_GatewayNotAnswering_ClusterErrorExit4()
    {
        // Port 1 on the loopback: nothing listens there, so every connection is refused until the connect timeout.
        var directory = FaithfulShards();
        try
        {
            var (code, _, err) = CliRunner.Run("fit", "--data", directory.FullName, "-k", "2", "--backend", "orleans", "--gateways", "127.0.0.1:1");
            Assert.Equal(ExitCodes.ClusterFailed, code);
            Assert.StartsWith("latentfit: cluster error: no Orleans gateway answered at 127.0.0.1:1 within", err, StringComparison.Ordinal);
            Assert.Contains("start the silos first (latentfit silo)", err, StringComparison.Ordinal);
        }
        finally
        {
            directory.Parent!.Delete(recursive: true);
        }
    }

    [Fact]
    public void Silo_RedisNotAnswering_ClusterErrorExit4()
    {
        var (code, _, err) = CliRunner.Run("silo", "--port", "21199", "--gateway-port", "31099", "--redis", "127.0.0.1:1");
        Assert.Equal(ExitCodes.ClusterFailed, code);
        Assert.Contains("latentfit: cluster error: the silo could not start or join the cluster through the Redis server at 127.0.0.1:1 (RedisConnectionException", err, StringComparison.Ordinal);
    }

    /// <summary>faithful in two shards, in a new temporary folder.</summary>
    private static DirectoryInfo FaithfulShards()
    {
        var directory = Directory.CreateTempSubdirectory("latentfit-shards-");
        var output = Path.Combine(directory.FullName, "faithful");
        var (code, _, err) = CliRunner.Run("shard", "--data", "faithful", "--shards", "2", "--output", output);
        Assert.True(code == ExitCodes.Success, err);
        return new DirectoryInfo(output);
    }

    [Theory]
    [InlineData("--redis: \"redis\" is not HOST:PORT", "--redis", "redis")]
    [InlineData("--primary and --redis are two kinds of membership", "--primary", "127.0.0.1:11111", "--redis", "127.0.0.1:6379")]
    [InlineData("--port and --gateway-port must differ", "--port", "30000", "--gateway-port", "30000")]
    [InlineData("--address must be an IP address", "--address", "somewhere")]
    [InlineData("--primary: \"localhost\" is not HOST:PORT", "--primary", "localhost")]
    public void Silo_BadOptions_RefusedWithExit2(string message, params string[] options)
    {
        var (code, _, err) = CliRunner.Run(["silo", .. options]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }
}
