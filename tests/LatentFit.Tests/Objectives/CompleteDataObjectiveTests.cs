using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Objectives;

/// <summary>Q(θ | θₜ), the complete-data information and the empirical information, checked against differences of ℓ and of log p(x).</summary>
public sealed class CompleteDataObjectiveTests
{
    private static FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics> DeathNotices(out double[] start)
    {
        var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), TestData.DeathNotices);
        start = problem.ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5]));
        return problem;
    }

    [Fact]
    public void PoissonMixture_Surrogate_SatisfiesFisherStationarityAndMinorisation()
    {
        var problem = DeathNotices(out var start);
        SurrogateIdentities.Assert(problem, start);
    }

    [Fact]
    public void PoissonMixture_CompleteDataInformation_MatchesSecondDifferencesOfQ()
    {
        var problem = DeathNotices(out var start);
        var surrogate = problem.CompleteData(start);
        int p = problem.ParameterCount;
        var information = new double[p * p];
        double passes = problem.Passes;
        surrogate.Information(information);
        Assert.Equal(passes, problem.Passes);
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                // −∂²Q/∂ηᵢ∂ηⱼ by differences of Q's values only (not its gradient).
                double h = 1e-4;
                double Q(double di, double dj)
                {
                    var eta = (double[])start.Clone();
                    eta[i] += di;
                    eta[j] += dj;
                    return surrogate.ValueAndGradient(eta, new double[p]);
                }

                double expected = -(Q(h, h) - Q(h, -h) - Q(-h, h) + Q(-h, -h)) / (4 * h * h);
                Assert.True(Math.Abs(information[i * p + j] - expected) <= 1e-4 * (1 + Math.Abs(expected)), $"I_oc[{i},{j}] = {information[i * p + j]:R}, by second differences {expected:R}");
            }
        }
    }

    [Fact]
    public void PoissonMixture_ScoreCrossProducts_MatchesDifferencesOfEachRowsLogDensity()
    {
        // Each row of the frequency table counts w times: Σ w·s sᵀ with s = ∇ log p(x) by differences of log p(x).
        var problem = DeathNotices(out var start);
        int p = problem.ParameterCount;
        var expected = new double[p * p];
        var data = TestData.DeathNotices;
        for (int n = 0; n < data.Rows; n++)
        {
            var row = new[] { data[n, 0] };
            var score = Enumerable.Range(0, p).Select(i => CentralDifference.Richardson(eta => problem.LogDensity(eta, row), start, i)).ToArray();
            double w = data.RowWeights!.Value.Span[n];
            for (int i = 0; i < p; i++)
            {
                for (int j = 0; j < p; j++)
                {
                    expected[i * p + j] += w * score[i] * score[j];
                }
            }
        }

        var actual = new double[p * p];
        double passes = problem.Passes;
        double value = problem.ScoreCrossProducts(start, actual);
        Assert.Equal(passes + 1, problem.Passes);
        Assert.Equal(problem.Value(start), value, 1e-9);
        for (int i = 0; i < p * p; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-6 * (1 + Math.Abs(expected[i])), $"entry {i}: {actual[i]:R} vs {expected[i]:R}");
        }
    }
}
