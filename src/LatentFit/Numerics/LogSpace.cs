namespace LatentFit.Numerics;

/// <summary>Log-space arithmetic for quantities whose products and sums under- or overflow.</summary>
public static class LogSpace
{
    /// <summary>log Σᵢ exp(xᵢ), computed as m + log Σᵢ exp(xᵢ − m) with m = maxᵢ xᵢ; −∞ when every xᵢ is −∞.</summary>
    public static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (v > max)
            {
                max = v;
            }
        }

        if (double.IsNegativeInfinity(max))
        {
            return double.NegativeInfinity;
        }

        double sum = 0;
        foreach (double v in values)
        {
            sum += Math.Exp(v - max);
        }

        return max + Math.Log(sum);
    }
}
