using LatentFit.Models.Abstractions;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// Expected complete-data sufficient statistics of a Gaussian mixture at θₜ, centred at the current means μₜ
/// so that they add across chunks, avoid the cancellation of raw moments, and are directly the gradient pieces
/// (∇_μℓ = Λs₁, ∂ℓ/∂Σ = ½Λ(S − nΣ)Λ):
/// nₖ = Σₙ wₙrₙₖ, s₁ₖ = Σₙ wₙrₙₖ(xₙ − μₖ), Sₖ = Σₙ wₙrₙₖ(xₙ − μₖ)(xₙ − μₖ)ᵀ in the structure's scatter layout.
/// </summary>
/// <remarks>
/// The moments' coordinates are their centres: fixed at construction (<see cref="HasFixedCentres"/>), or adopted from
/// the means of the θ of the first E-step into the object. Statistics about different centres do not add (their sum
/// means nothing), so <see cref="Add"/> compares the centres by value and refuses a mismatch.
/// </remarks>
public sealed class GaussianMixtureStatistics : ISufficientStatistics<GaussianMixtureStatistics>
{
    private readonly double[] _centres;
    private bool _hasCentres;

    /// <summary>Zeroed statistics for K components in D dimensions, with moments about θ's means or about <paramref name="centres"/> (K×D).</summary>
    public GaussianMixtureStatistics(CovarianceStructure structure, int components, int dimension, double[]? centres = null)
    {
        if (centres is not null && centres.Length != components * dimension)
        {
            throw new ArgumentException($"expected {components}×{dimension} centres, got {centres.Length}", nameof(centres));
        }

        Structure = structure;
        Components = components;
        Dimension = dimension;
        HasFixedCentres = centres is not null;
        _centres = centres is null ? new double[components * dimension] : (double[])centres.Clone();
        _hasCentres = HasFixedCentres;
        ComponentWeights = new double[components];
        FirstMoments = new double[components * dimension];
        Scatter = new double[structure.CovarianceLength(components, dimension)];
    }

    /// <summary>The points the moments are taken about (K×D); null while nothing has been accumulated about θ's means.</summary>
    public double[]? Centres => _hasCentres ? _centres : null;

    /// <summary>Whether the centres were fixed at construction (moments about points other than θ's means: the recentred M-step).</summary>
    public bool HasFixedCentres { get; }

    /// <summary>The covariance structure whose scatter layout is used.</summary>
    public CovarianceStructure Structure { get; }

    /// <summary>K.</summary>
    public int Components { get; }

    /// <summary>D.</summary>
    public int Dimension { get; }

    /// <inheritdoc/>
    public double LogLikelihood { get; internal set; }

    /// <inheritdoc/>
    public double Weight { get; internal set; }

    /// <summary>nₖ = Σₙ wₙrₙₖ.</summary>
    public double[] ComponentWeights { get; }

    /// <summary>s₁ₖ = Σₙ wₙrₙₖ(xₙ − μₖ), K×D.</summary>
    public double[] FirstMoments { get; }

    /// <summary>Second moments about the current means, in the structure's layout (full and tied: upper triangle).</summary>
    public double[] Scatter { get; }

    /// <inheritdoc/>
    /// <remarks>Layout: ℓ, weight, a flag (1 when centres are set), the K×D centres, nₖ, s₁, the scatter.</remarks>
    public int FlatLength => 3 + _centres.Length + ComponentWeights.Length + FirstMoments.Length + Scatter.Length;

    /// <summary>
    /// The centres an E-step at θ with means <paramref name="means"/> takes moments about: the fixed centres, or θ's
    /// means, which the statistics adopt when they have none yet.
    /// </summary>
    /// <exception cref="IncompatibleStatisticsException">They already hold moments about other means (rows of two θ into one object).</exception>
    internal ReadOnlySpan<double> CentresFor(ReadOnlySpan<double> means)
    {
        if (!_hasCentres)
        {
            means.CopyTo(_centres);
            _hasCentres = true;
        }
        else if (!HasFixedCentres && !means.SequenceEqual(_centres))
        {
            throw new IncompatibleStatisticsException("these statistics hold moments about the means of other parameters; an E-step at new parameters needs statistics of its own (cleared or new)");
        }

        return _centres;
    }

    /// <inheritdoc/>
    public void Clear()
    {
        LogLikelihood = 0;
        Weight = 0;
        _hasCentres = HasFixedCentres;
        Array.Clear(ComponentWeights);
        Array.Clear(FirstMoments);
        Array.Clear(Scatter);
    }

    /// <inheritdoc/>
    public void Add(GaussianMixtureStatistics other) => AddScaled(other, 1.0);

    /// <inheritdoc/>
    public void AddScaled(GaussianMixtureStatistics other, double factor)
    {
        CheckCompatible(other);
        if (other._hasCentres && !_hasCentres)
        {
            other._centres.CopyTo(_centres);
            _hasCentres = true;
        }

        LogLikelihood += factor * other.LogLikelihood;
        Weight += factor * other.Weight;
        AddInto(ComponentWeights, other.ComponentWeights, factor);
        AddInto(FirstMoments, other.FirstMoments, factor);
        AddInto(Scatter, other.Scatter, factor);
    }

    /// <inheritdoc/>
    public void Scale(double factor)
    {
        LogLikelihood *= factor;
        Weight *= factor;
        ScaleInPlace(ComponentWeights, factor);
        ScaleInPlace(FirstMoments, factor);
        ScaleInPlace(Scatter, factor);
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
        destination[2] = _hasCentres ? 1 : 0;
        int at = 3;
        foreach (var part in new[] { _centres, ComponentWeights, FirstMoments, Scatter })
        {
            part.CopyTo(destination[at..]);
            at += part.Length;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">The flat form's centres differ from this object's fixed centres.</exception>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        if (source.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got {source.Length}", nameof(source));
        }

        bool hasCentres = source[2] != 0;
        var centres = source.Slice(3, _centres.Length);
        if (HasFixedCentres && !(hasCentres && centres.SequenceEqual(_centres)))
        {
            throw new IncompatibleStatisticsException("the flat statistics hold moments about other centres than these statistics' fixed centres");
        }

        LogLikelihood = source[0];
        Weight = source[1];
        _hasCentres = hasCentres;
        centres.CopyTo(_centres);
        int at = 3 + _centres.Length;
        foreach (var part in new[] { ComponentWeights, FirstMoments, Scatter })
        {
            source.Slice(at, part.Length).CopyTo(part);
            at += part.Length;
        }
    }

    private void CheckCompatible(GaussianMixtureStatistics other)
    {
        if (other.Structure != Structure || other.Components != Components || other.Dimension != Dimension)
        {
            throw new IncompatibleStatisticsException(
                $"statistics of different shapes cannot be added: K={other.Components}, D={other.Dimension}, {other.Structure.Name} to K={Components}, D={Dimension}, {Structure.Name}");
        }

        if (_hasCentres && other._hasCentres && !ReferenceEquals(this, other) && !other._centres.AsSpan().SequenceEqual(_centres))
        {
            throw new IncompatibleStatisticsException(
                "statistics with moments about different centres (computed at parameters with different means) cannot be added: their sum is not the statistics of any parameters");
        }
    }

    private static void AddInto(double[] target, double[] source, double factor)
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

    private static void ScaleInPlace(double[] values, double factor)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }
}
