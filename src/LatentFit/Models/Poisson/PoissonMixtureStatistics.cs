using LatentFit.Models.Abstractions;

namespace LatentFit.Models.Poisson;

/// <summary>
/// Expected sufficient statistics of a Poisson mixture: nₖ = Σₙ wₙrₙₖ and sₖ = Σₙ wₙrₙₖxₙ. They are raw sums, in
/// coordinates that do not depend on θ, so statistics of any parameters add (as incremental and online EM need).
/// </summary>
public sealed class PoissonMixtureStatistics(int components) : ISufficientStatistics<PoissonMixtureStatistics>
{
    /// <summary>nₖ.</summary>
    public double[] ComponentWeights { get; } = new double[components];

    /// <summary>sₖ = Σₙ wₙrₙₖxₙ.</summary>
    public double[] WeightedSums { get; } = new double[components];

    /// <inheritdoc/>
    public double LogLikelihood { get; internal set; }

    /// <inheritdoc/>
    public double Weight { get; internal set; }

    /// <inheritdoc/>
    /// <remarks>Layout: ℓ, weight, nₖ, sₖ.</remarks>
    public int FlatLength => 2 + 2 * ComponentWeights.Length;

    /// <inheritdoc/>
    public void Clear()
    {
        Array.Clear(ComponentWeights);
        Array.Clear(WeightedSums);
        LogLikelihood = 0;
        Weight = 0;
    }

    /// <inheritdoc/>
    public void Add(PoissonMixtureStatistics other) => AddScaled(other, 1.0);

    /// <inheritdoc/>
    public void AddScaled(PoissonMixtureStatistics other, double factor)
    {
        if (other.ComponentWeights.Length != ComponentWeights.Length)
        {
            throw new IncompatibleStatisticsException($"statistics of {other.ComponentWeights.Length} components cannot be added to statistics of {ComponentWeights.Length}");
        }

        for (int k = 0; k < ComponentWeights.Length; k++)
        {
            ComponentWeights[k] += factor * other.ComponentWeights[k];
            WeightedSums[k] += factor * other.WeightedSums[k];
        }

        LogLikelihood += factor * other.LogLikelihood;
        Weight += factor * other.Weight;
    }

    /// <inheritdoc/>
    public void Scale(double factor)
    {
        for (int k = 0; k < ComponentWeights.Length; k++)
        {
            ComponentWeights[k] *= factor;
            WeightedSums[k] *= factor;
        }

        LogLikelihood *= factor;
        Weight *= factor;
    }

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination)
    {
        if (destination.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got room for {destination.Length}", nameof(destination));
        }

        destination[0] = LogLikelihood;
        destination[1] = Weight;
        ComponentWeights.CopyTo(destination[2..]);
        WeightedSums.CopyTo(destination[(2 + ComponentWeights.Length)..]);
    }

    /// <inheritdoc/>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        if (source.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got {source.Length}", nameof(source));
        }

        LogLikelihood = source[0];
        Weight = source[1];
        int k = ComponentWeights.Length;
        source.Slice(2, k).CopyTo(ComponentWeights);
        source.Slice(2 + k, k).CopyTo(WeightedSums);
    }
}
