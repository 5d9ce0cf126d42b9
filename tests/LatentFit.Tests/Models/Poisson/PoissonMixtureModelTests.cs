using LatentFit.Data;
using LatentFit.Diagnostics;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Poisson;

public sealed class PoissonMixtureModelTests
{
    private static FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics> Problem(DataSet data, int k) =>
        new(new PoissonMixtureModel(k), data);

    /// <summary>ℓ written out term by term, with no code shared with the model.</summary>
    private static double ReferenceLogLikelihood(DataSet data, double[] weights, double[] rates)
    {
        double total = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            int x = (int)data.Row(n)[0];
            double factorial = 1;
            for (int i = 2; i <= x; i++)
            {
                factorial *= i;
            }

            double density = 0;
            for (int k = 0; k < weights.Length; k++)
            {
                density += weights[k] * Math.Exp(-rates[k]) * Math.Pow(rates[k], x) / factorial;
            }

            total += (data.RowWeights?.Span[n] ?? 1) * Math.Log(density);
        }

        return total;
    }

    [Fact]
    public void LogLikelihood_DeathNotices_MatchesReferenceAndPublishedOptimum()
    {
        var problem = Problem(TestData.DeathNotices, 2);
        double[] weights = [0.3, 0.7], rates = [1.0, 2.5];
        var eta = problem.ToUnconstrained(PoissonMixtureParameters.Create(weights, rates));
        Assert.Equal(ReferenceLogLikelihood(TestData.DeathNotices, weights, rates), problem.Value(eta), 1e-9);

        // The maximum of ../shared/data/README.md: −1989.946 at p ≈ 0.35988, λ ≈ (1.25609, 2.66340).
        var optimum = problem.ToUnconstrained(PoissonMixtureParameters.Create([0.35988, 0.64012], [1.25609, 2.66340]));
        Assert.Equal(-1989.946, problem.Value(optimum), 1e-3);
        Assert.Equal(1096, problem.Observations);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void FisherIdentity_RandomTheta_GradientMatchesFiniteDifferences(int seed)
    {
        var random = new Random(seed);
        var data = RandomCounts(random, 300);
        int k = 1 + seed;
        var problem = Problem(data, k);
        var eta = RandomEta(random, k);
        var report = FisherIdentityCheck.Run(problem, eta);
        Assert.True(report.MaxRelativeError <= 1e-6, $"{report.MaxRelativeError:E3}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Hessian_Louis_MatchesSecondDifferencesOfLogLikelihood(int seed)
    {
        var random = new Random(seed + 10);
        var data = RandomCounts(random, 200);
        int k = 1 + seed;
        var problem = Problem(data, k);
        var eta = RandomEta(random, k);
        int p = eta.Length;
        var analytic = new double[p * p];
        problem.Hessian(eta, analytic);
        var point = (double[])eta.Clone();
        double h = 1e-4, scale = analytic.Max(Math.Abs);
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                double At(double di, double dj)
                {
                    point[i] += di;
                    point[j] += dj;
                    double v = problem.Value(point);
                    point[i] -= di;
                    point[j] -= dj;
                    return v;
                }

                double second = (At(h, h) - At(h, -h) - At(-h, h) + At(-h, -h)) / (4 * h * h);
                Assert.True(Math.Abs(second - analytic[i * p + j]) <= 1e-5 * scale, $"H[{i},{j}]: {analytic[i * p + j]:R} vs {second:R}");
            }
        }
    }

    [Fact]
    public void Maximize_RandomTheta_IsTheClosedFormFromResponsibilitiesWrittenHere()
    {
        var random = new Random(4);
        var data = RandomCounts(random, 100);
        var model = new PoissonMixtureModel(2);
        double[] weights = [0.4, 0.6], rates = [1.0, 5.0];
        var theta = PoissonMixtureParameters.Create(weights, rates);
        var stats = model.CreateStatistics();
        model.Accumulate(theta, new DataBlock(data.Values.Span, data.Rows, 1), stats);
        var next = model.Maximize(theta, stats);

        // Dempster, Laird & Rubin (1977), sec. 4.3: rₙₖ ∝ πₖ e^{−λₖ} λₖ^xₙ, then π′ₖ = Σₙ rₙₖ / N and λ′ₖ = Σₙ rₙₖxₙ / Σₙ rₙₖ,
        // with the densities written out here (the x! cancels in rₙₖ).
        var responsibilitySums = new double[2];
        var countSums = new double[2];
        for (int n = 0; n < data.Rows; n++)
        {
            double x = data[n, 0];
            var joint = new double[2];
            for (int k = 0; k < 2; k++)
            {
                joint[k] = weights[k] * Math.Exp(-rates[k]) * Math.Pow(rates[k], x);
            }

            for (int k = 0; k < 2; k++)
            {
                double r = joint[k] / (joint[0] + joint[1]);
                responsibilitySums[k] += r;
                countSums[k] += r * x;
            }
        }

        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(responsibilitySums[k] / data.Rows, next.Weights[k], 1e-13);
            Assert.Equal(countSums[k] / responsibilitySums[k], next.Rates[k], 1e-12);
        }

        Assert.True(ReferenceLogLikelihood(data, next.Weights.ToArray(), next.Rates.ToArray()) > ReferenceLogLikelihood(data, weights, rates));
    }

    [Fact]
    public void Accumulate_FrequencyTable_EqualsExpandedRows()
    {
        var table = TestData.DeathNotices;
        var expanded = new List<double>();
        for (int n = 0; n < table.Rows; n++)
        {
            expanded.AddRange(Enumerable.Repeat(table.Row(n)[0], (int)table.RowWeights!.Value.Span[n]));
        }

        var raw = new DataSet("expanded", ["deaths"], expanded.ToArray(), expanded.Count);
        var eta = RandomEta(new Random(5), 2);
        Assert.Equal(Problem(raw, 2).Value(eta), Problem(table, 2).Value(eta), 1e-9);
        var g1 = new double[3];
        var g2 = new double[3];
        Problem(raw, 2).ValueAndGradient(eta, g1);
        Problem(table, 2).ValueAndGradient(eta, g2);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(g1[i], g2[i], 1e-9);
        }
    }

    [Fact]
    public void ValidateData_NotCounts_NamesRowAndColumn()
    {
        var data = new DataSet("counts.csv", ["y"], [1, 2, 2.5], 3);
        var error = Assert.Throws<DataFormatException>(() => PoissonMixtureModel.ValidateData(data));
        Assert.Contains("counts.csv: data row 3, column \"y\": 2.5 is not a count", error.Message);
        Assert.Throws<DataFormatException>(() => PoissonMixtureModel.ValidateData(new DataSet("n.csv", ["y"], [-1.0], 1)));
        Assert.Contains("one column of counts", Assert.Throws<DataFormatException>(() => PoissonMixtureModel.ValidateData(TestData.Faithful)).Message);
    }

    private static DataSet RandomCounts(Random random, int rows)
    {
        var values = new double[rows];
        for (int n = 0; n < rows; n++)
        {
            // A mixture of Poisson(1.5) and Poisson(6) by inversion of uniforms.
            double lambda = random.NextDouble() < 0.4 ? 1.5 : 6;
            double u = random.NextDouble(), p = Math.Exp(-lambda), cumulative = p;
            int x = 0;
            while (u > cumulative)
            {
                x++;
                p *= lambda / x;
                cumulative += p;
            }

            values[n] = x;
        }

        return new DataSet("counts", ["y"], values, rows);
    }

    private static double[] RandomEta(Random random, int k)
    {
        var eta = new double[2 * k - 1];
        for (int i = 0; i < eta.Length; i++)
        {
            eta[i] = i < k - 1 ? random.NextDouble() - 0.5 : Math.Log(0.5 + 6 * random.NextDouble());
        }

        return eta;
    }
}
