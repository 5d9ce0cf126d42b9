using LatentFit.Execution;
using LatentFit.Models.Abstractions;
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
        builder.ConfigureSilo((_, silo) => silo.AddLatentFitShards(Shards, new FailingKinds(new CatalogModelRebuilder())));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class OneSilo() : ClusterFixture(1);

public sealed class ThreeSilos() : ClusterFixture(3);

/// <summary>The catalog, and one kind of its own whose E-step always finds its parameters invalid, as a model's E-step on a silo may.</summary>
internal sealed class FailingKinds(IModelRebuilder catalog) : IModelRebuilder
{
    public const string AlwaysInvalid = "test-always-invalid";

    public IPortableEStep Rebuild(ModelRecipe recipe) => recipe.Kind == AlwaysInvalid ? new InvalidEStep(recipe) : catalog.Rebuild(recipe);

    private sealed class InvalidEStep(ModelRecipe recipe) : IPortableEStep
    {
        public ModelRecipe Recipe => recipe;

        public double[] Run(ReadOnlySpan<double> theta, ReadOnlySpan<double> emptyStatistics, LatentFit.Data.DataSet data, LatentFit.Data.BlockPartition partition, Range blocks, int threads) =>
            throw new InvalidParametersException("covariance 2 is not positive definite", FitSetting.Regularization);
    }
}
