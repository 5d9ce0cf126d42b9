namespace LatentFit.Numerics;

/// <summary>Special functions the models need.</summary>
public static class SpecialFunctions
{
    private const int TableSize = 256;
    private static readonly double[] LogFactorials = BuildTable();

    /// <summary>
    /// log(n!) for an integer n ≥ 0: exact sums of logarithms below 256, and above that Stirling's series
    /// n log n − n + ½ log(2πn) + 1/(12n) − 1/(360n³) + 1/(1260n⁵), whose truncation error there is below 10⁻¹⁶ relative.
    /// </summary>
    public static double LogFactorial(double n)
    {
        if (n < TableSize)
        {
            return LogFactorials[(int)n];
        }

        double inverse = 1 / n, inverse2 = inverse * inverse;
        return n * Math.Log(n) - n + 0.5 * Math.Log(2 * Math.PI * n) + inverse * (1.0 / 12 - inverse2 * (1.0 / 360 - inverse2 / 1260));
    }

    private static double[] BuildTable()
    {
        var table = new double[TableSize];
        for (int i = 2; i < TableSize; i++)
        {
            table[i] = table[i - 1] + Math.Log(i);
        }

        return table;
    }
}
