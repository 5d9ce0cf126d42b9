using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;

namespace LatentFit.Models.Uniform;

/// <summary>
/// The support of each uniform component's responsibilities: the smallest and the largest xₙ that component k holds
/// (rₙₖ &gt; 0, i.e. xₙ in its interval), +∞ and −∞ while it holds none. They are what the M-step of a uniform needs
/// (its maximum-likelihood interval is [min, max] of its rows), and they are a minimum and a maximum, not sums.
/// </summary>
/// <remarks>
/// The statistics describe the support of the measure Σₙ wₙrₙₖδ_{xₙ}, which gives <see cref="AddScaled"/> and
/// <see cref="Scale"/> a meaning: the support of c·μ is that of μ for c &gt; 0 and empty for c = 0, and the support of a
/// sum is the union (the smaller minimum, the larger maximum). A negative factor, which would subtract rows, has no
/// such meaning and is refused: a minimum cannot forget the row it came from. Online EM's running averages therefore
/// only ever widen these intervals.
/// </remarks>
public sealed class UniformEmissionStatistics : IEmissionStatistics<UniformEmissionStatistics>
{
    /// <summary>Empty statistics of K components.</summary>
    public UniformEmissionStatistics(int components)
    {
        Minima = new double[components];
        Maxima = new double[components];
        Clear();
    }

    /// <summary>The smallest xₙ component k holds; +∞ when none.</summary>
    public double[] Minima { get; }

    /// <summary>The largest xₙ component k holds; −∞ when none.</summary>
    public double[] Maxima { get; }

    /// <inheritdoc/>
    /// <remarks>Layout: the K minima, then the K maxima.</remarks>
    public int FlatLength => 2 * Minima.Length;

    /// <inheritdoc/>
    /// <remarks>Empty supports: the identities of min and max.</remarks>
    public void Clear()
    {
        Array.Fill(Minima, double.PositiveInfinity);
        Array.Fill(Maxima, double.NegativeInfinity);
    }

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">Statistics of another number of components, or a negative factor.</exception>
    public void AddScaled(UniformEmissionStatistics other, double factor)
    {
        if (other.Minima.Length != Minima.Length)
        {
            throw new IncompatibleStatisticsException($"statistics of {other.Minima.Length} components cannot be added to statistics of {Minima.Length}");
        }

        RequireNonNegative(factor);
        if (factor == 0)
        {
            return;
        }

        for (int k = 0; k < Minima.Length; k++)
        {
            Minima[k] = Math.Min(Minima[k], other.Minima[k]);
            Maxima[k] = Math.Max(Maxima[k], other.Maxima[k]);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">A negative factor.</exception>
    public void Scale(double factor)
    {
        RequireNonNegative(factor);
        if (factor == 0)
        {
            Clear();
        }
    }

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination)
    {
        if (destination.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got room for {destination.Length}", nameof(destination));
        }

        Minima.CopyTo(destination);
        Maxima.CopyTo(destination[Minima.Length..]);
    }

    /// <inheritdoc/>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        if (source.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got {source.Length}", nameof(source));
        }

        source[..Minima.Length].CopyTo(Minima);
        source[Minima.Length..].CopyTo(Maxima);
    }

    private static void RequireNonNegative(double factor)
    {
        if (!(factor >= 0))
        {
            throw new IncompatibleStatisticsException($"the minima and maxima of a uniform mixture cannot be scaled by {factor}: only a non-negative factor keeps a support a support");
        }
    }
}
