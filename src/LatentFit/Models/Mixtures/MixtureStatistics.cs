using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;

namespace LatentFit.Models.Mixtures;

/// <summary>
/// A mixture's statistics: ℓ, the total weight and the occupancies nₖ = Σₙ wₙrₙₖ, which the shared posterior adds,
/// and the emission family's statistics, weighted by the responsibilities. Every mixture's statistics are this, with
/// names for the family's parts. Flat layout: ℓ, weight, the emission statistics' flat form, nₖ.
/// </summary>
/// <typeparam name="TSelf">The concrete statistics type.</typeparam>
/// <typeparam name="TEmission">The emission family's statistics.</typeparam>
public abstract class MixtureStatistics<TSelf, TEmission> : ISufficientStatistics<TSelf>, IMixtureStatistics<TEmission>
    where TSelf : MixtureStatistics<TSelf, TEmission>
    where TEmission : IEmissionStatistics<TEmission>
{
    /// <summary>Zeroed totals for K components around the family's (zeroed) statistics.</summary>
    private protected MixtureStatistics(TEmission emission, int components)
    {
        Emission = emission;
        ComponentWeights = new double[components];
    }

    /// <summary>The emission family's statistics.</summary>
    public TEmission Emission { get; }

    /// <summary>nₖ = Σₙ wₙrₙₖ.</summary>
    public double[] ComponentWeights { get; }

    /// <inheritdoc/>
    public double LogLikelihood { get; internal set; }

    /// <inheritdoc/>
    public double Weight { get; internal set; }

    double IMixtureTotals.LogLikelihood { get => LogLikelihood; set => LogLikelihood = value; }

    double IMixtureTotals.Weight { get => Weight; set => Weight = value; }

    /// <inheritdoc/>
    public int FlatLength => 2 + Emission.FlatLength + ComponentWeights.Length;

    /// <inheritdoc/>
    public void Clear()
    {
        LogLikelihood = 0;
        Weight = 0;
        Array.Clear(ComponentWeights);
        Emission.Clear();
    }

    /// <inheritdoc/>
    public void Add(TSelf other) => AddScaled(other, 1.0);

    /// <inheritdoc/>
    /// <remarks>The emission statistics check the operand first, so a refusal changes nothing.</remarks>
    public void AddScaled(TSelf other, double factor)
    {
        Emission.AddScaled(other.Emission, factor);
        LogLikelihood += factor * other.LogLikelihood;
        Weight += factor * other.Weight;
        Accumulators.AddScaled(ComponentWeights, other.ComponentWeights, factor);
    }

    /// <inheritdoc/>
    public void Scale(double factor)
    {
        LogLikelihood *= factor;
        Weight *= factor;
        Accumulators.Scale(ComponentWeights, factor);
        Emission.Scale(factor);
    }

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination)
    {
        int length = FlatLength, emission = Emission.FlatLength;
        if (destination.Length != length)
        {
            throw new ArgumentException($"the flat form of these statistics has {length} values, got room for {destination.Length}", nameof(destination));
        }

        destination[0] = LogLikelihood;
        destination[1] = Weight;
        Emission.WriteFlat(destination.Slice(2, emission));
        ComponentWeights.CopyTo(destination[(2 + emission)..]);
    }

    /// <inheritdoc/>
    /// <remarks>The emission statistics refuse theirs before anything is changed.</remarks>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        int length = FlatLength, emission = Emission.FlatLength;
        if (source.Length != length)
        {
            throw new ArgumentException($"the flat form of these statistics has {length} values, got {source.Length}", nameof(source));
        }

        Emission.ReadFlat(source.Slice(2, emission));
        LogLikelihood = source[0];
        Weight = source[1];
        source[(2 + emission)..].CopyTo(ComponentWeights);
    }
}
