using LatentFit.Data;
using LatentFit.Diagnostics;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Uniform;
using LatentFit.Objectives;

namespace LatentFit.Tests.Models.Uniform;

public sealed class UniformMixtureModelTests
{
    private static FitProblem<UniformMixtureParameters, UniformMixtureStatistics> Problem(DataSet data, int k) =>
        new(new UniformMixtureModel(k), data);

    /// <summary>Two overlapping uniforms, U(0, 2) (150 rows) and U(1.5, 5) (100 rows), drawn with a fixed seed.</summary>
    private static DataSet Sample(int seed = 1)
    {
        var random = new Random(seed);
        var values = new double[250];
        for (int n = 0; n < values.Length; n++)
        {
            values[n] = n < 150 ? 2 * random.NextDouble() : 1.5 + 3.5 * random.NextDouble();
        }

        return new DataSet("sample", ["x"], values, values.Length);
    }

    /// <summary>ℓ = Σₙ log Σₖ πₖ 1[aₖ ≤ xₙ ≤ bₖ] / (bₖ − aₖ), written out with no code shared with the model.</summary>
    private static double ReferenceLogLikelihood(DataSet data, double[] weights, double[] lower, double[] upper)
    {
        double total = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            double x = data.Row(n)[0], density = 0;
            for (int k = 0; k < weights.Length; k++)
            {
                density += x >= lower[k] && x <= upper[k] ? weights[k] / (upper[k] - lower[k]) : 0;
            }

            total += Math.Log(density);
        }

        return total;
    }

    [Fact]
    public void EStep_RandomIntervals_MatchesDensityAndResponsibilitiesWrittenOut()
    {
        var data = Sample();
        var model = new UniformMixtureModel(3);
        double[] weights = [0.2, 0.5, 0.3], lower = [-0.5, 0.3, 1.2], upper = [1.1, 2.6, 5.2];
        var theta = UniformMixtureParameters.Create(weights, lower, upper);
        var stats = model.CreateStatistics();
        model.Accumulate(theta, data.Block(0, data.Rows), stats);

        Assert.Equal(ReferenceLogLikelihood(data, weights, lower, upper), stats.LogLikelihood, 1e-9);
        for (int k = 0; k < 3; k++)
        {
            double occupancy = 0, minimum = double.PositiveInfinity, maximum = double.NegativeInfinity;
            for (int n = 0; n < data.Rows; n++)
            {
                double x = data.Row(n)[0], total = 0;
                for (int j = 0; j < 3; j++)
                {
                    total += x >= lower[j] && x <= upper[j] ? weights[j] / (upper[j] - lower[j]) : 0;
                }

                if (x >= lower[k] && x <= upper[k])
                {
                    occupancy += weights[k] / (upper[k] - lower[k]) / total;
                    minimum = Math.Min(minimum, x);
                    maximum = Math.Max(maximum, x);
                }
            }

            Assert.Equal(occupancy, stats.ComponentWeights[k], 1e-9);
            Assert.Equal(minimum, stats.Minima[k]);
            Assert.Equal(maximum, stats.Maxima[k]);
        }
    }

    [Fact]
    public void LogLikelihood_RowOutsideEverySupport_IsMinusInfinity()
    {
        var problem = Problem(Sample(), 2);
        var eta = problem.ToUnconstrained(UniformMixtureParameters.Create([0.5, 0.5], [0, 1.5], [2, 4.9]));
        Assert.Equal(double.NegativeInfinity, problem.Value(eta));
    }

    [Fact]
    public void Em_FromWideWindows_NeverDecreasesLogLikelihood()
    {
        var problem = Problem(Sample(), 2);
        var eta = problem.ToUnconstrained(UniformMixtureParameters.Create([0.5, 0.5], [-1, 0.5], [3, 6]));
        var report = EmMonotonicityCheck.Run(problem, eta, 60);
        Assert.Null(report.StoppedEarly);
        for (int t = 1; t < report.LogLikelihoods.Count; t++)
        {
            Assert.True(report.LogLikelihoods[t] >= report.LogLikelihoods[t - 1] - 1e-12 * Math.Abs(report.LogLikelihoods[t - 1]), $"step {t}: {report.LogLikelihoods[t - 1]} → {report.LogLikelihoods[t]}");
        }

        // The first step shrinks the windows onto the data, so it must gain.
        Assert.True(report.LogLikelihoods[1] > report.LogLikelihoods[0] + 1);
    }

    [Fact]
    public void Em_StartNarrowerThanMaximum_NeverMovesAnEndpointOutward()
    {
        // 201 evenly spaced points on [0, 10]: one U(0, 10) fits them with ℓ = −201 log 10, but from the windows [0, 6] and
        // [4, 10] EM can only shrink intervals, so it never reaches that.
        var values = Enumerable.Range(0, 201).Select(n => n / 20.0).ToArray();
        var data = new DataSet("even", ["x"], values, values.Length);
        var problem = Problem(data, 2);
        var eta = problem.ToUnconstrained(UniformMixtureParameters.Create([0.5, 0.5], [0, 4], [6, 10]));
        var next = new double[eta.Length];
        var previous = problem.ToParameters(eta);
        for (int t = 0; t < 200; t++)
        {
            problem.EmMap(eta, next);
            (eta, next) = (next, eta);
            var theta = problem.ToParameters(eta);
            for (int k = 0; k < 2; k++)
            {
                Assert.True(theta.Lower[k] >= previous.Lower[k] - 1e-12, $"step {t}: a[{k + 1}] moved outward, {previous.Lower[k]} → {theta.Lower[k]}");
                Assert.True(theta.Upper[k] <= previous.Upper[k] + 1e-12, $"step {t}: b[{k + 1}] moved outward, {previous.Upper[k]} → {theta.Upper[k]}");
            }

            previous = theta;
        }

        double emEnd = problem.Value(eta);
        var wide = problem.ToUnconstrained(UniformMixtureParameters.Create([0.5, 0.5], [0, 0], [10, 10]));
        Assert.Equal(-201 * Math.Log(10), problem.Value(wide), 1e-9);
        Assert.True(emEnd < -201 * Math.Log(10) - 5, $"EM ended at ℓ = {emEnd}");
    }

    [Fact]
    public void FisherIdentity_EmFixedPoint_SurrogateGradientIsNotTheDerivativeOfLogLikelihood()
    {
        var problem = Problem(Sample(), 2);
        var eta = problem.ToUnconstrained(UniformMixtureParameters.Create([0.5, 0.5], [-1, 0.5], [3, 6]));
        var next = new double[eta.Length];
        for (int t = 0; t < 300; t++)
        {
            problem.EmMap(eta, next);
            (eta, next) = (next, eta);
        }

        var gradient = new double[eta.Length];
        problem.CompleteData(eta).ValueAndGradient(eta, gradient);
        double value = problem.Value(eta);

        // η = (logit, a₁, a₂, log w₁, log w₂). Narrowing component 1 from above (log w₁ down by h) drops the row on b₁;
        // the quotient of ℓ written here is −∞ or of order 1/h, nowhere near ∇Q = −n₁.
        double h = 1e-6;
        var point = (double[])eta.Clone();
        point[3] -= h;
        double backward = (value - problem.Value(point)) / h;
        Assert.True(!double.IsFinite(backward) || Math.Abs(backward - gradient[3]) > 100 * Math.Abs(gradient[3]), $"∇Q = {gradient[3]}, backward difference {backward}");

        // At EM's fixed point the weights' part of ∇Q vanishes, yet ∇Q ≠ 0: the maximum is on the boundary of the support.
        Assert.Equal(0, gradient[0], 1e-6);
        Assert.True(Math.Abs(gradient[3]) > 10, $"∇Q in log w₁ = {gradient[3]}");

        var report = SupportBoundaryCheck.Run(problem, eta);
        Assert.True(report.MaxRelativeDiscrepancy > 1, $"{report.MaxRelativeDiscrepancy}");
        Assert.True(report.JumpCoordinates >= 2, $"{report.JumpCoordinates}");
    }

    [Fact]
    public void FisherIdentity_NoDataPointOnAnEndpoint_HoldsByDifferencesWrittenOut()
    {
        // Away from the data's points ℓ is smooth in every coordinate, and the identity holds there (almost everywhere).
        var problem = Problem(Sample(), 2);
        var eta = problem.ToUnconstrained(UniformMixtureParameters.Create([0.4, 0.6], [-0.3, 0.7], [2.9, 5.4]));
        var gradient = new double[eta.Length];
        problem.CompleteData(eta).ValueAndGradient(eta, gradient);
        for (int i = 0; i < eta.Length; i++)
        {
            double h = 1e-6;
            var plus = (double[])eta.Clone();
            var minus = (double[])eta.Clone();
            plus[i] += h;
            minus[i] -= h;
            double central = (problem.Value(plus) - problem.Value(minus)) / (2 * h);
            Assert.True(Math.Abs(central - gradient[i]) <= 1e-5 * Math.Max(1, Math.Abs(central)), $"coordinate {i}: ∇Q = {gradient[i]}, central difference {central}");
        }
    }

    [Fact]
    public void MStep_ComponentOnOneValue_RefusedAsCollapsed()
    {
        var values = new double[] { 0.1, 0.4, 0.9, 0.6, 7.0 };
        var problem = Problem(new DataSet("one", ["x"], values, values.Length), 2);
        var eta = problem.ToUnconstrained(UniformMixtureParameters.Create([0.5, 0.5], [0, 6], [1, 8]));
        var error = Assert.Throws<ModelFailureException>(() => problem.EmMap(eta, new double[eta.Length]));
        Assert.Contains("component 2 collapsed onto the single value 7", error.Message);
    }

    [Fact]
    public void Gradient_AnyOptimiserThatNeedsIt_Refused()
    {
        var problem = Problem(Sample(), 2);
        Assert.False(problem.GradientSupport.IsExact);
        var error = Assert.Throws<GradientNotDefinedException>(() => problem.ValueAndGradient(new double[5], new double[5]));
        Assert.Contains("support of U(a, b) depends on θ", error.Message);
    }

    [Fact]
    public void Statistics_SplitAndMerged_EqualThoseOfAllRows_AndRefuseNegativeScaling()
    {
        var data = Sample();
        var model = new UniformMixtureModel(2);
        var theta = UniformMixtureParameters.Create([0.5, 0.5], [-1, 0.5], [3, 6]);
        var whole = model.CreateStatistics();
        model.Accumulate(theta, data.Block(0, data.Rows), whole);
        var first = model.CreateStatistics();
        var second = model.CreateStatistics();
        model.Accumulate(theta, data.Block(0, 100), first);
        model.Accumulate(theta, data.Block(100, 150), second);
        first.Add(second);
        Assert.Equal(whole.Minima, first.Minima);
        Assert.Equal(whole.Maxima, first.Maxima);
        Assert.Throws<IncompatibleStatisticsException>(() => first.Emission.AddScaled(second.Emission, -1));
    }
}
