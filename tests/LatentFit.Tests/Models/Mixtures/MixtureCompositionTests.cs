using System.Text.Json;
using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Tests.Models.Emissions;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Mixtures;

/// <summary>
/// The mixture as weights + an emission family: with one component it is the family's plain weighted MLE, and the
/// shared posterior gives the Poisson mixture the EM steps base R computes (References/death_notices_em_trajectory.json).
/// </summary>
public sealed class MixtureCompositionTests
{
    [Theory]
    [InlineData("full")]
    [InlineData("diag")]
    [InlineData("spherical")]
    public void OneComponent_Gaussian_EmStepIsWeightedMleAndLogLikelihoodIsPlain(string name)
    {
        CovarianceStructure.TryParse(name, out var structure);
        var data = ReferenceDensities.Gaussian(new Random(7), 500, 3);
        double[] covariance = name == "spherical" ? [2, 0, 0, 0, 2, 0, 0, 0, 2] : [2, 0, 0, 0, 3, 0, 0, 0, 4];
        var start = GaussianMixtureParameters.FromFullCovariances(structure, [1.0], [1.0, -2.0, 0.5], covariance, 3);
        var model = new GaussianMixtureModel(1, 3, structure);
        var statistics = model.CreateStatistics();
        model.Accumulate(start, data.Block(0, data.Rows), statistics);
        var next = model.Maximize(start, statistics);

        var ones = Enumerable.Repeat(1.0, data.Rows).ToArray();
        var expected = ReferenceDensities.GaussianMle(data, ones, structure, model.Regularization);
        double[] actual = [.. next.Means.ToArray(), .. next.FullCovariances()];
        AssertRelative(expected, actual, 1e-10);
        Assert.Equal(1.0, next.Weights[0]);

        double logLikelihood = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            logLikelihood += data.RowWeights!.Value.Span[n] * ReferenceGaussianMixture.LogDensity(data.Row(n).ToArray(), start.Means.ToArray(), start.FullCovariances());
        }

        AssertRelative([logLikelihood], [statistics.LogLikelihood], 1e-12);
    }

    [Fact]
    public void OneComponent_Poisson_EmStepIsWeightedMeanAndLogLikelihoodIsPlain()
    {
        var data = ReferenceDensities.Counts(new Random(11), 400);
        var model = new PoissonMixtureModel(1);
        var start = PoissonMixtureParameters.Create([1.0], [2.0]);
        var statistics = model.CreateStatistics();
        model.Accumulate(start, data.Block(0, data.Rows), statistics);
        var next = model.Maximize(start, statistics);

        double weight = 0, sum = 0, logLikelihood = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            double w = data.RowWeights!.Value.Span[n], x = data.Row(n)[0];
            weight += w;
            sum += w * x;
            logLikelihood += w * ReferenceDensities.PoissonLog(x, 2.0);
        }

        AssertRelative([sum / weight], [next.Rates[0]], 1e-13);
        AssertRelative([logLikelihood], [statistics.LogLikelihood], 1e-12);
    }

    /// <summary>
    /// The shared posterior sums in another order than the Poisson mixture's own did; its EM steps must still be base
    /// R's to 1e-12 relative, on the frequency table (10 weighted rows) and on its 1,096 rows written out (whole
    /// blocks, the 512-bit path where the hardware has it).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PoissonEm_DeathNotices_FollowsBaseRTrajectory(bool expanded)
    {
        var data = expanded ? Expand(TestData.DeathNotices) : TestData.DeathNotices;
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "References", "death_notices_em_trajectory.json")));
        var model = new PoissonMixtureModel(2);
        var theta = PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5]);
        int done = 0;
        foreach (var record in json.RootElement.GetProperty("records").EnumerateArray())
        {
            PoissonMixtureStatistics statistics;
            for (; done < record.GetProperty("steps").GetInt32(); done++)
            {
                statistics = model.CreateStatistics();
                model.Accumulate(theta, data.Block(0, data.Rows), statistics);
                theta = model.Maximize(theta, statistics);
            }

            statistics = model.CreateStatistics();
            model.Accumulate(theta, data.Block(0, data.Rows), statistics);
            AssertRelative(
                [record.GetProperty("weight1").GetDouble(), record.GetProperty("rate1").GetDouble(), record.GetProperty("rate2").GetDouble(), record.GetProperty("loglik").GetDouble()],
                [theta.Weights[0], theta.Rates[0], theta.Rates[1], statistics.LogLikelihood],
                1e-12);
        }

        Assert.Equal(500, done);
    }

    private static DataSet Expand(DataSet table)
    {
        var values = new List<double>();
        for (int n = 0; n < table.Rows; n++)
        {
            values.AddRange(Enumerable.Repeat(table.Row(n)[0], (int)table.RowWeights!.Value.Span[n]));
        }

        return new DataSet("death notices, one row per day", table.ColumnNames, [.. values], values.Count);
    }

    private static void AssertRelative(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * Math.Abs(expected[i]), $"value {i}: {actual[i]:R} vs {expected[i]:R}");
        }
    }
}
