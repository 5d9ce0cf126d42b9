using LatentFit.Diagnostics;
using LatentFit.Models.Gaussian;
using LatentFit.Objectives;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Conformance;

/// <summary>
/// The model contract as properties over random data and random θ, for every covariance structure: Fisher's
/// identity against finite differences, Xu &amp; Jordan's P(θ) against the M-step, and EM monotone at every step.
/// Cases come from fixed seeds (a property-testing library would draw fresh seeds each run; results here
/// must be reproducible), varying K, D and N with the seed.
/// </summary>
public sealed class GaussianMixtureContractTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var structure in CovarianceStructure.All)
        {
            for (int seed = 1; seed <= 6; seed++)
            {
                data.Add(structure.Name, seed);
            }
        }

        return data;
    }

    private static (GaussianMixtureModel Model, FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics> Problem, GaussianMixtureParameters Theta) RandomCase(string structureName, int seed)
    {
        Assert.True(CovarianceStructure.TryParse(structureName, out var structure));
        var random = new Random(seed * 7919 + structureName.Length);
        int k = 1 + seed % 3, d = 1 + (seed * 5) % 4, n = 60 + random.Next(140);
        var data = RandomProblems.MixtureData(random, n, d, k);
        var theta = RandomProblems.Parameters(random, data, k, structure);
        var model = new GaussianMixtureModel(k, d, structure, regularization: 0);
        var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data, new LatentFit.Execution.ExecutionOptions(2, 37));
        return (model, problem, theta);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FisherIdentity_RandomTheta_GradientMatchesFiniteDifferences(string structure, int seed)
    {
        var (_, problem, theta) = RandomCase(structure, seed);
        var report = FisherIdentityCheck.Run(problem, problem.ToUnconstrained(theta));
        Assert.True(report.MaxRelativeError <= 1e-6, $"max relative error {report.MaxRelativeError:E3}");
        Assert.True(report.GradientNorm > 0);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FisherIdentity_WithVarianceFloor_GradientMatchesFiniteDifferences(string structure, int seed)
    {
        // With regularisation ε the covariance coordinates are ½ log(Lᵢᵢ² − ε): take ε at half of θ's smallest
        // conditional variance, so the floor changes the chain rule by a factor of about 2 where it binds most.
        var (_, plain, theta) = RandomCase(structure, seed);
        double floor = 0.5 * theta.Factors.SmallestConditionalVariance;
        var model = new GaussianMixtureModel(theta.Components, theta.Dimension, theta.Structure, floor);
        var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, plain.Data);
        var eta = problem.ToUnconstrained(theta);
        var back = problem.ToParameters(eta).FullCovariances();
        var original = theta.FullCovariances();
        for (int i = 0; i < original.Length; i++)
        {
            Assert.Equal(original[i], back[i], 1e-12 * (1 + Math.Abs(original[i])));
        }

        var report = FisherIdentityCheck.Run(problem, eta);
        Assert.True(report.MaxRelativeError <= 1e-6, $"max relative error {report.MaxRelativeError:E3}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void XuJordan_RandomTheta_EmStepIsPreconditionedGradient(string structure, int seed)
    {
        var (_, problem, theta) = RandomCase(structure, seed);
        var report = XuJordanCheck.Run(theta, problem.Data);
        Assert.True(report.WeightsResidual <= 1e-9 || theta.Components == 1, $"weights {report.WeightsResidual:E3}");
        Assert.True(report.MeansResidual <= 1e-9, $"means {report.MeansResidual:E3}");
        Assert.True(report.CovarianceResidualCurrentMeans <= 1e-9, $"covariances (current means) {report.CovarianceResidualCurrentMeans:E3}");
        Assert.True(report.CovarianceResidualUsualCorrected <= 1e-9, $"covariances (usual + ΔμΔμᵀ) {report.CovarianceResidualUsualCorrected:E3}");
        Assert.True(report.PositiveDefinite);

        // The fine print is real: EM's usual update misses P∇ℓ by exactly the ΔμΔμᵀ term, which is not small at a random θ.
        Assert.True(report.MeanShiftTermNorm > 0);
        Assert.True(report.CovarianceResidualUsual > 1e3 * report.CovarianceResidualUsualCorrected);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EmMap_RandomTheta_NeverDecreasesLogLikelihood(string structure, int seed)
    {
        var (_, problem, theta) = RandomCase(structure, seed);
        var report = EmMonotonicityCheck.Run(problem, problem.ToUnconstrained(theta), steps: 40);
        Assert.Equal(41, report.LogLikelihoods.Count);
        for (int t = 1; t < report.LogLikelihoods.Count; t++)
        {
            Assert.True(
                report.LogLikelihoods[t] >= report.LogLikelihoods[t - 1] - 1e-12 * Math.Abs(report.LogLikelihoods[t - 1]),
                $"ℓ fell at step {t}: {report.LogLikelihoods[t - 1]:R} → {report.LogLikelihoods[t]:R}");
        }

        Assert.True(report.LogLikelihoods[^1] > report.LogLikelihoods[0]);
    }
}
