using LatentFit.Diagnostics;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Numerics;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Diagnostics;

public sealed class RateAndErrorTests
{
    private static (FitProblem Problem, double[] Start) DeathNotices()
    {
        var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), TestData.DeathNotices);
        return (problem, problem.ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5])));
    }

    private static (FitProblem Problem, double[] Start) Faithful(CovarianceStructure structure)
    {
        var model = new GaussianMixtureModel(2, 2, structure, regularization: 0);
        var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, TestData.Faithful);
        return (problem, problem.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus(model, TestData.Faithful, 0)));
    }

    private static double[] Optimum(FitProblem problem, double[] start) =>
        OptimizerCatalog.Create("newton").Run(problem, start, new FitOptions { RelativeTolerance = 0, GradientTolerance = 1e-9, MaxIterations = 200 }).Parameters;

    public static TheoryData<string> Problems() => ["death_notices", "full", "tied", "diag", "spherical"];

    [Theory]
    [MemberData(nameof(Problems))]
    public void ObservedEmRate_AgreesWithLargestEigenvalueOfEmJacobian(string name)
    {
        var (problem, start) = name == "death_notices" ? DeathNotices() : Faithful(Structure(name));
        var report = ConvergenceRate.Analyze(problem, start, Optimum(problem, start));
        Assert.InRange(report.LargestEigenvalue, 0, 1);
        Assert.True(report.Discrepancy <= 1e-3, $"observed {report.ObservedRate:R}, eigenvalue {report.LargestEigenvalue:R}");
        if (name == "death_notices")
        {
            // The fraction of missing information is large here: this is why EM needs thousands of steps.
            Assert.True(report.LargestEigenvalue > 0.99);
        }
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void StandardErrors_MatchInverseOfFiniteDifferenceHessian(string name)
    {
        var (problem, start) = name == "death_notices" ? DeathNotices() : Faithful(Structure(name));
        var optimum = Optimum(problem, start);
        var report = StandardErrors.Compute(problem, optimum);

        // Independent route: second differences of ℓ itself in η, inverted by Gauss–Jordan, carried to θ by J.
        int p = optimum.Length;
        var hessian = new double[p * p];
        var point = (double[])optimum.Clone();
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                double hi = 1e-4 * Math.Max(1, Math.Abs(optimum[i])), hj = 1e-4 * Math.Max(1, Math.Abs(optimum[j]));
                double At(double di, double dj)
                {
                    point[i] += di;
                    point[j] += dj;
                    double v = problem.Value(point);
                    point[i] = optimum[i];
                    point[j] = optimum[j];
                    return v;
                }

                hessian[i * p + j] = (At(hi, hj) - At(hi, -hj) - At(-hi, hj) + At(-hi, -hj)) / (4 * hi * hj);
            }
        }

        var covariance = Invert(hessian.Select(v => -v).ToArray(), p);
        var jacobian = StandardErrors.NaturalJacobian(problem, optimum, report.Estimates.Count);
        for (int a = 0; a < report.Estimates.Count; a++)
        {
            double variance = 0;
            for (int i = 0; i < p; i++)
            {
                for (int j = 0; j < p; j++)
                {
                    variance += jacobian[a * p + i] * covariance[i * p + j] * jacobian[a * p + j];
                }
            }

            double expected = Math.Sqrt(variance);
            Assert.True(Math.Abs(report.Errors[a] - expected) <= 1e-4 * expected, $"{report.Names[a]}: {report.Errors[a]:R} vs {expected:R}");
        }
    }

    [Fact]
    public void Diagnostics_DataFarFromOrigin_SameAsCentred()
    {
        // Translating the data changes nothing in the model but the means, so the gradient check, Newton's path
        // and every standard error must be the same; finite differences must step by a parameter's spread, not
        // its size, for that to hold.
        var shifted = new LatentFit.Data.DataSet("shifted", TestData.Faithful.ColumnNames, TestData.Faithful.Values.ToArray().Select((v, i) => v + (i % 2 == 0 ? 1e4 : 1e7)).ToArray(), TestData.Faithful.Rows);
        var model = new GaussianMixtureModel(2, 2, FullCovariance.Instance, regularization: 0);
        var (problem, start) = Faithful(FullCovariance.Instance);
        var far = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, shifted);
        var farStart = far.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus(model, shifted, 0));
        Assert.True(FisherIdentityCheck.Run(far, farStart).MaxRelativeError <= 1e-6);
        var near = StandardErrors.Compute(problem, Optimum(problem, start));
        var away = StandardErrors.Compute(far, Optimum(far, farStart));
        for (int i = 0; i < near.Errors.Count; i++)
        {
            Assert.True(Math.Abs(near.Errors[i] - away.Errors[i]) <= 1e-4 * near.Errors[i], $"{near.Names[i]}: {near.Errors[i]:R} vs {away.Errors[i]:R}");
        }
    }

    [Fact]
    public void StandardErrors_PoissonUsesAnalyticInformation() =>
        Assert.True(StandardErrors.Compute(DeathNotices().Problem, Optimum(DeathNotices().Problem, DeathNotices().Start)).AnalyticHessian);

    private static CovarianceStructure Structure(string name)
    {
        Assert.True(CovarianceStructure.TryParse(name, out var structure));
        return structure;
    }

    /// <summary>Gauss–Jordan with partial pivoting: a route independent of the library's Cholesky.</summary>
    private static double[] Invert(double[] matrix, int n)
    {
        var a = (double[])matrix.Clone();
        var inverse = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            inverse[i * n + i] = 1;
        }

        for (int column = 0; column < n; column++)
        {
            int pivot = column;
            for (int r = column + 1; r < n; r++)
            {
                if (Math.Abs(a[r * n + column]) > Math.Abs(a[pivot * n + column]))
                {
                    pivot = r;
                }
            }

            for (int c = 0; c < n; c++)
            {
                (a[column * n + c], a[pivot * n + c]) = (a[pivot * n + c], a[column * n + c]);
                (inverse[column * n + c], inverse[pivot * n + c]) = (inverse[pivot * n + c], inverse[column * n + c]);
            }

            double diagonal = a[column * n + column];
            for (int c = 0; c < n; c++)
            {
                a[column * n + c] /= diagonal;
                inverse[column * n + c] /= diagonal;
            }

            for (int r = 0; r < n; r++)
            {
                if (r != column)
                {
                    double factor = a[r * n + column];
                    for (int c = 0; c < n; c++)
                    {
                        a[r * n + c] -= factor * a[column * n + c];
                        inverse[r * n + c] -= factor * inverse[column * n + c];
                    }
                }
            }
        }

        return inverse;
    }
}
