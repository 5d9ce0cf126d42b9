using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;

namespace LatentFit.Models.Hmm;

/// <summary>
/// Expected complete-data sufficient statistics of a hidden Markov model at θₜ, summed over sequences: ℓ, the number
/// of observations and of sequences, the expected initial states Σₛ γₛ,₁(i), the expected transitions
/// Σₛ Σₜ ξₛ,ₜ(i, j), the occupancies Σₛ Σₜ γₛ,ₜ(i), and the emission family's statistics weighted by γ (Baum et al.
/// 1970; Rabiner 1989, eqs. 37–40 and 53). Sequences are independent, so the statistics of disjoint sets of whole
/// sequences add. Flat layout: ℓ, observations, sequences, the emission statistics' flat form, initial counts
/// (K), transition counts (K², row-major), occupancies (K).
/// </summary>
/// <typeparam name="TEmission">The emission family's statistics.</typeparam>
public sealed class HmmStatistics<TEmission> : ISufficientStatistics<HmmStatistics<TEmission>>
    where TEmission : IEmissionStatistics<TEmission>
{
    /// <summary>Zeroed statistics of K states around the family's zeroed statistics.</summary>
    public HmmStatistics(TEmission emission, int states)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(states, 1);
        Emission = emission;
        InitialCounts = new double[states];
        TransitionCounts = new double[states * states];
        Occupancies = new double[states];
    }

    /// <summary>K.</summary>
    public int States => InitialCounts.Length;

    /// <summary>The emission family's statistics, weighted by the state posteriors γₜ(i).</summary>
    public TEmission Emission { get; }

    /// <summary>Σₛ γₛ,₁(i): the expected number of sequences that start in state i.</summary>
    public double[] InitialCounts { get; }

    /// <summary>Σₛ Σₜ ξₛ,ₜ(i, j), row-major: the expected number of transitions from i to j.</summary>
    public double[] TransitionCounts { get; }

    /// <summary>Σₛ Σₜ γₛ,ₜ(i): the expected number of observations emitted by state i.</summary>
    public double[] Occupancies { get; }

    /// <inheritdoc/>
    public double LogLikelihood { get; internal set; }

    /// <summary>The number of observations (rows).</summary>
    public double Weight { get; internal set; }

    /// <summary>The number of sequences.</summary>
    public double Sequences { get; internal set; }

    /// <inheritdoc/>
    public int FlatLength => 3 + Emission.FlatLength + InitialCounts.Length + TransitionCounts.Length + Occupancies.Length;

    /// <inheritdoc/>
    public void Clear()
    {
        LogLikelihood = 0;
        Weight = 0;
        Sequences = 0;
        Array.Clear(InitialCounts);
        Array.Clear(TransitionCounts);
        Array.Clear(Occupancies);
        Emission.Clear();
    }

    /// <inheritdoc/>
    public void Add(HmmStatistics<TEmission> other) => AddScaled(other, 1.0);

    /// <inheritdoc/>
    /// <remarks>The operand is checked first (shape, then the emission statistics' coordinates), so a refusal changes nothing.</remarks>
    public void AddScaled(HmmStatistics<TEmission> other, double factor)
    {
        if (other.States != States)
        {
            throw new IncompatibleStatisticsException($"statistics of {other.States} states cannot be added to statistics of {States}");
        }

        Emission.AddScaled(other.Emission, factor);
        LogLikelihood += factor * other.LogLikelihood;
        Weight += factor * other.Weight;
        Sequences += factor * other.Sequences;
        Accumulators.AddScaled(InitialCounts, other.InitialCounts, factor);
        Accumulators.AddScaled(TransitionCounts, other.TransitionCounts, factor);
        Accumulators.AddScaled(Occupancies, other.Occupancies, factor);
    }

    /// <inheritdoc/>
    public void Scale(double factor)
    {
        LogLikelihood *= factor;
        Weight *= factor;
        Sequences *= factor;
        Accumulators.Scale(InitialCounts, factor);
        Accumulators.Scale(TransitionCounts, factor);
        Accumulators.Scale(Occupancies, factor);
        Emission.Scale(factor);
    }

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination)
    {
        if (destination.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got room for {destination.Length}", nameof(destination));
        }

        int emission = Emission.FlatLength, k = States;
        destination[0] = LogLikelihood;
        destination[1] = Weight;
        destination[2] = Sequences;
        Emission.WriteFlat(destination.Slice(3, emission));
        var rest = destination[(3 + emission)..];
        InitialCounts.CopyTo(rest);
        TransitionCounts.CopyTo(rest[k..]);
        Occupancies.CopyTo(rest[(k + k * k)..]);
    }

    /// <inheritdoc/>
    /// <remarks>The emission statistics refuse theirs before anything is changed.</remarks>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        if (source.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got {source.Length}", nameof(source));
        }

        int emission = Emission.FlatLength, k = States;
        Emission.ReadFlat(source.Slice(3, emission));
        LogLikelihood = source[0];
        Weight = source[1];
        Sequences = source[2];
        var rest = source[(3 + emission)..];
        rest[..k].CopyTo(InitialCounts);
        rest.Slice(k, k * k).CopyTo(TransitionCounts);
        rest[(k + k * k)..].CopyTo(Occupancies);
    }
}
