namespace LatentFit.Models.Emissions;

/// <summary>The element-wise arithmetic that statistics values share (Add, AddScaled, Scale).</summary>
internal static class Accumulators
{
    /// <summary>target += factor × source, the plain sum when the factor is 1 (the merge of two blocks).</summary>
    public static void AddScaled(double[] target, double[] source, double factor)
    {
        if (factor == 1.0)
        {
            for (int i = 0; i < target.Length; i++)
            {
                target[i] += source[i];
            }

            return;
        }

        for (int i = 0; i < target.Length; i++)
        {
            target[i] += factor * source[i];
        }
    }

    /// <summary>values *= factor.</summary>
    public static void Scale(double[] values, double factor)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }
}
