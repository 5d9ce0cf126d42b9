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
    [InlineData("full")]
    [InlineData("tied")]
    [InlineData("diag")]
    [InlineData("spherical")]
    public void StandardErrors_Gaussian_MatchInverseHessianOfLikelihoodWrittenInTheTest(string name)
    {
        var structure = Structure(name);
        var (problem, start) = Faithful(structure);
        var report = StandardErrors.Compute(problem, Optimum(problem, start));
        var layout = new GaussianLayout(structure, 2, 2);
        var rows = TestData.Faithful.Values.ToArray();
        var psi = layout.FreeFromNatural(report.Estimates);
        var steps = layout.Steps(psi);
        var covariance = IndependentCovariance(psi => layout.LogLikelihood(rows, psi), psi, steps);
        for (int a = 0; a < report.Estimates.Count; a++)
        {
            double expected = Math.Sqrt(Quadratic(covariance, layout.NaturalAsFree(a)));
            Assert.True(Math.Abs(report.Errors[a] - expected) <= 1e-4 * expected, $"{report.Names[a]}: {report.Errors[a]:R} vs {expected:R}");
        }
    }

    [Fact]
    public void StandardErrors_DeathNotices_MatchTheTestsOwnHessianAndSquaremsPublishedValues()
    {
        var (problem, start) = DeathNotices();
        var report = StandardErrors.Compute(problem, Optimum(problem, start));
        Assert.Equal(["weight[1]", "weight[2]", "rate[1]", "rate[2]"], report.Names);

        // ψ = (π₁, λ₁, λ₂), SQUAREM's parametrisation; ℓ written from the Poisson density with x! multiplied out.
        var data = TestData.DeathNotices;
        double LogLikelihood(double[] psi)
        {
            double total = 0;
            for (int n = 0; n < data.Rows; n++)
            {
                double x = data[n, 0], factorial = 1;
                for (int i = 2; i <= x; i++)
                {
                    factorial *= i;
                }

                double density = (psi[0] * Math.Exp(-psi[1]) * Math.Pow(psi[1], x) + (1 - psi[0]) * Math.Exp(-psi[2]) * Math.Pow(psi[2], x)) / factorial;
                total += data.RowWeights!.Value.Span[n] * Math.Log(density);
            }

            return total;
        }

        double[] psi = [report.Estimates[0], report.Estimates[2], report.Estimates[3]];
        var covariance = IndependentCovariance(LogLikelihood, psi, [1e-4, 1e-4, 1e-4]);
        double[][] asFree = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, 0, 1]];
        for (int a = 0; a < 4; a++)
        {
            double expected = Math.Sqrt(Quadratic(covariance, asFree[a]));
            Assert.True(Math.Abs(report.Errors[a] - expected) <= 1e-5 * expected, $"{report.Names[a]}: {report.Errors[a]:R} vs {expected:R}");
        }

        // The published values (squarem_standard_errors.json, with the R script that reproduces them), at SQUAREM's
        // optimum, which differs from this one by ~1e-6: hence 1e-5.
        var reference = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "References", "squarem_standard_errors.json"))).RootElement;
        var published = reference.GetProperty("published").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal([0.1946843, 0.3500297, 0.2504783], published);
        double[] reported = [report.Errors[0], report.Errors[2], report.Errors[3]];
        for (int i = 0; i < 3; i++)
        {
            Assert.True(Math.Abs(reported[i] - published[i]) <= 1e-5 * published[i], $"{reference.GetProperty("parameters")[i]}: {reported[i]:R} vs published {published[i]:R}");
        }
    }

    /// <summary>
    /// (−∇²ℓ(ψ̂))⁻¹ by central second differences of ℓ, written in the test, and Gauss–Jordan; first checks, by
    /// central first differences, that ψ̂ is a maximum to well under a standard error (the delta method through any
    /// other parametrisation gives the same covariance only there).
    /// </summary>
    private static double[] IndependentCovariance(Func<double[], double> logLikelihood, double[] optimum, double[] steps)
    {
        int p = optimum.Length;
        var point = (double[])optimum.Clone();
        double At(int i, double di, int j, double dj)
        {
            point[i] += di;
            point[j] += dj;
            double v = logLikelihood(point);
            Array.Copy(optimum, point, p);
            return v;
        }

        var information = new double[p * p];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                double hi = steps[i], hj = steps[j];
                information[i * p + j] = -(At(i, hi, j, hj) - At(i, hi, j, -hj) - At(i, -hi, j, hj) + At(i, -hi, j, -hj)) / (4 * hi * hj);
            }
        }

        var covariance = ReferenceInverse.Invert(information, p);
        for (int i = 0; i < p; i++)
        {
            double gradient = (At(i, steps[i], i, 0) - At(i, -steps[i], i, 0)) / (2 * steps[i]);
            Assert.True(Math.Abs(gradient) * Math.Sqrt(covariance[i * p + i]) <= 1e-3, $"∂ℓ/∂ψ[{i}] = {gradient:R}: not a maximum");
        }

        return covariance;
    }

    private static double Quadratic(double[] matrix, double[] vector)
    {
        int p = vector.Length;
        double sum = 0;
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                sum += vector[i] * matrix[i * p + j] * vector[j];
            }
        }

        return sum;
    }

    /// <summary>
    /// A minimal parametrisation ψ of a Gaussian mixture, chosen here and not the library's: α₁..α_{K−1}
    /// (α_K = 1 − Σ), the means, and the free covariance entries (full: each component's upper triangle; tied:
    /// one upper triangle; diagonal: the variances; spherical: one variance per component). Maps the library's
    /// reported natural parameters (weights, means, covariance values in its layout, see
    /// <see cref="CovarianceStructure"/>) to linear functions of ψ.
    /// </summary>
    private sealed class GaussianLayout(CovarianceStructure structure, int k, int d)
    {
        private int Triangle => d * (d + 1) / 2;

        private int CovarianceOffset => k - 1 + k * d;

        public int Count => CovarianceOffset + structure switch
        {
            FullCovariance => k * Triangle,
            TiedCovariance => Triangle,
            DiagonalCovariance => k * d,
            _ => k,
        };

        /// <summary>ψ's index of Σₖ[i, j], or −1 where the structure fixes it at 0.</summary>
        private int Free(int component, int i, int j)
        {
            int a = Math.Min(i, j), b = Math.Max(i, j);
            int upper = a * d - a * (a - 1) / 2 + (b - a);
            return structure switch
            {
                FullCovariance => CovarianceOffset + component * Triangle + upper,
                TiedCovariance => CovarianceOffset + upper,
                DiagonalCovariance => i == j ? CovarianceOffset + component * d + i : -1,
                _ => i == j ? CovarianceOffset + component : -1,
            };
        }

        /// <summary>(component, row, column) of the library's covariance value at a layout position.</summary>
        private (int Component, int Row, int Column) CovarianceEntry(int position) => structure switch
        {
            FullCovariance => (position / (d * d), position % (d * d) / d, position % d),
            TiedCovariance => (0, position / d, position % d),
            DiagonalCovariance => (position / d, position % d, position % d),
            _ => (position, 0, 0),
        };

        /// <summary>The reported natural parameter a as a vector c with θ_a = cᵀψ (+ 1 for α_K).</summary>
        public double[] NaturalAsFree(int a)
        {
            var c = new double[Count];
            if (a < k)
            {
                for (int j = 0; j < k - 1; j++)
                {
                    c[j] = a == k - 1 ? -1 : a == j ? 1 : 0;
                }
            }
            else if (a < k + k * d)
            {
                c[a - 1] = 1;
            }
            else
            {
                var (component, i, j) = CovarianceEntry(a - k - k * d);
                c[Free(component, i, j)] = 1;
            }

            return c;
        }

        public double[] FreeFromNatural(IReadOnlyList<double> natural)
        {
            var psi = new double[Count];
            for (int a = 0; a < natural.Count; a++)
            {
                if (a == k - 1)
                {
                    continue;
                }

                psi[Array.IndexOf(NaturalAsFree(a), 1.0)] = natural[a];
            }

            return psi;
        }

        /// <summary>Steps of 1e-4 of each parameter's scale: 1 for weights, σ for means, √(σᵢᵢσⱼⱼ) for covariance entries.</summary>
        public double[] Steps(double[] psi)
        {
            var full = Full(psi);
            var steps = new double[Count];
            for (int j = 0; j < k - 1; j++)
            {
                steps[j] = 1e-4;
            }

            for (int component = 0; component < k; component++)
            {
                for (int i = 0; i < d; i++)
                {
                    steps[k - 1 + component * d + i] = 1e-4 * Math.Sqrt(full[component * d * d + i * d + i]);
                    for (int j = 0; j < d; j++)
                    {
                        if (Free(component, i, j) is int at and >= 0)
                        {
                            steps[at] = 1e-4 * Math.Sqrt(full[component * d * d + i * d + i] * full[component * d * d + j * d + j]);
                        }
                    }
                }
            }

            return steps;
        }

        private double[] Full(double[] psi)
        {
            var full = new double[k * d * d];
            for (int component = 0; component < k; component++)
            {
                for (int i = 0; i < d; i++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        int at = Free(component, i, j);
                        full[component * d * d + i * d + j] = at < 0 ? 0 : psi[at];
                    }
                }
            }

            return full;
        }

        /// <summary>ℓ(ψ) = Σₙ log Σₖ αₖ N(xₙ | μₖ, Σₖ) by <see cref="ReferenceGaussianMixture"/>.</summary>
        public double LogLikelihood(double[] rows, double[] psi)
        {
            var weights = new double[k];
            Array.Copy(psi, weights, k - 1);
            weights[k - 1] = 1 - weights[..(k - 1)].Sum();
            return ReferenceGaussianMixture.LogLikelihood(rows, d, weights, psi[(k - 1)..(k - 1 + k * d)], Full(psi));
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

}
