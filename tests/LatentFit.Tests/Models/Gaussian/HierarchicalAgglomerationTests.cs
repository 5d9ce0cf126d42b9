using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Gaussian;

/// <summary>Identities of <see cref="HierarchicalAgglomeration"/> that need no peer: weights as multiplicities, and the subset for large data.</summary>
public sealed class HierarchicalAgglomerationTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Partition_RowWeights_SameAsRepeatedRows(int k)
    {
        // Three iris rows of weight 10 against the same rows repeated 10 times (copies appended): coincident rows
        // merge first (no merge lowers the criterion more), after which both runs hold the same clusters.
        var iris = TestData.Iris;
        int[] heavy = [0, 60, 120];
        const int Weight = 10;
        var weights = Enumerable.Range(0, iris.Rows).Select(i => heavy.Contains(i) ? (double)Weight : 1).ToArray();
        var weighted = new DataSet("iris, weighted", iris.ColumnNames, iris.Values.ToArray(), iris.Rows, weights);
        var repeatedValues = iris.Values.ToArray().ToList();
        foreach (int row in heavy)
        {
            for (int copy = 1; copy < Weight; copy++)
            {
                repeatedValues.AddRange(iris.Row(row).ToArray());
            }
        }

        var repeated = new DataSet("iris, repeated", iris.ColumnNames, repeatedValues.ToArray(), iris.Rows + (heavy.Length * (Weight - 1)));
        var expected = HierarchicalAgglomeration.Partition(repeated, k).Take(iris.Rows);
        Assert.Equal(expected, HierarchicalAgglomeration.Partition(weighted, k));
    }

    [Fact]
    public void Initialize_RowsOfWeightZero_SameStartAsWithoutThem()
    {
        // Two separated clusters; every third row gets weight 0. A row of weight 0 is no observation, so the start
        // must be the one made from the other rows alone (before, their 0·log(…/0) terms made the merge costs NaN and
        // the partition arbitrary: weights 0.96/0.04 where the clusters are 0.5/0.5).
        int rows = 40, d = 2;
        var random = new Random(11);
        var values = new double[rows * d];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.NextDouble() + (i / d < rows / 2 ? 0 : 10);
        }

        var weights = Enumerable.Range(0, rows).Select(i => i % 3 == 0 ? 0.0 : 1.0).ToArray();
        var weighted = new DataSet("generated", ["a", "b"], values, rows, weights);
        var kept = Enumerable.Range(0, rows).Where(i => weights[i] > 0).ToArray();
        var without = new DataSet("generated, weight-0 rows removed", ["a", "b"], kept.SelectMany(r => values.AsSpan(r * d, d).ToArray()).ToArray(), kept.Length);
        var model = new GaussianMixtureModel(2, d, FullCovariance.Instance, regularization: 1e-6);

        var expected = HierarchicalAgglomeration.Initialize(model, without, seed: 0);
        var actual = HierarchicalAgglomeration.Initialize(model, weighted, seed: 0);
        Assert.Equal(expected.Weights.ToArray(), actual.Weights.ToArray());
        Assert.Equal(expected.Means.ToArray(), actual.Means.ToArray());
        Assert.Equal(0.5, actual.Weights[0], 0.1);
    }

    [Fact]
    public void Initialize_MoreRowsThanLimit_MStepOnTheSampledRowsOnly()
    {
        // A limit of 200 rows stands for MaxRows (2,000) so that the test stays fast.
        int rows = 500, limit = 200, d = 2;
        var random = new Random(5);
        var values = new double[rows * d];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.NextDouble() + (i / d % 3 == 0 ? 4 : 0);
        }

        var data = new DataSet("generated", ["a", "b"], values, rows);
        var model = new GaussianMixtureModel(2, d, FullCovariance.Instance, regularization: 1e-6);
        var sample = HierarchicalAgglomeration.SampleRows(rows, seed: 7, limit);
        Assert.Equal(limit, sample.Length);
        var subset = new DataSet("subset", ["a", "b"], sample.SelectMany(r => values.AsSpan(r * d, d).ToArray()).ToArray(), sample.Length);

        var fromAll = HierarchicalAgglomeration.Initialize(model, data, seed: 7, limit);
        var fromSubset = HierarchicalAgglomeration.Initialize(model, subset, seed: 7, limit);
        Assert.Equal(fromSubset.Weights.ToArray(), fromAll.Weights.ToArray());
        Assert.Equal(fromSubset.Means.ToArray(), fromAll.Means.ToArray());
    }
}
