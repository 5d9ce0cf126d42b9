using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;

namespace LatentFit.Models.Categorical;

/// <summary>
/// Expected counts n_kc = Σₙ wₙγₙₖ[xₙ = c] of K categorical components over C categories, γ the posteriors, row-major.
/// They are raw sums in coordinates that do not depend on θ, so statistics of any parameters add (as incremental and
/// online EM need). A missing cell adds nothing.
/// </summary>
public sealed class CategoricalEmissionStatistics(int components, int categories) : IEmissionStatistics<CategoricalEmissionStatistics>
{
    /// <summary>C.</summary>
    public int Categories { get; } = categories;

    /// <summary>n_kc, row-major (component k's counts are [k·C, (k + 1)·C)).</summary>
    public double[] Counts { get; } = new double[components * categories];

    /// <inheritdoc/>
    /// <remarks>Layout: n_kc, row-major.</remarks>
    public int FlatLength => Counts.Length;

    /// <inheritdoc/>
    public void Clear() => Array.Clear(Counts);

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">Statistics of another number of components or categories.</exception>
    public void AddScaled(CategoricalEmissionStatistics other, double factor)
    {
        if (other.Categories != Categories || other.Counts.Length != Counts.Length)
        {
            throw new IncompatibleStatisticsException(
                $"statistics of {other.Counts.Length / other.Categories} components over {other.Categories} categories cannot be added to statistics of {Counts.Length / Categories} over {Categories}");
        }

        Accumulators.AddScaled(Counts, other.Counts, factor);
    }

    /// <inheritdoc/>
    public void Scale(double factor) => Accumulators.Scale(Counts, factor);

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination)
    {
        if (destination.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got room for {destination.Length}", nameof(destination));
        }

        Counts.CopyTo(destination);
    }

    /// <inheritdoc/>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        if (source.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got {source.Length}", nameof(source));
        }

        source.CopyTo(Counts);
    }
}
