using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Abstractions;

/// <summary>Statistics are values: they refuse operands in other coordinates, scale, and survive their flat (wire) form.</summary>
public class StatisticsValueTests
{
    private static (GaussianMixtureModel Model, DataSet Data, GaussianMixtureParameters First, GaussianMixtureParameters Second) TwoGaussianPoints()
    {
        var random = new Random(31);
        var data = RandomProblems.MixtureData(random, 120, 3, 2);
        var model = new GaussianMixtureModel(2, 3, FullCovariance.Instance);
        var first = RandomProblems.Parameters(random, data, 2, FullCovariance.Instance);
        var second = RandomProblems.Parameters(random, data, 2, FullCovariance.Instance);
        return (model, data, first, second);
    }

    private static GaussianMixtureStatistics EStep(GaussianMixtureModel model, GaussianMixtureParameters theta, DataSet data, int start, int count)
    {
        var stats = model.CreateStatistics();
        model.Accumulate(theta, data.Block(start, count), stats);
        return stats;
    }

    private static double[] Flat<TStats>(TStats stats)
        where TStats : ISufficientStatistics<TStats>
    {
        var flat = new double[stats.FlatLength];
        stats.WriteFlat(flat);
        return flat;
    }

    [Fact]
    public void Add_GaussianStatisticsAtDifferentMeans_Refused()
    {
        var (model, data, first, second) = TwoGaussianPoints();
        var atFirst = EStep(model, first, data, 0, 60);
        var atSecond = EStep(model, second, data, 60, 60);
        Assert.Throws<IncompatibleStatisticsException>(() => atFirst.Add(atSecond));
        Assert.Throws<IncompatibleStatisticsException>(() => atFirst.AddScaled(atSecond, 0.5));

        // Nor may rows under a second θ be accumulated into statistics that hold the first's.
        Assert.Throws<IncompatibleStatisticsException>(() => model.Accumulate(second, data.Block(60, 60), atFirst));

        // Nor a gradient at θ be taken from statistics of another θ.
        Assert.Throws<IncompatibleStatisticsException>(() => model.Gradient(second, atFirst, new double[model.ParameterCount]));
    }

    [Fact]
    public void Add_GaussianStatisticsAtSameParameters_Merge()
    {
        var (model, data, first, _) = TwoGaussianPoints();
        var head = EStep(model, first, data, 0, 60);
        head.Add(EStep(model, first, data, 60, 60));

        // An empty (cleared) operand adopts the centres of what it is given.
        var empty = model.CreateStatistics();
        empty.Add(head);
        Assert.Equal(head.Centres, empty.Centres);
        Assert.Equal(first.Means.ToArray(), head.Centres);
    }

    [Fact]
    public void AddScaled_Gaussian_IsFlatSumWithFactor()
    {
        var (model, data, first, _) = TwoGaussianPoints();
        var a = EStep(model, first, data, 0, 70);
        var b = EStep(model, first, data, 70, 50);
        var expected = Flat(a);
        var other = Flat(b);

        // Past ℓ, weight, the centres flag and the centres, every accumulator is a + f·b.
        int centres = 3 + 2 * 3;
        expected[0] += -0.25 * other[0];
        expected[1] += -0.25 * other[1];
        for (int i = centres; i < expected.Length; i++)
        {
            expected[i] += -0.25 * other[i];
        }

        a.AddScaled(b, -0.25);
        Assert.Equal(expected, Flat(a));
    }

    [Fact]
    public void Scale_Gaussian_MultipliesEveryAccumulator()
    {
        var (model, data, first, _) = TwoGaussianPoints();
        var a = EStep(model, first, data, 0, 120);
        var expected = Flat(a);
        for (int i = 0; i < expected.Length; i++)
        {
            if (i is < 2 or >= 3 + 6)
            {
                expected[i] *= 0.125;
            }
        }

        a.Scale(0.125);
        Assert.Equal(expected, Flat(a));
    }

    [Fact]
    public void ReadFlat_Gaussian_RoundTripGivesSameMStep()
    {
        var (model, data, first, _) = TwoGaussianPoints();
        var original = EStep(model, first, data, 0, 120);
        var copy = model.CreateStatistics();
        copy.ReadFlat(Flat(original));
        Assert.Equal(Flat(original), Flat(copy));
        var fromOriginal = new double[model.ParameterCount];
        var fromCopy = new double[model.ParameterCount];
        model.ToUnconstrained(model.Maximize(first, original), fromOriginal);
        model.ToUnconstrained(model.Maximize(first, copy), fromCopy);
        Assert.Equal(fromOriginal, fromCopy);

        // The copy keeps the coordinates: it refuses statistics of another θ as the original does.
        var (_, _, _, second) = TwoGaussianPoints();
        Assert.Throws<IncompatibleStatisticsException>(() => copy.Add(EStep(model, second, data, 0, 10)));
        Assert.Throws<ArgumentException>(() => copy.ReadFlat(new double[copy.FlatLength - 1]));
    }

    [Fact]
    public void FlatForms_Poisson_RoundTripScaleAndAddScaled()
    {
        var model = new PoissonMixtureModel(2);
        var counts = new[] { 0.0, 1, 1, 2, 3, 5, 8, 13, 2, 0, 4 };
        var data = new DataSet("counts", ["x"], counts, counts.Length);
        var theta = PoissonMixtureParameters.Create([0.4, 0.6], [1.0, 6.0]);
        var other = PoissonMixtureParameters.Create([0.5, 0.5], [2.0, 3.0]);
        var a = model.CreateStatistics();
        model.Accumulate(theta, data.Block(0, 6), a);
        var b = model.CreateStatistics();
        model.Accumulate(other, data.Block(6, 5), b);

        var copy = model.CreateStatistics();
        copy.ReadFlat(Flat(a));
        Assert.Equal(Flat(a), Flat(copy));

        // Raw sums do not depend on θ's coordinates: statistics of two θ add (incremental EM's case).
        var expected = Flat(a).Zip(Flat(b), (x, y) => x + 3 * y).ToArray();
        a.AddScaled(b, 3);
        Assert.Equal(expected, Flat(a));
        b.Scale(-2);
        Assert.Equal(Flat(copy).Length, Flat(b).Length);
        Assert.Throws<IncompatibleStatisticsException>(() => a.Add(new PoissonMixtureModel(3).CreateStatistics()));
    }
}
