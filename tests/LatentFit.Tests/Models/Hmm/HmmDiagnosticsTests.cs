using LatentFit.Diagnostics;
using LatentFit.Models.Gaussian;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Tests.Models.Hmm;

/// <summary>
/// The identities the HMM's E-step statistics must satisfy, through the library's diagnostics: Fisher's identity
/// (gradient from the statistics against central differences of ℓ), EM's monotonicity (Dempster, Laird &amp; Rubin 1977,
/// Theorem 1), and EM's linear rate equal to the largest eigenvalue of the EM map's Jacobian (ibid., §3.9).
/// </summary>
public sealed class HmmDiagnosticsTests
{
    /// <summary>Several sequences of different lengths, one a single row.</summary>
    private static readonly int[] Lengths = [30, 1, 45, 12, 60];

    public static TheoryData<string> Problems() => ["poisson", "full", "diag"];

    private static (FitProblem Problem, double[] Start) Problem(string name, IReadOnlyList<int> lengths)
    {
        if (name == "poisson")
        {
            var poisson = HmmTestCases.PoissonProblem(HmmTestCases.PoissonData(21, lengths, [2, 9]));
            return (poisson, poisson.ToUnconstrained(HmmTestCases.PoissonStart()));
        }

        Assert.True(CovarianceStructure.TryParse(name, out var structure));
        var gaussian = HmmTestCases.GaussianProblem(HmmTestCases.GaussianData(22, lengths), structure);
        return (gaussian, gaussian.ToUnconstrained(HmmTestCases.GaussianStart(structure)));
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void Gradient_SeveralSequences_MatchesCentralDifferencesOfLogLikelihood(string name)
    {
        var (problem, start) = Problem(name, Lengths);

        // At the start and again after three EM steps, where the transition and initial parts of the gradient are smaller.
        var moved = new double[start.Length];
        var scratch = new double[start.Length];
        problem.EmMap(start, moved);
        problem.EmMap(moved, scratch);
        problem.EmMap(scratch, moved);
        foreach (var eta in new[] { start, moved })
        {
            var report = FisherIdentityCheck.Run(problem, eta);
            Assert.True(report.GradientNorm > 1e-3, $"the gradient ({report.GradientNorm:G3}) should be far from 0 here");
            Assert.True(report.Passed(1e-6), $"{name}: largest relative difference {report.MaxRelativeError:G3}");
        }
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void Em_FiftyStepsOnSeveralSequences_NeverDecreasesLogLikelihood(string name)
    {
        var (problem, start) = Problem(name, Lengths);
        var report = EmMonotonicityCheck.Run(problem, start, 50);
        Assert.Null(report.StoppedEarly);
        Assert.Equal(51, report.LogLikelihoods.Count);
        Assert.True(report.Passed, $"{name}: ℓ fell by {report.LargestDecrease:G3}");
        Assert.True(report.LogLikelihoods[^1] > report.LogLikelihoods[0] + 1, "EM should have moved from the start");
    }

    [Theory]
    [InlineData("poisson")]
    [InlineData("full")]
    public void ObservedEmRate_ManySequences_EqualsLargestEigenvalueOfEmJacobian(string name)
    {
        // Many sequences, so that the maximum has δ inside the simplex: with one sequence δ goes to a vertex, where
        // EM's steps in η do not shrink and there is no linear rate to observe.
        var (problem, start) = Problem(name, Enumerable.Repeat(25, 24).ToArray());
        var optimum = OptimizerCatalog.Create("newton").Run(problem, start, new FitOptions { RelativeTolerance = 0, GradientTolerance = 1e-9, MaxIterations = 200 });
        Assert.True(optimum.Converged, $"newton: {optimum.Termination}");
        var report = ConvergenceRate.Analyze(problem, start, optimum.Parameters);
        Assert.InRange(report.LargestEigenvalue, 0.05, 1);
        Assert.True(report.Discrepancy <= 1e-3, $"observed {report.ObservedRate:R}, eigenvalue {report.LargestEigenvalue:R}");
    }
}
