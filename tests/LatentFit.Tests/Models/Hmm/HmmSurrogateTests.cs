using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Hmm;

/// <summary>
/// The hidden Markov model's Q(θ | θₜ): Fisher's identity, differences of Q, minorisation and M-step stationarity
/// (<see cref="SurrogateIdentities"/>), zero probabilities, and the per-sequence empirical information.
/// </summary>
public sealed class HmmSurrogateTests
{
    private static DataSet Earthquakes()
    {
        var data = EmbeddedDatasets.Load("earthquakes");
        return new DataSet("earthquakes", ["count"], data.Values.ToArray(), data.Rows, layout: new DataSetLayout { SequenceStarts = [0] });
    }

    /// <summary>From δ uniform, and from δ at a vertex (its zero held at the log-ratio floor in η).</summary>
    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void PoissonHmm_EarthquakesStart_SatisfiesSurrogateIdentities(double firstInitial)
    {
        var problem = HmmTestCases.PoissonProblem(Earthquakes());
        var start = problem.ToUnconstrained(HmmTestCases.PoissonParameters([firstInitial, 1 - firstInitial], [0.9, 0.1, 0.2, 0.8], [12, 25]));
        SurrogateIdentities.Assert(problem, start);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("diag")]
    public void GaussianHmm_SeveralSequences_SatisfiesSurrogateIdentities(string structure)
    {
        Assert.True(CovarianceStructure.TryParse(structure, out var covariance));
        var problem = HmmTestCases.GaussianProblem(HmmTestCases.GaussianData(5, [40, 25, 60]), covariance);
        var start = problem.ToUnconstrained(HmmTestCases.GaussianStart(covariance));
        SurrogateIdentities.Assert(problem, start);
    }

    /// <summary>
    /// A zero probability in θ costs nothing where the statistics expect no such event (δ₂ = 0 at θₜ gives γ₁(2) = 0),
    /// and makes Q −∞ where they do (statistics from a θₜ with δ₂ &gt; 0), as log p(x, z | θ) is −∞ for a path through it.
    /// </summary>
    [Fact]
    public void PoissonHmm_ZeroInitialProbability_FiniteOnlyWhereTheStatisticsExpectNoStart()
    {
        var data = Earthquakes();
        var model = HmmTestCases.PoissonModel(2);
        var rows = new DataBlock(data.Values.Span, data.Rows, 1);
        var vertex = HmmTestCases.PoissonParameters([1, 0], [0.9, 0.1, 0.2, 0.8], [12, 25]);
        var interior = HmmTestCases.PoissonParameters([0.5, 0.5], [0.9, 0.1, 0.2, 0.8], [12, 25]);
        var gradient = new double[model.ParameterCount];

        var atVertex = model.CreateStatistics();
        model.Accumulate(vertex, rows, atVertex);
        Assert.Equal(0, atVertex.InitialCounts[1]);
        Assert.True(double.IsFinite(model.CompleteDataLogLikelihood(vertex, vertex, atVertex, gradient)));

        var atInterior = model.CreateStatistics();
        model.Accumulate(interior, rows, atInterior);
        Assert.True(atInterior.InitialCounts[1] > 0);
        Assert.Equal(double.NegativeInfinity, model.CompleteDataLogLikelihood(vertex, interior, atInterior, gradient));
    }

    /// <summary>Each sequence is one observation: its score by central differences of ℓ of a problem over that sequence alone.</summary>
    [Fact]
    public void GaussianHmm_ScoreCrossProducts_MatchesDifferencesOfEachSequencesLogLikelihood()
    {
        int[] lengths = [30, 18, 45];
        var data = HmmTestCases.GaussianData(9, lengths);
        var problem = HmmTestCases.GaussianProblem(data, FullCovariance.Instance);
        var start = problem.ToUnconstrained(HmmTestCases.GaussianStart(FullCovariance.Instance));
        int p = problem.ParameterCount;
        var expected = new double[p * p];
        var starts = HmmTestCases.Starts(lengths);
        for (int s = 0; s < lengths.Length; s++)
        {
            var values = data.Values.Slice(starts[s] * data.Dimension, lengths[s] * data.Dimension).ToArray();
            var alone = HmmTestCases.GaussianProblem(HmmTestCases.Sequences(values, data.Dimension, [lengths[s]]), FullCovariance.Instance);
            var score = Enumerable.Range(0, p).Select(i => CentralDifference.Richardson(eta => alone.Value(eta), start, i)).ToArray();
            SurrogateIdentities.AddOuterProduct(expected, score, 1);
        }

        SurrogateIdentities.AssertScoreCrossProducts(problem, start, expected);
    }
}
