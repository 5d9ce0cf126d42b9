namespace LatentFit.Tests.Support;

/// <summary>Derivatives by central differences, for gradients checked against a function written in the test.</summary>
internal static class CentralDifference
{
    /// <summary>
    /// ∂f/∂xᵢ at <paramref name="x"/> by central differences with Richardson's extrapolation, (4D(h/2) − D(h))/3 with
    /// h = 1e-3, error O(h⁴): a step large enough that the rounding of f (sums over hundreds of rows) stays below 1e-6.
    /// </summary>
    public static double Richardson(Func<double[], double> f, double[] x, int i)
    {
        double Difference(double step)
        {
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[i] += step;
            minus[i] -= step;
            return (f(plus) - f(minus)) / (2 * step);
        }

        return (4 * Difference(5e-4) - Difference(1e-3)) / 3;
    }
}
