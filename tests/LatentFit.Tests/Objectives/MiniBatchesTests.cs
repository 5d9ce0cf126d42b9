using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Tests.Optimization;

namespace LatentFit.Tests.Objectives;

/// <summary>
/// The mini-batch primitives of <see cref="FitProblem"/>: a batch's gradient is that of its own rows scaled by N/N_B,
/// and stochastic-approximation averages of batch statistics add up to the full E-step's (so their M-step is EM's).
/// </summary>
public sealed class MiniBatchesTests
{
    private static FitProblem Problem(string name) => name == "gmm" ? StochasticOptimizerTests.Mixture() : StochasticOptimizerTests.Hmm();

    private static DataSet Data(string name) => name == "gmm" ? StochasticOptimizerTests.MixtureData.Value : StochasticOptimizerTests.HmmData.Value;

    private static double[] Start(string name) => name == "gmm" ? StochasticOptimizerTests.MixtureStart(StochasticOptimizerTests.Mixture()) : StochasticOptimizerTests.HmmStart(StochasticOptimizerTests.Hmm());

    /// <summary>The rows of <paramref name="range"/> as a data set of their own, with their sequences.</summary>
    private static DataSet Rows(DataSet data, RowRange range)
    {
        var values = new double[range.Count * data.Dimension];
        for (int n = 0; n < range.Count; n++)
        {
            data.Row(range.Start + n).CopyTo(values.AsSpan(n * data.Dimension, data.Dimension));
        }

        var starts = data.SequenceStarts.ToArray().Where(s => s >= range.Start && s < range.End).Select(s => s - range.Start).ToArray();
        return new DataSet("batch", data.ColumnNames, values, range.Count, layout: starts.Length > 0 ? new DataSetLayout { SequenceStarts = starts } : null);
    }

    /// <summary>The problem's model bound to other data (the same model type, so the same η).</summary>
    private static FitProblem Bound(string name, DataSet data) => name == "gmm"
        ? new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(StochasticOptimizerTests.Mixture().Model, data)
        : new FitProblem<HmmParameters<PoissonEmissionParameters>, HmmStatistics<PoissonEmissionStatistics>>(StochasticOptimizerTests.Hmm().Model, data);

    [Theory]
    [InlineData("gmm")]
    [InlineData("hmm")]
    public void ScaledGradient_EachBatch_IsItsRowsGradientTimesNOverNB(string name)
    {
        var problem = Problem(name);
        var eta = Start(name);
        var batches = problem.CreateMiniBatches(70);
        Assert.True(batches.Count > 10, $"{batches.Count} batches");
        var scaled = new double[eta.Length];
        var reference = new double[eta.Length];
        foreach (int b in new[] { 0, 1, batches.Count / 2, batches.Count - 1 })
        {
            var rows = batches.BatchRows(b);
            double before = problem.Passes;
            double value = batches.ScaledGradient(b, eta, scaled);
            Assert.Equal(before + rows.Count / (double)problem.Rows, problem.Passes, 12);

            // ℓ_B and ∇ℓ_B from a full pass over a data set of the batch's rows alone.
            double expected = Bound(name, Rows(Data(name), rows)).ValueAndGradient(eta, reference);
            double factor = problem.Observations / rows.Count;
            Assert.True(Math.Abs(value - factor * expected) <= 1e-10 * Math.Abs(factor * expected), $"batch {b}: ℓ {value:R} vs {factor * expected:R}");
            for (int i = 0; i < eta.Length; i++)
            {
                Assert.True(Math.Abs(scaled[i] - factor * reference[i]) <= 1e-9 * (1 + Math.Abs(factor * reference[i])), $"batch {b}, coordinate {i}: {scaled[i]:R} vs {factor * reference[i]:R}");
            }
        }
    }

    [Theory]
    [InlineData("gmm")]
    [InlineData("hmm")]
    public void Average_StepsByCumulativeWeight_GiveTheFullEStepSoTheMStepIsEms(string name)
    {
        // With γₜ = N_Bₜ / Σ_{u≤t} N_Bᵤ the recursion s ← (1 − γ)s + γ(N/N_B)s_B leaves each batch with coefficient
        // N_B/N, so s = Σ_B s_B, the full E-step's statistics: the M-step from s is the EM map. The batches are of unequal
        // sizes, so a wrong N/N_B (or a missing 1 − γ) gives another point.
        var problem = Problem(name);
        var eta = Start(name);
        var batches = problem.CreateMiniBatches(70);
        Assert.Contains(Enumerable.Range(0, batches.Count), b => batches.BatchRows(b).Count != batches.BatchRows(0).Count);
        double cumulative = 0;
        double before = problem.Passes;
        for (int b = batches.Count - 1; b >= 0; b--)
        {
            cumulative += batches.BatchRows(b).Count;
            batches.Average(b, eta, batches.BatchRows(b).Count / cumulative);
        }

        Assert.Equal(before + 1, problem.Passes, 12);
        var online = new double[eta.Length];
        batches.Maximize(eta, online);
        var em = new double[eta.Length];
        Problem(name).EmMap(eta, em);
        var expected = problem.NaturalParameters(em);
        var actual = problem.NaturalParameters(online);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-10 * (1 + Math.Abs(expected[i])), $"{problem.NaturalParameterNames[i]}: {actual[i]:R} vs EM's {expected[i]:R}");
        }
    }

    [Fact]
    public void Average_FirstStepNotWhole_IsRefused()
    {
        var problem = Problem("gmm");
        var batches = problem.CreateMiniBatches(100);
        Assert.Throws<ArgumentOutOfRangeException>(() => batches.Average(0, Start("gmm"), 0.5));
    }
}
