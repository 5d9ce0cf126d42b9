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
        SurrogateIdentities.AssertInformationMatchesSecondDifferences(problem, start);
    }

    [Fact]
    public void PoissonMixture_ScoreCrossProducts_MatchesDifferencesOfEachRowsLogDensity()
    {
        // Each row of the frequency table counts w times: Σ w·s sᵀ with s = ∇ log p(x) by differences of log p(x).
        var problem = DeathNotices(out var start);
        SurrogateIdentities.AssertRowScoreCrossProducts(problem, TestData.DeathNotices, start);
    }
}
