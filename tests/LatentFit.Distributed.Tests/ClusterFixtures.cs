using Orleans.TestingHost;

namespace LatentFit.Distributed.Tests;

/// <summary>An in-process Orleans cluster of <c>silos</c> silos serving shards from <see cref="Shards"/>, rebuilding models as the silo command does (<see cref="CatalogModelRebuilder"/>).</summary>
public abstract class ClusterFixture(short silos) : IAsyncLifetime
{
    internal InMemoryShards Shards { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public short Silos => silos;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => silo.AddLatentFitShards(Shards, new CatalogModelRebuilder()));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class OneSilo() : ClusterFixture(1);

public sealed class ThreeSilos() : ClusterFixture(3);
