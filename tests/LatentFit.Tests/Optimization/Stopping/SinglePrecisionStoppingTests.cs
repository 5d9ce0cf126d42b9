using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Optimization.Stopping;

/// <summary>
/// The rounding level of ℓ follows the arithmetic ℓ is computed in: a Gaussian mixture over single-precision data runs
/// its kernels in float32, and ℓ resolves about 2⁻²³·|ℓ|/√N instead of a few float64 ulps; with float64's level the
/// default fit ran to the iteration limit on noise (a 40,000-row diagonal fit took all 10,000 iterations).
/// </summary>
public sealed class SinglePrecisionStoppingTests
{
    [Theory]
    [InlineData("full")]
    [InlineData("diag")]
    public void GaussianMixture_SinglePrecisionData_DefaultFitStopsAtTheRoundingLevel_NearTheDoubleFit(string covariance)
    {
        var data = RandomProblems.MixtureData(new Random(3), 40000, 3, 3);
        Assert.True(CovarianceStructure.TryParse(covariance, out var structure));
        var model = new GaussianMixtureModel(3, 3, structure);
        var start = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 11);
        var wide = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data);
        var single = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data.ToSinglePrecision());
        Assert.Equal(FitProblem.DoubleRoundingUnit, wide.LogLikelihoodRoundingUnit);
        Assert.Equal(Math.Pow(2, -23) / 200, single.LogLikelihoodRoundingUnit, 1e-20);

        var options = new FitOptions { MaxIterations = 400 };
        var reference = new ExpectationMaximizationOptimizer().Run(wide, wide.ToUnconstrained(start), options);
        var result = new ExpectationMaximizationOptimizer().Run(single, single.ToUnconstrained(start), options);
        Assert.True(reference.Converged, $"float64: {reference.Termination} after {reference.Iterations}");
        Assert.True(result.Converged, $"float32: {result.Termination} after {result.Iterations} iterations, ℓ = {result.LogLikelihood:R}");
        Assert.True(result.Iterations < 100, $"float32 took {result.Iterations} iterations");

        // Within float32's resolution of the float64 maximum: a few units of 2⁻²³·|ℓ|/√N, and far below one unit of
        // 2⁻²³·|ℓ| (which N float32 rounding errors all of one sign would make).
        double unit = Math.Pow(2, -23) * Math.Abs(reference.LogLikelihood);
        Assert.True(Math.Abs(result.LogLikelihood - reference.LogLikelihood) < 0.2 * unit, $"ℓ float32 {result.LogLikelihood:R} against float64 {reference.LogLikelihood:R}");
    }

    [Fact]
    public void ModelsComputingInFloat64_KeepFloat64sRoundingLevel_OnSinglePrecisionData()
    {
        var counts = TestData.DeathNotices.ToSinglePrecision();
        var poisson = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), counts);
        Assert.Equal(FitProblem.DoubleRoundingUnit, poisson.LogLikelihoodRoundingUnit);
    }
}
