using System.Text.Json;
using LatentFit.Data;
using LatentFit.Fitting;
using LatentFit.Models.Gaussian;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.References;

/// <summary>
/// mclust's start against LatentFit's <see cref="HierarchicalAgglomeration"/>: the K-cluster partitions of
/// <c>hclass(hc(X, "VVV", use = "SVD"), K)</c> and the ℓ that <c>Mclust(X, K, "VVV")</c> reaches from them, stored in
/// hc_partitions.json by hc_partitions.R (see README.md there).
/// </summary>
public sealed class HierarchicalAgglomerationReferenceTests
{
    private static readonly Lazy<JsonElement[]> References = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "References", "hc_partitions.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    });

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var reference in References.Value)
        {
            data.Add(reference.GetProperty("dataset").GetString()!, reference.GetProperty("k").GetInt32());
        }

        return data;
    }

    private static JsonElement Reference(string dataset, int k) =>
        References.Value.Single(c => c.GetProperty("dataset").GetString() == dataset && c.GetProperty("k").GetInt32() == k);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Partition_MatchesMclustHclassUpToRelabelling(string dataset, int k)
    {
        var expected = Reference(dataset, k).GetProperty("labels").EnumerateArray().Select(l => l.GetInt32()).ToArray();
        var ours = HierarchicalAgglomeration.Partition(ReferenceData.Load(dataset), k);

        Assert.Equal(expected.Length, ours.Length);
        // Same partition: the pairs (ours, mclust's) form a one-to-one map between labels.
        var forward = new Dictionary<int, int>();
        var backward = new Dictionary<int, int>();
        int disagreements = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            if (forward.TryAdd(ours[i], expected[i]) & backward.TryAdd(expected[i], ours[i]))
            {
                continue;
            }

            disagreements += forward[ours[i]] == expected[i] && backward[expected[i]] == ours[i] ? 0 : 1;
        }

        Assert.True(disagreements == 0, $"{disagreements} of {ours.Length} rows in a different cluster from mclust's");
        Assert.Equal(k, forward.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EmFromHierarchicalStart_ReachesMclustLogLikelihood(string dataset, int k)
    {
        // mclust has no variance floor: compare at --reg-covar 0.
        var settings = new GaussianMixtureFitSettings
        {
            Data = ReferenceData.Load(dataset),
            Components = k,
            Initialization = InitializationMethod.Hierarchical,
            Regularization = 0,
        };
        var fit = GaussianMixtureFitter.Fit(settings, new ExpectationMaximizationOptimizer(), new FitOptions { RelativeTolerance = 1e-12, MaxIterations = 100_000 });

        double expected = Reference(dataset, k).GetProperty("mclustLoglik").GetDouble();
        Assert.True(Math.Abs(fit.Result.LogLikelihood - expected) <= 1e-4, $"LatentFit {fit.Result.LogLikelihood:R}, mclust {expected:R}");
    }

    [Fact]
    public void SampleRows_LargeData_DrawsMaxRowsDistinctRowsBySeed()
    {
        var first = HierarchicalAgglomeration.SampleRows(10_000, seed: 3);
        Assert.Equal(HierarchicalAgglomeration.MaxRows, first.Length);
        Assert.Equal(first.Length, first.Distinct().Count());
        Assert.All(first, r => Assert.InRange(r, 0, 9_999));
        Assert.Equal(first, HierarchicalAgglomeration.SampleRows(10_000, seed: 3));
        Assert.NotEqual(first, HierarchicalAgglomeration.SampleRows(10_000, seed: 4));
        Assert.Equal(Enumerable.Range(0, 300), HierarchicalAgglomeration.SampleRows(300, seed: 3));
    }
}

/// <summary>The data sets of the peer references: LatentFit's embedded faithful and iris, the rest from References/data.</summary>
internal static class ReferenceData
{
    private static readonly Dictionary<string, DataSet> Loaded = [];

    public static DataSet Load(string name)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(name, out var data))
            {
                data = name is "faithful" or "iris" ? TestData.ByName(name) : CsvDataReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "References", "data", name + ".csv"));
                Loaded[name] = data;
            }

            return data;
        }
    }
}
