using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Fitting;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Fitting;
using LatentFit.Tests.Models.Hmm;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Execution;

/// <summary>
/// The portable backend (what a distributed coordinator does, in one process: recipe, θ and empty statistics as bytes
/// to each group, the model rebuilt there, the group's blocks run on a data set of its rows alone, the groups' flat
/// statistics merged in group order) against the local backend: whole fits, bit for bit, with data in one piece and in
/// shards, and E-steps over block ranges that start and end inside groups.
/// </summary>
public sealed class PortableBackendTests
{
    private const int BlockRows = 97;

    public static TheoryData<string, bool> GaussianCases()
    {
        var cases = new TheoryData<string, bool>();
        foreach (var structure in CovarianceStructure.All)
        {
            cases.Add(structure.Name, false);
        }

        cases.Add(FullCovariance.Instance.Name, true);
        cases.Add(DiagonalCovariance.Instance.Name, true);
        return cases;
    }

    [Theory]
    [MemberData(nameof(GaussianCases))]
    public void GaussianFit_PortableAndLocal_BitIdentical(string structureName, bool singlePrecision)
    {
        Assert.True(CovarianceStructure.TryParse(structureName, out var structure));
        var plain = RandomProblems.MixtureData(new Random(71), 1001, 2, 3);
        foreach (var data in new[] { plain, PortableModelTests.Sharded(plain, [0, 400, 777]) })
        {
            var input = singlePrecision ? data.ToSinglePrecision() : data;
            var model = new GaussianMixtureModel(3, 2, structure);
            var start = GaussianMixtureInitializer.KMeansPlusPlus(model, input, 3, new ExecutionOptions(1, BlockRows), new KMeansOptions { Runs = 1 });
            AssertSameFit(new FitProblemFactory<GaussianMixtureParameters, GaussianMixtureStatistics>(options => new(model, input, options)), model.FromUnconstrainedStart(start), input);
        }
    }

    [Fact]
    public void PoissonFit_PortableAndLocal_BitIdentical()
    {
        var random = new Random(72);
        var counts = Enumerable.Range(0, 1001).Select(n => (double)(n % 3 == 0 ? random.Next(0, 4) : random.Next(5, 20))).ToArray();
        var weights = Enumerable.Range(0, 1001).Select(_ => (double)random.Next(1, 5)).ToArray();
        var data = new DataSet("counts", ["y"], counts, 1001, weights, new DataSetLayout { ShardStarts = [0, 500, 900] });
        var model = new PoissonMixtureModel(2);
        var start = new double[model.ParameterCount];
        model.ToUnconstrained(PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0]), start);
        AssertSameFit(new FitProblemFactory<PoissonMixtureParameters, PoissonMixtureStatistics>(options => new(model, data, options)), start, data);
    }

    [Fact]
    public void GaussianHmmFit_PortableAndLocal_BitIdentical()
    {
        var data = PortableModelTests.ShardedSequences(HmmTestCases.GaussianData(73, PortableModelTests.Lengths(74)));
        var model = new HiddenMarkovModel<GaussianEmissionParameters, GaussianEmissionStatistics>(new GaussianEmissionFamily(2, 2, FullCovariance.Instance, 1e-6));
        var start = new double[model.ParameterCount];
        model.ToUnconstrained(HmmTestCases.GaussianStart(FullCovariance.Instance), start);
        AssertSameFit(new FitProblemFactory<HmmParameters<GaussianEmissionParameters>, HmmStatistics<GaussianEmissionStatistics>>(options => new(model, data, options)), start, data);
    }

    [Fact]
    public void EStep_BlockRangesInsideGroups_LocalBackendsBits()
    {
        var data = PortableModelTests.Sharded(RandomProblems.MixtureData(new Random(75), 1001, 2, 3), [0, 400, 777]);
        var model = new GaussianMixtureModel(3, 2, TiedCovariance.Instance);
        var theta = RandomProblems.Parameters(new Random(76), data, 3, TiedCovariance.Instance);
        var anchor = RandomProblems.Parameters(new Random(77), data, 3, TiedCovariance.Instance);
        var partition = data.Partition(BlockRows);
        Assert.Equal(3, partition.GroupCount);
        var backend = new PortableBackend(PortableModels.Rebuild);
        var local = new ExecutionOptions(1, BlockRows);
        var portable = local with { Backend = backend };
        foreach (var blocks in new[] { Range.All, 2..3, 3..7, 1..^1, 5..5 })
        {
            foreach (var create in new Func<GaussianMixtureStatistics>[] { model.CreateStatistics, () => model.CreateAnchoredStatistics(anchor) })
            {
                var expected = PortableModelTests.Flat(ChunkedEStep.Run(model, theta, data, partition, blocks, local, create));
                var actual = PortableModelTests.Flat(ChunkedEStep.Run(model, theta, data, partition, blocks, portable, create));
                PortableModelTests.AssertBits(expected, actual, $"blocks {blocks}");
            }
        }

        // Blocks 3..7 touch groups 0 and 1 (blocks 0–4 and 5–8); 1..^1 all three.
        Assert.Equal([new GroupPiece(0, 3..5, 3..5), new GroupPiece(1, 5..7, 0..2)], PortableBackend.Pieces(partition, 3..7));
        Assert.Equal(3, PortableBackend.Pieces(partition, 1..^1).Count);
    }

    [Fact]
    public void EStep_ModelThatIsNotPortable_NotSupported()
    {
        var data = RandomProblems.MixtureData(new Random(78), 50, 1, 2);
        var model = new UniformEndpointModel();
        var options = new ExecutionOptions(1, BlockRows) { Backend = new PortableBackend(PortableModels.Rebuild) };
        Assert.Throws<NotSupportedException>(() => ChunkedEStep.Run(model, 3.0, data, options));
    }

    /// <summary>Eight EM iterations on the local backend and on the portable one: the same η, ℓ trace and ℓ, to the bit; and the E-steps did cross.</summary>
    private static void AssertSameFit<TParams, TStats>(FitProblemFactory<TParams, TStats> problem, double[] start, DataSet data)
        where TStats : ISufficientStatistics<TStats>
    {
        var fitOptions = new FitOptions { RelativeTolerance = 0, MaxIterations = 8 };
        var local = new ExpectationMaximizationOptimizer().Run(problem.Create(new ExecutionOptions(2, BlockRows)), start, fitOptions);
        var backend = new PortableBackend(PortableModels.Rebuild);
        var portable = new ExpectationMaximizationOptimizer().Run(problem.Create(new ExecutionOptions(2, BlockRows) { Backend = backend }), start, fitOptions);
        Assert.True(local.Parameters.SequenceEqual(portable.Parameters), "η");
        Assert.True(local.Trace.Select(r => r.LogLikelihood).SequenceEqual(portable.Trace.Select(r => r.LogLikelihood)), "ℓ trace");
        Assert.Equal(local.LogLikelihood, portable.LogLikelihood);
        Assert.True(backend.EStepCount >= fitOptions.MaxIterations, $"{backend.EStepCount} E-steps crossed");
        Assert.Equal(backend.EStepCount * data.Partition(BlockRows).GroupCount, backend.RequestCount);
    }

    private sealed class FitProblemFactory<TParams, TStats>(Func<ExecutionOptions, FitProblem<TParams, TStats>> create)
        where TStats : ISufficientStatistics<TStats>
    {
        public FitProblem<TParams, TStats> Create(ExecutionOptions options) => create(options);
    }
}

internal static class PortableBackendTestExtensions
{
    public static double[] FromUnconstrainedStart(this GaussianMixtureModel model, GaussianMixtureParameters start)
    {
        var eta = new double[model.ParameterCount];
        model.ToUnconstrained(start, eta);
        return eta;
    }
}
