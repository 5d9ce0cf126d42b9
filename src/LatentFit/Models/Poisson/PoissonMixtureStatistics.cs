using LatentFit.Models.Abstractions;

namespace LatentFit.Models.Poisson;

/// <summary>Expected sufficient statistics of a Poisson mixture: nₖ = Σₙ wₙrₙₖ and sₖ = Σₙ wₙrₙₖxₙ.</summary>
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
    public void Clear()
    {
        Array.Clear(ComponentWeights);
        Array.Clear(WeightedSums);
        LogLikelihood = 0;
        Weight = 0;
    }

    /// <inheritdoc/>
    public void Add(PoissonMixtureStatistics other)
    {
        for (int k = 0; k < ComponentWeights.Length; k++)
        {
            ComponentWeights[k] += other.ComponentWeights[k];
            WeightedSums[k] += other.WeightedSums[k];
        }

        LogLikelihood += other.LogLikelihood;
        Weight += other.Weight;
    }
}
