using System.Text.Json;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Fitting;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Categorical;
using LatentFit.Models.Emissions;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;
using LatentFit.Models.Uniform;
using LatentFit.Objectives;
using LatentFit.Tests.Models.Categorical;
using LatentFit.Tests.Models.Hmm;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Fitting;

/// <summary>
/// Every model <c>fit</c> runs crosses the wire exactly: θ after a few EM iterations, written and read back, is θ to the
/// bit (its public surface and its flat form), and the model rebuilt from its recipe (through a JSON string) gives, at
/// the flat θ and from flat empty statistics, the flat statistics of the original model's E-step on the local backend,
/// bit for bit. The data are in several shard groups, so each group is reduced on its own; the Gaussian cases also
/// start from anchored statistics, whose flat form carries their centres.
/// </summary>
public sealed class PortableModelTests
{
    // 1,001 rows in blocks of 97 within groups that start at rows 0, 400 and 777: blocks of 97 that end short at each
    // group's end, as a machine holding that shard alone would cut them.
    private const int BlockRows = 97;

    private static readonly int[] ShardStarts = [0, 400, 777];

    public static TheoryData<string, bool> GaussianCases()
    {
        var cases = new TheoryData<string, bool>();
        foreach (var structure in CovarianceStructure.All)
        {
            cases.Add(structure.Name, false);
            cases.Add(structure.Name, true);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(GaussianCases))]
    public void GaussianMixture_AfterEm_RoundTripsAndRebuiltEStepIsBitIdentical(string structureName, bool singlePrecision)
    {
        Assert.True(CovarianceStructure.TryParse(structureName, out var structure));
        var data = Sharded(RandomProblems.MixtureData(new Random(51), 1001, 3, 3), ShardStarts);
        data = singlePrecision ? data.ToSinglePrecision() : data;
        var model = new GaussianMixtureModel(3, 3, structure, regularization: 1e-5);
        var start = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 7, new ExecutionOptions(1, BlockRows), new KMeansOptions { Runs = 1 });
        var theta = Iterate(model, start, data, 3);
        AssertPortable(model, theta, data);
        AssertRebuiltEStep(model, theta, data, () => model.CreateAnchoredStatistics(start), "anchored at the start");
    }

    [Fact]
    public void PoissonMixture_AfterEm_RoundTripsAndRebuiltEStepIsBitIdentical()
    {
        var random = new Random(52);
        var counts = Enumerable.Range(0, 1001).Select(n => (double)(n % 3 == 0 ? random.Next(0, 4) : random.Next(5, 20))).ToArray();
        var weights = Enumerable.Range(0, 1001).Select(_ => (double)random.Next(1, 5)).ToArray();
        var data = new DataSet("counts", ["y"], counts, 1001, weights, new DataSetLayout { ShardStarts = ShardStarts });
        var model = new PoissonMixtureModel(2);
        var theta = Iterate(model, PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0]), data, 3);
        AssertPortable(model, theta, data);
    }

    [Fact]
    public void UniformMixture_AfterEm_RoundTripsAndRebuiltEStepIsBitIdentical()
    {
        var random = new Random(53);
        var values = Enumerable.Range(0, 1001).Select(n => n % 2 == 0 ? 4 * random.NextDouble() : 1 + random.NextDouble()).ToArray();
        var data = new DataSet("uniform", ["x"], values, 1001, layout: new DataSetLayout { ShardStarts = ShardStarts });
        var model = new UniformMixtureModel(2);
        var theta = Iterate(model, UniformMixtureParameters.Create([0.5, 0.5], [-1.0, 0.5], [5.0, 2.5]), data, 3);
        AssertPortable(model, theta, data);
    }

    [Fact]
    public void CategoricalMixture_AfterEm_RoundTripsAndRebuiltEStepIsBitIdentical()
    {
        var codes = CategoricalMixtureModelTests.Data();
        var data = new DataSet(codes.Source, codes.ColumnNames, codes.Values.ToArray(), codes.Rows, codes.RowWeights!.Value.ToArray(), new DataSetLayout
        {
            Categories = [codes.Categories(0)],
            MissingCells = codes.MissingCells.ToArray(),
            ShardStarts = [0, 25, 41],
        });
        var model = new CategoricalMixtureModel(2, CategoricalMixtureModelTests.Categories, ["A", "C", "G", "T"]);
        var theta = Iterate(model, CategoricalMixtureModelTests.Theta, data, 3, blockRows: 7);
        AssertPortable(model, theta, data, blockRows: 7);
    }

    public static TheoryData<string> HmmStructures() => [FullCovariance.Instance.Name, DiagonalCovariance.Instance.Name];

    [Theory]
    [MemberData(nameof(HmmStructures))]
    public void GaussianHmm_AfterBaumWelch_RoundTripsAndRebuiltEStepIsBitIdentical(string structureName)
    {
        Assert.True(CovarianceStructure.TryParse(structureName, out var structure));
        var data = ShardedSequences(HmmTestCases.GaussianData(54, Lengths(55)));
        var model = new HiddenMarkovModel<GaussianEmissionParameters, GaussianEmissionStatistics>(new GaussianEmissionFamily(2, 2, structure, 1e-6));
        var start = HmmTestCases.GaussianStart(structure);
        var theta = Iterate(model, start, data, 3);
        AssertPortable(model, theta, data);
        AssertRebuiltEStep(model, theta, data, () => model.CreateAnchoredStatistics(start), "anchored at the start");
    }

    [Fact]
    public void PoissonHmm_AfterBaumWelch_RoundTripsAndRebuiltEStepIsBitIdentical()
    {
        var data = ShardedSequences(HmmTestCases.PoissonData(56, Lengths(57), [2, 9]));
        var model = HmmTestCases.PoissonModel(2);
        var theta = Iterate(model, HmmTestCases.PoissonStart(), data, 3);
        AssertPortable(model, theta, data);
    }

    [Fact]
    public void CategoricalHmm_AfterBaumWelch_RoundTripsAndRebuiltEStepIsBitIdentical()
    {
        var lengths = Lengths(58);
        var random = new Random(59);
        var states = HmmTestCases.StatePaths(random, [0.5, 0.5], [0.9, 0.1, 0.2, 0.8], lengths);
        var codes = states.Select(z => (double)(z == 0 ? random.Next(2) : 1 + random.Next(2))).ToArray();
        var starts = HmmTestCases.Starts(lengths);
        var data = new DataSet("dna", ["base"], codes, codes.Length, layout: new DataSetLayout
        {
            SequenceStarts = starts,
            ShardStarts = [0, starts[starts.Length / 3], starts[2 * starts.Length / 3]],
            Categories = [["A", "C", "G"]],
        });
        var model = new HiddenMarkovModel<CategoricalEmissionParameters, CategoricalEmissionStatistics>(new CategoricalEmissionFamily(2, 3, ["A", "C", "G"]));
        var start = HmmParameters<CategoricalEmissionParameters>.Create([0.6, 0.4], [0.7, 0.3, 0.4, 0.6], CategoricalEmissionParameters.Create(3, [0.5, 0.3, 0.2, 0.2, 0.3, 0.5]));
        var theta = Iterate(model, start, data, 3);
        AssertPortable(model, theta, data);
    }

    public static TheoryData<string, string, string?, string?> CatalogCases() => new()
    {
        { "gmm", "faithful", null, "full" },
        { "gmm", "faithful", null, "tied" },
        { "gmm", "faithful", null, "diag" },
        { "gmm", "faithful", null, "spherical" },
        { "poisson", "death_notices", null, null },
        { "uniform-mixture", "faithful-eruptions", null, null },
        { "hmm", "faithful", "gaussian", "full" },
        { "hmm", "faithful", "gaussian", "diag" },
        { "hmm", "earthquakes", "poisson", null },
        { "hmm", "iris-species", "categorical", null },
    };

    [Theory]
    [MemberData(nameof(CatalogCases))]
    public void CatalogFamily_EveryModelFitRuns_IsPortableAndItsEmMapCrossesBitForBit(string model, string dataName, string? emission, string? covariance)
    {
        // Every family and setting that `fit` runs builds a portable model: its recipe rebuilds, and one EM map from
        // the family's own start through the portable backend gives the local backend's bits.
        var data = dataName switch
        {
            "faithful-eruptions" => EmbeddedDatasets.Load("faithful", ["eruptions"]),
            "iris-species" => EmbeddedDatasets.Load("iris", ["Species"], categoricalColumns: ["Species"]),
            _ => EmbeddedDatasets.Load(dataName),
        };
        FitProblem Problem(IExecutionBackend backend)
        {
            var specification = ModelCatalog.Get(model).Create(new ModelSettings
            {
                Data = data,
                Components = 2,
                Seed = 3,
                Emission = emission,
                Covariance = covariance,
                Execution = new ExecutionOptions(1, 50) { Backend = backend },
            });
            return specification.CreateProblem();
        }

        var local = Problem(LocalBackend.Instance);
        var portableBackend = new PortableBackend(PortableModels.Rebuild);
        var remote = Problem(portableBackend);
        var modelProperty = local.GetType().GetProperty("Model")!;
        var portableType = typeof(IPortableModel<>).MakeGenericType(local.GetType().GetGenericArguments()[0]);
        Assert.True(portableType.IsInstanceOfType(modelProperty.GetValue(local)), $"{model} ({emission}, {covariance}): {modelProperty.GetValue(local)!.GetType().Name} is not portable");
        var recipe = (ModelRecipe)portableType.GetProperty("Recipe")!.GetValue(modelProperty.GetValue(local))!;
        Assert.Equal(recipe, PortableModels.Rebuild(recipe).Recipe);

        var specification = ModelCatalog.Get(model).Create(new ModelSettings { Data = data, Components = 2, Seed = 3, Emission = emission, Covariance = covariance, Execution = new ExecutionOptions(1, 50) });
        var start = specification.InitialParameters(local, 0);
        var expected = new double[local.ParameterCount];
        var actual = new double[remote.ParameterCount];
        double expectedValue = local.EmMap(start, expected);
        double actualValue = remote.EmMap(start, actual);
        Assert.True(portableBackend.EStepCount >= 1, "no E-step crossed");
        Assert.Equal(BitConverter.DoubleToInt64Bits(expectedValue), BitConverter.DoubleToInt64Bits(actualValue));
        AssertBits(expected, actual, "the EM map");
    }

    [Fact]
    public void GaussianReadParameters_TamperedLogNormaliser_EStepUsesTheValueGivenNotARecomputedOne()
    {
        // The factorisation crosses the wire rather than being recomputed: 1 added to component 1's log-normaliser in
        // the flat form must add about n₁ to ℓ. (Were it recomputed, ℓ would not change, and on another machine the
        // recomputed factors could differ from the coordinator's in the last bits.)
        var data = RandomProblems.MixtureData(new Random(60), 500, 2, 2);
        var model = new GaussianMixtureModel(2, 2, FullCovariance.Instance);
        var theta = RandomProblems.Parameters(new Random(61), data, 2, FullCovariance.Instance);
        var flat = model.WriteParameters(theta);
        int normaliser = 2 + 2 * 2 + 2 * 2 * 2 * 2;
        var tampered = (double[])flat.Clone();
        tampered[normaliser] += 1;
        var options = new ExecutionOptions(1, BlockRows);
        var exact = ChunkedEStep.Run(model, model.ReadParameters(flat), data, options);
        var shifted = ChunkedEStep.Run(model, model.ReadParameters(tampered), data, options);
        Assert.Equal(exact.LogLikelihood, ChunkedEStep.Run(model, theta, data, options).LogLikelihood);
        Assert.True(shifted.LogLikelihood > exact.LogLikelihood + 0.1 * data.Rows, $"ℓ {exact.LogLikelihood} → {shifted.LogLikelihood}");
    }

    [Fact]
    public void Recipe_EveryModel_CarriesEveryConstructorArgumentAsWrittenHere()
    {
        // Written out by hand: a setting the recipe drops (the categorical labels name the parameters but change no
        // E-step) would otherwise go unseen, since the rebuilt model's recipe would drop it too.
        const string Gaussian = """{"kind":"gaussian","settings":{"components":3,"dimension":2,"structure":"spherical","regularization":0.00025}}""";
        const string Categorical = """{"kind":"categorical","settings":{"components":2,"categories":3,"labels":["A","C","G"]}}""";
        var cases = new (ModelRecipe Recipe, string Kind, string Settings)[]
        {
            (new GaussianMixtureModel(3, 2, SphericalCovariance.Instance, 2.5e-4).Recipe, "mixture", $$"""{"emission":{{Gaussian}}}"""),
            (new PoissonMixtureModel(4).Recipe, "mixture", """{"emission":{"kind":"poisson","settings":{"components":4}}}"""),
            (new UniformMixtureModel(2).Recipe, "mixture", """{"emission":{"kind":"uniform","settings":{"components":2}}}"""),
            (new CategoricalMixtureModel(2, 3, ["A", "C", "G"]).Recipe, "mixture", $$"""{"emission":{{Categorical}}}"""),
            (new CategoricalMixtureModel(2, 3).Recipe, "mixture", """{"emission":{"kind":"categorical","settings":{"components":2,"categories":3,"labels":null}}}"""),
            (new HiddenMarkovModel<GaussianEmissionParameters, GaussianEmissionStatistics>(new GaussianEmissionFamily(3, 2, SphericalCovariance.Instance, 2.5e-4)).Recipe, "hidden-markov", $$"""{"emission":{{Gaussian}}}"""),
            (HmmTestCases.PoissonModel(2).Recipe, "hidden-markov", """{"emission":{"kind":"poisson","settings":{"components":2}}}"""),
            (new HiddenMarkovModel<CategoricalEmissionParameters, CategoricalEmissionStatistics>(new CategoricalEmissionFamily(2, 3, ["A", "C", "G"])).Recipe, "hidden-markov", $$"""{"emission":{{Categorical}}}"""),
        };
        foreach (var (recipe, kind, settings) in cases)
        {
            Assert.Equal(kind, recipe.Kind);
            Assert.Equal(settings, recipe.Settings);
            Assert.Equal(recipe, PortableModels.Rebuild(recipe).Recipe);
        }
    }

    [Fact]
    public void Rebuild_UnknownKind_ArgumentExceptionNamingTheKind()
    {
        var error = Assert.Throws<ArgumentException>(() => PortableModels.Rebuild(new ModelRecipe("neural-net", "{}")));
        Assert.Contains("neural-net", error.Message);
        error = Assert.Throws<ArgumentException>(() => PortableModels.Rebuild(new ModelRecipe("mixture", """{"emission":{"kind":"weibull","settings":{}}}""")));
        Assert.Contains("weibull", error.Message);
        Assert.Contains("mixture", error.Message);
    }

    [Fact]
    public void Rebuild_BadSettings_ArgumentExceptionNamingTheKindAndSetting()
    {
        var recipe = new GaussianMixtureModel(2, 3, TiedCovariance.Instance, 1e-4).Recipe;
        var missing = recipe with { Settings = recipe.Settings.Replace("\"regularization\"", "\"reg\"", StringComparison.Ordinal) };
        var error = Assert.Throws<ArgumentException>(() => PortableModels.Rebuild(missing));
        Assert.Contains("mixture", error.Message);
        Assert.Contains("regularization", error.Message);
        var zero = recipe with { Settings = recipe.Settings.Replace("\"components\":2", "\"components\":0", StringComparison.Ordinal) };
        Assert.NotEqual(recipe.Settings, zero.Settings);
        Assert.Contains("mixture", Assert.Throws<ArgumentException>(() => PortableModels.Rebuild(zero)).Message);
        Assert.Contains("hidden-markov", Assert.Throws<ArgumentException>(() => PortableModels.Rebuild(new ModelRecipe("hidden-markov", "[1]"))).Message);
        Assert.Contains("structure", Assert.Throws<ArgumentException>(() => PortableModels.Rebuild(recipe with { Settings = recipe.Settings.Replace("tied", "banana", StringComparison.Ordinal) })).Message);
    }

    [Fact]
    public void ReadParameters_WrongLength_ArgumentException()
    {
        var model = new GaussianMixtureModel(2, 2, DiagonalCovariance.Instance);
        var flat = model.WriteParameters(RandomProblems.Parameters(new Random(62), RandomProblems.MixtureData(new Random(63), 50, 2, 2), 2, DiagonalCovariance.Instance));
        Assert.Throws<ArgumentException>(() => model.ReadParameters(flat.AsSpan(0, flat.Length - 1)));
        Assert.Throws<ArgumentException>(() => new PoissonMixtureModel(3).ReadParameters([0.5, 0.5, 1, 2]));
        Assert.Throws<ArgumentException>(() => HmmTestCases.PoissonModel(2).ReadParameters([1, 0, 0.5, 0.5, 0.5, 0.5, 3]));
    }

    /// <summary>θ after <paramref name="iterations"/> EM steps from <paramref name="start"/> (E-step on the local backend, closed-form M-step).</summary>
    private static TParams Iterate<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams start, DataSet data, int iterations, int blockRows = BlockRows)
        where TStats : ISufficientStatistics<TStats>
    {
        var theta = start;
        for (int i = 0; i < iterations; i++)
        {
            theta = model.Maximize(theta, ChunkedEStep.Run(model, theta, data, new ExecutionOptions(1, blockRows)));
        }

        return theta;
    }

    /// <summary>θ round-trips through its flat form bit for bit, and the rebuilt model's E-step is the original's.</summary>
    private static void AssertPortable<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, int blockRows = BlockRows)
        where TStats : ISufficientStatistics<TStats>
    {
        var portable = Assert.IsAssignableFrom<IPortableModel<TParams>>(model);
        var flat = portable.WriteParameters(theta);
        var back = portable.ReadParameters(flat);
        AssertBits(flat, portable.WriteParameters(back), "θ's flat form, written again after reading");
        var natural = Assert.IsAssignableFrom<INaturalParameterization<TParams>>(model);
        var expected = new double[natural.NaturalParameterNames.Count];
        var actual = new double[expected.Length];
        natural.ToNatural(theta, expected);
        natural.ToNatural(back, actual);
        AssertBits(expected, actual, "natural parameters after the round trip");
        AssertRebuiltEStep(model, theta, data, model.CreateStatistics, "fresh statistics", blockRows);
    }

    /// <summary>
    /// The recipe through a JSON string, rebuilt by the catalog, runs the E-step at θ's flat form from <paramref name="create"/>'s
    /// flat form: all blocks, and a range that starts and ends inside groups (incremental EM's), against the local backend.
    /// </summary>
    private static void AssertRebuiltEStep<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, Func<TStats> create, string what, int blockRows = BlockRows)
        where TStats : ISufficientStatistics<TStats>
    {
        var portable = (IPortableModel<TParams>)model;
        var recipe = JsonSerializer.Deserialize<ModelRecipe>(JsonSerializer.Serialize(portable.Recipe))!;
        var eStep = PortableModels.Rebuild(recipe);
        Assert.Equal(portable.Recipe, eStep.Recipe);
        var options = new ExecutionOptions(2, blockRows);
        var partition = options.Partition(data);
        Assert.True(partition.GroupCount > 1, $"{partition.GroupCount} group");
        var empty = Flat(create());
        foreach (var blocks in new[] { Range.All, 1..(partition.Count - 1) })
        {
            var expected = Flat(ChunkedEStep.Run(model, theta, data, partition, blocks, options, create));
            var actual = eStep.Run(portable.WriteParameters(theta), empty, data, partition, blocks, 2);
            AssertBits(expected, actual, $"statistics ({what}, blocks {blocks})");
        }
    }

    internal static double[] Flat<TStats>(TStats statistics)
        where TStats : ISufficientStatistics<TStats>
    {
        var flat = new double[statistics.FlatLength];
        statistics.WriteFlat(flat);
        return flat;
    }

    internal static void AssertBits(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]), $"{what}: value {i} is {actual[i]:R}, expected {expected[i]:R}");
        }
    }

    /// <summary>The same double-precision data with shard starts.</summary>
    internal static DataSet Sharded(DataSet data, int[] shardStarts) =>
        new(data.Source, data.ColumnNames, data.Values.ToArray(), data.Rows, data.RowWeights?.ToArray(), new DataSetLayout
        {
            ShardStarts = shardStarts,
            SequenceStarts = data.HasSequences ? data.SequenceStarts.ToArray() : null,
        });

    /// <summary>Sequences cut into three shards at sequence starts about a third and two thirds of the way.</summary>
    internal static DataSet ShardedSequences(DataSet data)
    {
        var starts = data.SequenceStarts.ToArray();
        return Sharded(data, [0, starts[starts.Length / 3], starts[2 * starts.Length / 3]]);
    }

    /// <summary>60 sequences of 1 to 30 rows.</summary>
    internal static int[] Lengths(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 60).Select(_ => 1 + random.Next(30)).ToArray();
    }
}
