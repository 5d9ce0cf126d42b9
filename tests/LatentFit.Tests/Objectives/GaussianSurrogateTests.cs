using LatentFit.Data;
using LatentFit.Models.Categorical;
using LatentFit.Models.Gaussian;
using LatentFit.Objectives;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Objectives;

/// <summary>
/// Q(θ | θₜ) of the Gaussian family (every covariance structure) and of the categorical family, through the mixtures:
/// Fisher's identity, differences of Q, minorisation and M-step stationarity (<see cref="SurrogateIdentities"/>) at a
/// k-means start, which is not a maximum.
/// </summary>
public sealed class GaussianSurrogateTests
{
    private static FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics> Problem(DataSet data, int components, string structure, double regularization, out double[] start)
    {
        Assert.True(CovarianceStructure.TryParse(structure, out var covariance));
        var model = new GaussianMixtureModel(components, data.Dimension, covariance, regularization);
        var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data);
        start = problem.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus(model, data, 3));
        return problem;
    }

    [Theory]
    [InlineData("full")]
    [InlineData("diag")]
    [InlineData("tied")]
    [InlineData("spherical")]
    public void GaussianMixture_FaithfulKMeansStart_SatisfiesSurrogateIdentities(string structure)
    {
        var problem = Problem(TestData.Faithful, 2, structure, 0, out var start);
        SurrogateIdentities.Assert(problem, start);
    }

    [Fact]
    public void GaussianMixture_IrisThreeDiagonal_SatisfiesSurrogateIdentities()
    {
        var problem = Problem(TestData.Iris, 3, "diag", 0, out var start);
        SurrogateIdentities.Assert(problem, start);
    }

    /// <summary>
    /// With the default regularisation ε, Q is the surrogate of the unpenalised ℓ (Fisher's identity and minorisation
    /// hold), and the M-step Sₖ/nₖ + εI is the stationary point of Q + P with the penalty P = −½ε Σₖ nₖ tr(Σₖ⁻¹),
    /// nₖ = N πₖ' (the M-step's weights), P's gradient taken here by differences of a reference inverse.
    /// </summary>
    [Fact]
    public void GaussianMixture_FaithfulDefaultRegularization_QIsUnpenalisedAndMStepMaximisesPenalisedQ()
    {
        const double Regularization = 1e-6;
        var problem = Problem(TestData.Faithful, 2, "full", Regularization, out var start);
        SurrogateIdentities.Assert(problem, start, mStepMaximizesQ: false);

        int p = problem.ParameterCount, d = 2;
        var next = new double[p];
        problem.EmMap(start, next);
        var weights = problem.ToParameters(next).Weights.ToArray();
        double Penalty(double[] eta)
        {
            var full = problem.ToParameters(eta).Emission.FullCovariances();
            double sum = 0;
            for (int k = 0; k < weights.Length; k++)
            {
                var inverse = ReferenceInverse.Invert(full[(k * d * d)..((k + 1) * d * d)], d);
                sum += TestData.Faithful.Rows * weights[k] * (inverse[0] + inverse[3]);
            }

            return -0.5 * Regularization * sum;
        }

        var gradient = new double[p];
        problem.CompleteData(start).ValueAndGradient(next, gradient);
        double largest = 0;
        for (int i = 0; i < p; i++)
        {
            double penalty = CentralDifference.Richardson(Penalty, next, i);
            largest = Math.Max(largest, Math.Abs(penalty));
            Assert.True(Math.Abs(gradient[i] + penalty) <= 1e-8 * (1 + Math.Abs(penalty)), $"∂(Q + P)/∂η[{i}] at the M-step = {gradient[i] + penalty:R} (∂P = {penalty:R})");
        }

        // The check means something only if the penalty's gradient is far above its tolerance.
        Assert.True(largest > 1e-5, $"the penalty's gradient is only {largest:R}");
    }

    /// <summary>
    /// Q does not depend on the points the moments are taken about: moments about other centres (anchored statistics,
    /// as incremental EM keeps) give the same Q and ∇Q at every θ as moments about θₜ's means.
    /// </summary>
    [Theory]
    [InlineData("full")]
    [InlineData("diag")]
    [InlineData("tied")]
    [InlineData("spherical")]
    public void GaussianMixture_MomentsAboutOtherCentres_GiveTheSameQ(string structure)
    {
        var data = TestData.Faithful;
        var problem = Problem(data, 2, structure, 0, out var start);
        var model = (GaussianMixtureModel)problem.Model;
        var at = problem.ToParameters(start);
        var rows = new DataBlock(data.Values.Span, data.Rows, data.Dimension);
        var own = model.CreateStatistics();
        model.Accumulate(at, rows, own);
        var anchor = problem.ToParameters(start.Select((v, i) => v + 0.7 + 0.1 * i).ToArray());
        var anchored = model.CreateAnchoredStatistics(anchor);
        model.Accumulate(at, rows, anchored);

        int p = problem.ParameterCount;
        var random = new Random(4);
        for (int probe = 0; probe < 3; probe++)
        {
            var theta = problem.ToParameters(start.Select(v => v + 0.3 * (2 * random.NextDouble() - 1)).ToArray());
            var expectedGradient = new double[p];
            var actualGradient = new double[p];
            double expected = model.CompleteDataLogLikelihood(theta, at, own, expectedGradient);
            double actual = model.CompleteDataLogLikelihood(theta, at, anchored, actualGradient);
            Assert.Equal(expected, actual, 1e-9 * Math.Abs(expected));
            for (int i = 0; i < p; i++)
            {
                Assert.True(Math.Abs(expectedGradient[i] - actualGradient[i]) <= 1e-8 * (1 + Math.Abs(expectedGradient[i])), $"∂Q/∂η[{i}]: {actualGradient[i]:R} about other centres, {expectedGradient[i]:R} about θₜ's means");
            }
        }
    }

    [Fact]
    public void GaussianMixture_CompleteDataInformation_MatchesSecondDifferencesOfQ()
    {
        var problem = Problem(TestData.Faithful, 2, "full", 0, out var start);
        SurrogateIdentities.AssertInformationMatchesSecondDifferences(problem, start);
    }

    [Fact]
    public void GaussianMixture_ScoreCrossProducts_MatchesDifferencesOfEachRowsLogDensity()
    {
        var problem = Problem(TestData.Faithful, 2, "full", 0, out var start);
        SurrogateIdentities.AssertRowScoreCrossProducts(problem, TestData.Faithful, start);
    }

    [Fact]
    public void CategoricalMixture_RandomStart_SatisfiesSurrogateIdentities()
    {
        var random = new Random(8);
        var values = Enumerable.Range(0, 80).Select(_ => (double)random.Next(3)).ToArray();
        var data = new DataSet("codes", ["x"], values, values.Length, layout: new DataSetLayout { Categories = [["a", "b", "c"]] });
        var problem = new FitProblem<CategoricalMixtureParameters, CategoricalMixtureStatistics>(new CategoricalMixtureModel(2, 3), data);
        var start = problem.ToUnconstrained(CategoricalMixtureParameters.Create([0.35, 0.65], CategoricalEmissionParameters.Create(3, [0.2, 0.5, 0.3, 0.6, 0.1, 0.3])));
        SurrogateIdentities.Assert(problem, start);
    }
}
