using LatentFit.Data;
using LatentFit.Fitting;

namespace LatentFit.Tests.Data;

/// <summary>Columns whose squares overflow or underflow double precision are refused as scale problems, by name.</summary>
public sealed class DataScaleTests
{
    private static DataSet Columns(Func<int, double> x, Func<int, double> y, int rows = 100) =>
        new("data.csv", ["x", "y"], Enumerable.Range(0, rows).SelectMany(i => new[] { x(i), y(i) }).ToArray(), rows);

    [Fact]
    public void Require_HugeColumn_NamedAsAScaleProblem()
    {
        // 100 distinct rows near 1e300: a Gaussian's (x − μ)² is about 1e600, beyond 1.8e308.
        var data = Columns(i => (1 + i) * 1e298, i => i);
        var error = Assert.Throws<DataFormatException>(() => new GaussianMixtureSpecification(new GaussianMixtureFitSettings { Data = data, Components = 2 }));
        Assert.Contains("column 1 (\"x\")", error.Message);
        Assert.Contains("magnitude 1e300", error.Message);
        Assert.Contains("rescale", error.Message);
        Assert.DoesNotContain("distinct", error.Message);
        Assert.Equal("x", error.ColumnName);
    }

    [Fact]
    public void Require_TinySpread_NamedAsAScaleProblem()
    {
        // Spread 99e-302 ≈ 1e-300: squared, 1e-600, far below the smallest double.
        var data = Columns(i => i, i => (1 + i) * 1e-302);
        var error = Assert.Throws<DataFormatException>(() => DataScale.Require(data));
        Assert.Contains("column 2 (\"y\")", error.Message);
        Assert.Contains("varies only by 1e-300", error.Message);
    }

    [Fact]
    public void Require_WideButRepresentableColumns_Accepted()
    {
        // Squares of 1e140 are 1e280 and of 1e-140 are 1e-280: far inside double precision.
        DataScale.Require(Columns(i => (1 + i) * 1e140, i => (1 + i) * 1e-140));
        DataScale.Require(Columns(i => 7, i => i));
    }
}
