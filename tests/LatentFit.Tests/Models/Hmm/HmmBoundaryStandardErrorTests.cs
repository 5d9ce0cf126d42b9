using LatentFit.Data;
using LatentFit.Diagnostics;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Hmm;

/// <summary>
/// Standard errors at a maximum on the boundary: with one sequence Baum–Welch puts δ at a vertex of the simplex, where
/// the observed information in η is singular. The errors of the other parameters are those of the model with δ held at
/// the vertex; the reference here is that model's observed information in (Γ₁₂, Γ₂₁, λ₁, λ₂), taken by central
/// differences of ℓ from a log-space forward recursion written in the tests (not the library's), inverted by hand.
/// </summary>
public sealed class HmmBoundaryStandardErrorTests
{
    private static double LogLikelihood(double[] counts, double switch12, double switch21, double rate1, double rate2) =>
        LogSpaceForwardBackward.Run([1, 0], [1 - switch12, switch12, switch21, 1 - switch21], LogSpaceForwardBackward.PoissonLogDensities(counts, [rate1, rate2]), [0]).LogLikelihood;

    [Fact]
    public void StandardErrors_InitialDistributionAtAVertex_HeldFixedOthersFromTheInformationWithDeltaFixed()
    {
        var data = HmmTestCases.PoissonData(11, [400], [3, 12]);
        var problem = HmmTestCases.PoissonProblem(data);
        var start = problem.ToUnconstrained(HmmTestCases.PoissonStart());
        var fit = OptimizerCatalog.Create("em").Run(problem, start, new FitOptions { RelativeTolerance = 1e-13, MaxIterations = 5000 });
        var polished = MaximumPolish.Run(problem, fit.Parameters, fit.LogLikelihood);
        Assert.True(polished.AtMaximum, polished.Failure);
        var theta = problem.ToParameters(polished.Parameters);
        Assert.True(theta.Initial[1] < 1e-12, $"δ₂ = {theta.Initial[1]:G3}: the maximum was expected at the vertex δ = (1, 0)");

        var report = StandardErrors.Compute(problem, polished.Parameters);
        Assert.Equal(["initial[1]", "initial[2]"], report.HeldAtBoundary);

        var counts = data.Values.ToArray();
        double[] x = [theta.Transition[1], theta.Transition[2], theta.Emission.Rates[0], theta.Emission.Rates[1]];
        var information = new double[16];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                double hi = 1e-4 * x[i], hj = 1e-4 * x[j];
                double F(double di, double dj)
                {
                    var y = (double[])x.Clone();
                    y[i] += di;
                    y[j] += dj;
                    return LogLikelihood(counts, y[0], y[1], y[2], y[3]);
                }

                information[i * 4 + j] = -(F(hi, hj) - F(hi, -hj) - F(-hi, hj) + F(-hi, -hj)) / (4 * hi * hj);
            }
        }

        var covariance = ReferenceInverse.Invert(information, 4);
        string[] names = ["transition[1][2]", "transition[2][1]", "rate[1]", "rate[2]"];
        for (int a = 0; a < 4; a++)
        {
            double expected = Math.Sqrt(covariance[a * 4 + a]);
            int index = report.Names.ToList().IndexOf(names[a]);
            Assert.True(Math.Abs(report.Errors[index] - expected) <= 1e-4 * expected, $"{names[a]}: {report.Errors[index]:R}, reference {expected:R}");
        }
    }
}
