using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;

namespace LatentFit.Models.Poisson;

/// <summary>
/// Weighted sums sₖ = Σₙ wₙγₙₖxₙ of K Poisson components, γ the posteriors. They are raw sums, in coordinates that
/// do not depend on θ, so statistics of any parameters add (as incremental and online EM need).
/// </summary>
public sealed class PoissonEmissionStatistics(int components) : IEmissionStatistics<PoissonEmissionStatistics>
{
    /// <summary>sₖ.</summary>
    public double[] WeightedSums { get; } = new double[components];

    /// <inheritdoc/>
    /// <remarks>Layout: sₖ.</remarks>
    public int FlatLength => WeightedSums.Length;

    /// <inheritdoc/>
    public void Clear() => Array.Clear(WeightedSums);

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">Statistics of another number of components.</exception>
    public void AddScaled(PoissonEmissionStatistics other, double factor)
    {
        if (other.WeightedSums.Length != WeightedSums.Length)
        {
            throw new IncompatibleStatisticsException($"statistics of {other.WeightedSums.Length} components cannot be added to statistics of {WeightedSums.Length}");
        }

        Accumulators.AddScaled(WeightedSums, other.WeightedSums, factor);
    }

    /// <inheritdoc/>
    public void Scale(double factor) => Accumulators.Scale(WeightedSums, factor);

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination)
    {
        if (destination.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got room for {destination.Length}", nameof(destination));
        }

        WeightedSums.CopyTo(destination);
    }

    /// <inheritdoc/>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        if (source.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got {source.Length}", nameof(source));
        }

        source.CopyTo(WeightedSums);
    }
}
