using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Gaussian;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Gaussian;

public sealed class GaussianMixtureModelTests
{
    public static TheoryData<string> Structures() => new(CovarianceStructure.All.Select(s => s.Name));

    private static CovarianceStructure Structure(string name)
    {
        Assert.True(CovarianceStructure.TryParse(name, out var structure));
        return structure;
    }

    private static GaussianMixtureStatistics EStep(GaussianMixtureModel model, GaussianMixtureParameters theta, DataSet data)
    {
        var stats = model.CreateStatistics();
        model.Accumulate(theta, new DataBlock(data.Values.Span, data.Rows, data.Dimension), stats);
        return stats;
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void Accumulate_RandomTheta_LogLikelihoodMatchesReference(string name)
    {
        var random = new Random(11);
        var data = RandomProblems.MixtureData(random, 300, 3, 3);
        var theta = RandomProblems.Parameters(random, data, 3, Structure(name));
        var model = new GaussianMixtureModel(3, 3, Structure(name));
        var stats = EStep(model, theta, data);
        double expected = ReferenceGaussianMixture.LogLikelihood(data.Values.ToArray(), 3, theta.Weights.ToArray(), theta.Means.ToArray(), theta.FullCovariances());
        Assert.Equal(expected, stats.LogLikelihood, Math.Abs(expected) * 1e-12);
        Assert.Equal(300, stats.Weight);
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void Accumulate_RandomTheta_FirstMomentsMatchReferenceResponsibilities(string name)
    {
        var random = new Random(12);
        var data = RandomProblems.MixtureData(random, 200, 2, 2);
        var theta = RandomProblems.Parameters(random, data, 2, Structure(name));
        var model = new GaussianMixtureModel(2, 2, Structure(name));
        var stats = EStep(model, theta, data);
        var rows = data.Values.ToArray();
        var n = new double[2];
        var s1 = new double[4];
        for (int i = 0; i < data.Rows; i++)
        {
            var r = ReferenceGaussianMixture.Responsibilities(rows, 2, i, theta.Weights.ToArray(), theta.Means.ToArray(), theta.FullCovariances(), out _);
            for (int k = 0; k < 2; k++)
            {
                n[k] += r[k];
                for (int c = 0; c < 2; c++)
                {
                    s1[k * 2 + c] += r[k] * (rows[i * 2 + c] - theta.Means[k * 2 + c]);
                }
            }
        }

        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(n[k], stats.ComponentWeights[k], 1e-10);
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(s1[i], stats.FirstMoments[i], 1e-9 * (1 + Math.Abs(s1[i])));
        }
    }

    public static TheoryData<string, int, int, Precision> KernelShapes()
    {
        var data = new TheoryData<string, int, int, Precision>();
        foreach (var precision in new[] { Precision.Double, Precision.Single })
        {
            foreach (var structure in CovarianceStructure.All)
            {
                foreach (var (d, k) in new[] { (1, 1), (3, 2), (7, 3), (9, 1), (16, 2), (17, 4) })
                {
                    data.Add(structure.Name, d, k, precision);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KernelShapes))]
    public void Accumulate_VectorKernels_MatchStraightforwardSums(string name, int d, int k, Precision precision)
    {
        // 600 rows: full blocks (288 rows in double, 256 in single) and a ragged remainder, so both the register kernels
        // and the SIMD-library path run; D not a multiple of any vector width or of the tile size; K = 1 included.
        // The reference runs in double on the double data; single precision must agree to 1e-5 (the bound).
        double tolerance = precision == Precision.Double ? 1e-12 : 1e-5;
        var random = new Random(100 * d + k);
        var data = RandomProblems.MixtureData(random, 600, d, k);
        var theta = RandomProblems.Parameters(random, data, k, Structure(name));
        var model = new GaussianMixtureModel(k, d, Structure(name));
        var stats = model.CreateStatistics();
        var stored = precision == Precision.Double ? data : data.ToSinglePrecision();
        Assert.Equal(precision, stored.Precision);
        model.Accumulate(theta, stored.Block(0, stored.Rows), stats);
        var rows = data.Values.ToArray();
        var full = theta.FullCovariances();
        var first = new double[k * d];
        var scatter = new double[k * d * d];
        double logLikelihood = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            var r = ReferenceGaussianMixture.Responsibilities(rows, d, n, theta.Weights.ToArray(), theta.Means.ToArray(), full, out double logMarginal);
            logLikelihood += logMarginal;
            for (int j = 0; j < k; j++)
            {
                for (int a = 0; a < d; a++)
                {
                    double da = rows[n * d + a] - theta.Means[j * d + a];
                    first[j * d + a] += r[j] * da;
                    for (int b = 0; b < d; b++)
                    {
                        scatter[j * d * d + a * d + b] += r[j] * da * (rows[n * d + b] - theta.Means[j * d + b]);
                    }
                }
            }
        }

        Assert.Equal(logLikelihood, stats.LogLikelihood, tolerance * Math.Abs(logLikelihood));
        AssertClose(first, stats.FirstMoments, precision == Precision.Double ? 1e-11 : tolerance);

        // The reference scatter in the structure's layout: every matrix, pooled, diagonals, or traces.
        var expected = new double[stats.Scatter.Length];
        for (int j = 0; j < k; j++)
        {
            for (int a = 0; a < d; a++)
            {
                for (int b = a; b < d; b++)
                {
                    double value = scatter[j * d * d + a * d + b];
                    switch (model.Structure)
                    {
                        case FullCovariance:
                            expected[j * d * d + a * d + b] = value;
                            break;
                        case TiedCovariance:
                            expected[a * d + b] += value;
                            break;
                        case DiagonalCovariance when a == b:
                            expected[j * d + a] = value;
                            break;
                        case SphericalCovariance when a == b:
                            expected[j] += value;
                            break;
                    }
                }
            }
        }

        var actual = stats.Scatter.ToArray();
        if (model.Structure is FullCovariance or TiedCovariance)
        {
            // Only the upper triangle is accumulated.
            int blocks = model.Structure is FullCovariance ? k : 1;
            for (int j = 0; j < blocks; j++)
            {
                for (int a = 0; a < d; a++)
                {
                    for (int b = 0; b < a; b++)
                    {
                        actual[j * d * d + a * d + b] = 0;
                    }
                }
            }
        }

        AssertClose(expected, actual, tolerance);
        AssertClose([.. theta.Weights.ToArray().Select((_, j) => Enumerable.Range(0, data.Rows).Sum(n => ReferenceGaussianMixture.Responsibilities(rows, d, n, theta.Weights.ToArray(), theta.Means.ToArray(), full, out _)[j]))], stats.ComponentWeights.ToArray(), precision == Precision.Double ? 1e-12 : tolerance);
    }

    [Theory]
    [InlineData(Precision.Double)]
    [InlineData(Precision.Single)]
    public void Accumulate_ResponsibilityBelowE700_IsExactlyZero(Precision precision)
    {
        // Every row sits at the first component's mean; the second is √1440 away, so its responsibility is e^−720
        // (≈ 1e-313, a subnormal number): it is flushed to 0, and ℓ and the first component's statistics are unchanged.
        var values = Enumerable.Range(0, 600).Select(n => 0.001 * (n % 7)).ToArray();
        var data = new DataSet("near", ["x"], values, values.Length);
        var theta = GaussianMixtureParameters.Create(FullCovariance.Instance, [0.5, 0.5], [0.0, Math.Sqrt(1440)], [1.0, 1.0], 1);
        var model = new GaussianMixtureModel(2, 1, FullCovariance.Instance);
        var stored = precision == Precision.Double ? data : data.ToSinglePrecision();
        var stats = model.CreateStatistics();
        model.Accumulate(theta, stored.Block(0, stored.Rows), stats);
        double expected = ReferenceGaussianMixture.LogLikelihood(values, 1, [0.5, 0.5], [0.0, Math.Sqrt(1440)], [1.0, 1.0]);

        // In single precision the posterior runs in float32 (to about 1e-8 of ℓ); the flush is exact in both.
        Assert.Equal(expected, stats.LogLikelihood, (precision == Precision.Double ? 1e-12 : 1e-8) * Math.Abs(expected));
        Assert.Equal(0.0, stats.ComponentWeights[1]);
        Assert.Equal(0.0, stats.Scatter[1]);
        Assert.Equal(600.0, stats.ComponentWeights[0]);
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void Accumulate_SinglePrecisionFarFromZero_KeepsItsDigits(string name)
    {
        // Data a million units from zero with unit spread: float32 values would keep one digit after the point, the
        // offsets from the origin keep seven, so single precision still agrees with double to 1e-5.
        var random = new Random(31);
        var near = RandomProblems.MixtureData(random, 600, 3, 2);
        var shifted = near.Values.ToArray().Select((v, i) => v + (1e6 * (1 + (i % 3)))).ToArray();
        var data = new DataSet("far", near.ColumnNames, shifted, near.Rows);
        var theta = RandomProblems.Parameters(random, data, 2, Structure(name));
        var model = new GaussianMixtureModel(2, 3, Structure(name));
        var reference = EStep(model, theta, data);
        var single = data.ToSinglePrecision();
        var stats = model.CreateStatistics();
        model.Accumulate(theta, single.Block(0, single.Rows), stats);
        Assert.Equal(reference.LogLikelihood, stats.LogLikelihood, 1e-5 * Math.Abs(reference.LogLikelihood));
        AssertClose(reference.ComponentWeights.ToArray(), stats.ComponentWeights.ToArray(), 1e-5);
        AssertClose(reference.FirstMoments.ToArray(), stats.FirstMoments.ToArray(), 1e-5);
        AssertClose(reference.Scatter.ToArray(), stats.Scatter.ToArray(), 1e-5);
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void Scales_EveryCoordinate_TheScaleItMovesOn(string name)
    {
        // Log-ratio weights and log-variance coordinates: 1; a mean: its component's standard deviation there; an
        // off-diagonal Cholesky entry Lᵢⱼ: √Σᵢᵢ of its block (each component's for full, the shared one for tied).
        var random = new Random(21);
        var data = RandomProblems.MixtureData(random, 200, 3, 2);
        var theta = RandomProblems.Parameters(random, data, 2, Structure(name));
        var model = new GaussianMixtureModel(2, 3, Structure(name));
        var scales = new double[model.ParameterCount];
        model.Scales(theta, scales);
        var full = theta.FullCovariances();
        var expected = new List<double> { 1 };
        for (int j = 0; j < 2; j++)
        {
            expected.AddRange(Enumerable.Range(0, 3).Select(c => Math.Sqrt(full[(j * 9) + (c * 3) + c])));
        }

        int blocks = model.Structure switch { FullCovariance => 2, TiedCovariance => 1, _ => 0 };
        for (int b = 0; b < blocks; b++)
        {
            for (int i = 0; i < 3; i++)
            {
                expected.AddRange(Enumerable.Repeat(Math.Sqrt(full[(b * 9) + (i * 3) + i]), i));
                expected.Add(1);
            }
        }

        expected.AddRange(Enumerable.Repeat(1.0, model.ParameterCount - expected.Count));
        Assert.Equal(expected, scales);
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void Add_RandomSplit_EqualsStatisticsOfAllRows(string name)
    {
        var random = new Random(13);
        var data = RandomProblems.MixtureData(random, 257, 3, 2);
        var theta = RandomProblems.Parameters(random, data, 2, Structure(name));
        var model = new GaussianMixtureModel(2, 3, Structure(name));
        var whole = EStep(model, theta, data);
        int split = 1 + random.Next(data.Rows - 2);
        var first = model.CreateStatistics();
        var second = model.CreateStatistics();
        model.Accumulate(theta, new DataBlock(data.RowRange(0, split), split, 3), first);
        model.Accumulate(theta, new DataBlock(data.RowRange(split, data.Rows - split), data.Rows - split, 3), second);
        first.Add(second);
        Assert.Equal(whole.LogLikelihood, first.LogLikelihood, 1e-12 * Math.Abs(whole.LogLikelihood));
        Assert.Equal(whole.Weight, first.Weight);
        AssertClose(whole.ComponentWeights, first.ComponentWeights, 1e-12);
        AssertClose(whole.FirstMoments, first.FirstMoments, 1e-12);
        AssertClose(whole.Scatter, first.Scatter, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void Accumulate_RowWeightTwo_EqualsRowRepeated(string name)
    {
        var random = new Random(14);
        var data = RandomProblems.MixtureData(random, 40, 2, 2);
        var theta = RandomProblems.Parameters(random, data, 2, Structure(name));
        var model = new GaussianMixtureModel(2, 2, Structure(name));
        var weights = Enumerable.Repeat(1.0, 40).ToArray();
        weights[5] = 2;
        var weighted = model.CreateStatistics();
        model.Accumulate(theta, new DataBlock(data.Values.Span, 40, 2, weights), weighted);
        var repeatedValues = data.Values.ToArray().Concat(data.Row(5).ToArray()).ToArray();
        var repeated = model.CreateStatistics();
        model.Accumulate(theta, new DataBlock(repeatedValues, 41, 2), repeated);
        Assert.Equal(repeated.LogLikelihood, weighted.LogLikelihood, 1e-12 * Math.Abs(repeated.LogLikelihood));
        Assert.Equal(41, weighted.Weight);
        AssertClose(repeated.ComponentWeights, weighted.ComponentWeights, 1e-12);
        AssertClose(repeated.Scatter, weighted.Scatter, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void Maximize_RandomTheta_IsArgmaxOfExpectedCompleteLogLikelihood(string name)
    {
        var random = new Random(15);
        var data = RandomProblems.MixtureData(random, 150, 2, 2);
        var theta = RandomProblems.Parameters(random, data, 2, Structure(name));
        var model = new GaussianMixtureModel(2, 2, Structure(name), regularization: 0);
        var next = model.Maximize(theta, EStep(model, theta, data));
        var rows = data.Values.ToArray();
        var responsibilities = new double[data.Rows * 2];
        for (int i = 0; i < data.Rows; i++)
        {
            ReferenceGaussianMixture.Responsibilities(rows, 2, i, theta.Weights.ToArray(), theta.Means.ToArray(), theta.FullCovariances(), out _).CopyTo(responsibilities, i * 2);
        }

        double Q(GaussianMixtureParameters p) => ReferenceGaussianMixture.ExpectedCompleteLogLikelihood(rows, 2, responsibilities, p.Weights.ToArray(), p.Means.ToArray(), p.FullCovariances());
        double best = Q(next);
        Assert.True(best > Q(theta));
        var eta = new double[model.ParameterCount];
        model.ToUnconstrained(next, eta);
        for (int trial = 0; trial < 50; trial++)
        {
            var perturbed = (double[])eta.Clone();
            int i = random.Next(eta.Length);
            perturbed[i] += (random.NextDouble() - 0.5) * 0.02;
            Assert.True(Q(model.FromUnconstrained(perturbed)) <= best + 1e-9 * Math.Abs(best), $"perturbing η[{i}] raised Q");
        }
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void FromUnconstrained_ToUnconstrained_RoundTrips(string name)
    {
        var random = new Random(16);
        var data = RandomProblems.MixtureData(random, 50, 3, 3);
        var theta = RandomProblems.Parameters(random, data, 3, Structure(name));
        var model = new GaussianMixtureModel(3, 3, Structure(name));
        var eta = new double[model.ParameterCount];
        model.ToUnconstrained(theta, eta);
        var back = model.FromUnconstrained(eta);
        AssertClose(theta.Weights.ToArray(), back.Weights.ToArray(), 1e-14);
        AssertClose(theta.Means.ToArray(), back.Means.ToArray(), 1e-14);
        AssertClose(theta.FullCovariances(), back.FullCovariances(), 1e-13);
    }

    [Fact]
    public void Maximize_ComponentFarFromData_ThrowsCollapsedNotNaN()
    {
        var random = new Random(17);
        var data = RandomProblems.MixtureData(random, 100, 2, 1);
        var theta = GaussianMixtureParameters.FromFullCovariances(FullCovariance.Instance, [0.5, 0.5], [0, 0, 1e6, 1e6], [1, 0, 0, 1, 1, 0, 0, 1], 2);
        var model = new GaussianMixtureModel(2, 2, FullCovariance.Instance);
        var stats = EStep(model, theta, data);
        Assert.True(double.IsFinite(stats.LogLikelihood));
        var error = Assert.Throws<ComponentCollapsedException>(() => model.Maximize(theta, stats));
        Assert.Equal(1, error.Component);
        Assert.Contains("component 2 collapsed", error.Message);
        Assert.Contains("more restarts", error.Message);
        Assert.Contains(FitSetting.Restarts, error.Settings);
    }

    [Fact]
    public void Maximize_ConstantColumnWithoutRegularization_ThrowsSingularCovariance()
    {
        var values = new double[40];
        for (int i = 0; i < 20; i++)
        {
            values[2 * i] = i;
            values[2 * i + 1] = 3.0;
        }

        var data = new DataSet("constant", ["x", "y"], values, 20);
        var model = new GaussianMixtureModel(1, 2, FullCovariance.Instance, regularization: 0);
        var theta = GaussianMixtureParameters.FromFullCovariances(FullCovariance.Instance, [1.0], [5, 3], [10, 0, 0, 1], 2);
        var error = Assert.Throws<SingularCovarianceException>(() => model.Maximize(theta, EStep(model, theta, data)));
        Assert.Contains("the regularisation (reg_covar)", error.Message);
        Assert.Contains(FitSetting.Regularization, error.Settings);

        // With the default regularisation the same data fit.
        var regularized = new GaussianMixtureModel(1, 2, FullCovariance.Instance);
        var fitted = regularized.Maximize(theta, EStep(regularized, theta, data));
        Assert.Equal(1e-6, fitted.FullCovariances()[3], 1e-15);
    }

    [Fact]
    public void FromFullCovariances_StructureMismatch_ExplainsWhy()
    {
        double[] full = [1, 0.5, 0.5, 2];
        var error = Assert.Throws<ArgumentException>(() => GaussianMixtureParameters.FromFullCovariances(DiagonalCovariance.Instance, [1.0], [0, 0], full, 2));
        Assert.Contains("off-diagonal", error.Message);
        Assert.Throws<ArgumentException>(() => GaussianMixtureParameters.FromFullCovariances(FullCovariance.Instance, [1.0], [0, 0], [1, 2, 2, 1], 2));
        Assert.Throws<ArgumentException>(() => GaussianMixtureParameters.FromFullCovariances(FullCovariance.Instance, [0.3, 0.3], [0, 0, 1, 1], [1, 0, 0, 1, 1, 0, 0, 1], 2));
    }

    [Theory]
    [InlineData("full")]
    [InlineData("tied")]
    [InlineData("diag")]
    [InlineData("spherical")]
    public void EmStep_StartFarFromData_CovarianceAsPreciseAsTwoPassVariance(string name)
    {
        // 200 draws near 0 and a start at 10⁷: S/n − ΔμΔμᵀ would lose everything to rounding; the model takes the
        // moments again about the new mean, so one EM step gives the sample covariance (a two-pass computation).
        var random = new Random(31);
        var values = Enumerable.Range(0, 400).Select(_ => RandomProblems.Normal(random)).ToArray();
        var data = new DataSet("near-zero", ["x", "y"], values, 200);
        var structure = Structure(name);
        var model = new GaussianMixtureModel(1, 2, structure, regularization: 0);
        var start = GaussianMixtureParameters.FromFullCovariances(structure, [1.0], [1e7, -1e7], [1, 0, 0, 1], 2);
        var problem = new LatentFit.Objectives.FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data);
        var next = new double[model.ParameterCount];
        problem.EmMap(problem.ToUnconstrained(start), next);
        var theta = problem.ToParameters(next);
        double mx = 0, my = 0;
        for (int n = 0; n < 200; n++)
        {
            mx += values[2 * n] / 200;
            my += values[2 * n + 1] / 200;
        }

        double sxx = 0, syy = 0, sxy = 0;
        for (int n = 0; n < 200; n++)
        {
            sxx += (values[2 * n] - mx) * (values[2 * n] - mx) / 200;
            syy += (values[2 * n + 1] - my) * (values[2 * n + 1] - my) / 200;
            sxy += (values[2 * n] - mx) * (values[2 * n + 1] - my) / 200;
        }

        var full = theta.FullCovariances();
        double[] expected = structure switch
        {
            SphericalCovariance => [(sxx + syy) / 2, 0, 0, (sxx + syy) / 2],
            DiagonalCovariance => [sxx, 0, 0, syy],
            _ => [sxx, sxy, sxy, syy],
        };
        for (int i = 0; i < 4; i++)
        {
            Assert.True(Math.Abs(expected[i] - full[i]) <= 1e-9, $"entry {i}: {full[i]:R} vs {expected[i]:R}");
        }

        Assert.Equal(mx, theta.Means[0], 1e-9);
        Assert.Equal(2, problem.Passes);
    }

    [Theory]
    [InlineData(Precision.Double)]
    [InlineData(Precision.Single)]
    public void ChunkedEStep_OneTwoThreeThreads_BitIdentical(Precision precision)
    {
        var random = new Random(18);
        var data = RandomProblems.MixtureData(random, 5000, 3, 3);
        var theta = RandomProblems.Parameters(random, data, 3, FullCovariance.Instance);
        data = precision == Precision.Single ? data.ToSinglePrecision() : data;
        var model = new GaussianMixtureModel(3, 3, FullCovariance.Instance);
        var reference = ChunkedEStep.Run(model, theta, data, new ExecutionOptions(1, 512));
        foreach (int threads in new[] { 2, 3 })
        {
            var stats = ChunkedEStep.Run(model, theta, data, new ExecutionOptions(threads, 512));
            Assert.Equal(BitConverter.DoubleToInt64Bits(reference.LogLikelihood), BitConverter.DoubleToInt64Bits(stats.LogLikelihood));
            Assert.Equal(reference.Scatter, stats.Scatter);
            Assert.Equal(reference.FirstMoments, stats.FirstMoments);
            Assert.Equal(reference.ComponentWeights, stats.ComponentWeights);
        }
    }

    private static void AssertClose(double[] expected, double[] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * Math.Max(scale, 1e-300), $"index {i}: {expected[i]:R} vs {actual[i]:R}");
        }
    }
}
