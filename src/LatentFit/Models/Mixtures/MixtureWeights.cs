namespace LatentFit.Models.Mixtures;

/// <summary>The check every mixture's parameters make of the mixing weights a caller gives.</summary>
internal static class MixtureWeights
{
    /// <summary>Refuses weights that are not positive, finite and summing to 1 within 1e-9.</summary>
    /// <exception cref="ArgumentException">A weight is not positive and finite, or the sum is not 1.</exception>
    public static void Check(ReadOnlySpan<double> weights)
    {
        double sum = 0;
        foreach (double w in weights)
        {
            if (!(w > 0) || !double.IsFinite(w))
            {
                throw new ArgumentException($"weights: every weight must be positive and finite, got {w}");
            }

            sum += w;
        }

        if (Math.Abs(sum - 1) > 1e-9)
        {
            throw new ArgumentException($"weights: must sum to 1, got {sum:R}");
        }
    }
}
