using LatentFit.Data;
using LatentFit.Diagnostics;
using LatentFit.Models.Gaussian;

namespace LatentFit.Tests.Diagnostics;

/// <summary>
/// The findings on hand-made parameters whose defects are known by construction (no fit runs): a constant column,
/// a component whose weight is one row's, variances at the regularisation floor.
/// </summary>
public sealed class FitHealthTests
{
    private static DataSet Data(double[,] values)
    {
        int n = values.GetLength(0), d = values.GetLength(1);
        var flat = new double[n * d];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(double));
        return new DataSet("data.csv", Enumerable.Range(0, d).Select(c => $"x{c}").ToArray(), flat, n);
    }

    private static GaussianMixtureParameters Diagonal(double[] weights, double[] means, double[] variances, int d) =>
        GaussianMixtureParameters.Create(DiagonalCovariance.Instance, weights, means, variances, d);

    [Fact]
    public void Check_HealthyFit_NoFindings()
    {
        var data = Data(new double[,] { { 0, 1 }, { 1, 0 }, { 2, 2 }, { 10, 11 }, { 11, 10 }, { 12, 12 } });
        var theta = Diagonal([0.5, 0.5], [1, 1, 11, 11], [0.7, 0.7, 0.7, 0.7], 2);
        Assert.Empty(FitHealth.Check(data, theta, 1e-6, 6));
    }

    [Fact]
    public void Check_ConstantColumn_NamedOnceWithItsValue()
    {
        var data = Data(new double[,] { { 0, 5 }, { 1, 5 }, { 2, 5 }, { 10, 5 }, { 11, 5 }, { 12, 5 } });
        var theta = Diagonal([0.5, 0.5], [1, 5, 11, 5], [0.7, 1e-6, 0.7, 1e-6], 2);
        var finding = Assert.Single(FitHealth.Check(data, theta, 1e-6, 6));
        Assert.Equal(new FitFinding(FitFindingKind.ConstantColumn, null, 1, "x1", 5), finding);
    }

    [Fact]
    public void Check_ComponentOnOneRow_NamedWithItsObservations()
    {
        var data = Data(new double[,] { { 0 }, { 1 }, { 2 }, { 3 }, { 100 } });
        var theta = Diagonal([0.8, 0.2], [1.5, 100], [1.25, 1e-6], 1);
        var findings = FitHealth.Check(data, theta, 1e-6, 5);
        var few = Assert.Single(findings, f => f.Kind == FitFindingKind.ComponentOnFewRows);
        Assert.Equal(1, few.Component);
        Assert.Equal(1.0, few.Value, 12);
        var floor = Assert.Single(findings, f => f.Kind == FitFindingKind.VarianceAtFloor);
        Assert.Equal((1, "x0"), (floor.Component, floor.ColumnName));
    }

    [Fact]
    public void Check_FullCovarianceNeedsDPlusOneObservations()
    {
        var data = Data(new double[,] { { 0, 0 }, { 1, 3 }, { 2, 1 }, { 3, 2 }, { 20, 20 }, { 21, 22 }, { 20, 22 }, { 22, 20 } });
        // 2.5 observations: enough for a diagonal covariance (2), too few for a full 2×2 one (3).
        var full = GaussianMixtureParameters.Create(FullCovariance.Instance, [5.5 / 8, 2.5 / 8], [1.5, 1.5, 20.75, 21], [1, 0, 0, 1, 1, 0, 0, 1], 2);
        Assert.Contains(FitHealth.Check(data, full, 1e-6, 8), f => f is { Kind: FitFindingKind.ComponentOnFewRows, Component: 1 });
        var diagonal = Diagonal([5.5 / 8, 2.5 / 8], [1.5, 1.5, 20.75, 21], [1, 1, 1, 1], 2);
        Assert.DoesNotContain(FitHealth.Check(data, diagonal, 1e-6, 8), f => f.Kind == FitFindingKind.ComponentOnFewRows);
    }

    [Fact]
    public void Check_EveryVarianceAtFloor_OneFindingNotOnePerVariance()
    {
        var data = Data(new double[,] { { 0, 1e-5 }, { 1e-5, 0 }, { 2e-5, 2e-5 }, { 1e-4, 1.1e-4 }, { 1.1e-4, 1e-4 } });
        var theta = Diagonal([0.6, 0.4], [1e-5, 1e-5, 1.05e-4, 1.05e-4], [1.00007e-6, 1.00007e-6, 1.0000025e-6, 1.0000025e-6], 2);
        var finding = Assert.Single(FitHealth.Check(data, theta, 1e-6, 5));
        Assert.Equal(FitFindingKind.AllVariancesAtFloor, finding.Kind);
    }
}
