using LatentFit.Models.Emissions;

namespace LatentFit.Models.Mixtures;

/// <summary>
/// The value operations every mixture's statistics share: ℓ, the total weight and the occupancies, with the emission
/// statistics after them. Flat layout: ℓ, weight, the emission statistics' flat form, nₖ.
/// </summary>
internal static class MixtureStatisticsValues
{
    /// <summary>Length of the flat form.</summary>
    public static int FlatLength<T>(IMixtureStatistics<T> statistics)
        where T : IEmissionStatistics<T> =>
        2 + statistics.Emission.FlatLength + statistics.ComponentWeights.Length;

    /// <summary>Zeroes everything.</summary>
    public static void Clear<T>(IMixtureStatistics<T> statistics)
        where T : IEmissionStatistics<T>
    {
        statistics.LogLikelihood = 0;
        statistics.Weight = 0;
        Array.Clear(statistics.ComponentWeights);
        statistics.Emission.Clear();
    }

    /// <summary>target += factor × other; the emission statistics check the operand first, so a refusal changes nothing.</summary>
    public static void AddScaled<T>(IMixtureStatistics<T> target, IMixtureStatistics<T> other, double factor)
        where T : IEmissionStatistics<T>
    {
        target.Emission.AddScaled(other.Emission, factor);
        target.LogLikelihood += factor * other.LogLikelihood;
        target.Weight += factor * other.Weight;
        Accumulators.AddScaled(target.ComponentWeights, other.ComponentWeights, factor);
    }

    /// <summary>Multiplies every accumulator by <paramref name="factor"/>.</summary>
    public static void Scale<T>(IMixtureStatistics<T> statistics, double factor)
        where T : IEmissionStatistics<T>
    {
        statistics.LogLikelihood *= factor;
        statistics.Weight *= factor;
        Accumulators.Scale(statistics.ComponentWeights, factor);
        statistics.Emission.Scale(factor);
    }

    /// <summary>Writes the flat form.</summary>
    public static void WriteFlat<T>(IMixtureStatistics<T> statistics, Span<double> destination)
        where T : IEmissionStatistics<T>
    {
        int length = FlatLength(statistics), emission = statistics.Emission.FlatLength;
        if (destination.Length != length)
        {
            throw new ArgumentException($"the flat form of these statistics has {length} values, got room for {destination.Length}", nameof(destination));
        }

        destination[0] = statistics.LogLikelihood;
        destination[1] = statistics.Weight;
        statistics.Emission.WriteFlat(destination.Slice(2, emission));
        statistics.ComponentWeights.CopyTo(destination[(2 + emission)..]);
    }

    /// <summary>Reads the flat form; the emission statistics refuse theirs before anything is changed.</summary>
    public static void ReadFlat<T>(IMixtureStatistics<T> statistics, ReadOnlySpan<double> source)
        where T : IEmissionStatistics<T>
    {
        int length = FlatLength(statistics), emission = statistics.Emission.FlatLength;
        if (source.Length != length)
        {
            throw new ArgumentException($"the flat form of these statistics has {length} values, got {source.Length}", nameof(source));
        }

        statistics.Emission.ReadFlat(source.Slice(2, emission));
        statistics.LogLikelihood = source[0];
        statistics.Weight = source[1];
        source[(2 + emission)..].CopyTo(statistics.ComponentWeights);
    }
}
