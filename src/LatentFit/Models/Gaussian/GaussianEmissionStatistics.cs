using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// Weighted moments of K Gaussian components, centred at the current means μₜ so that they add across blocks, avoid
/// the cancellation of raw moments, and are directly the gradient pieces (∇_μℓ = Λs₁, ∂ℓ/∂Σ = ½Λ(S − nΣ)Λ):
/// s₁ₖ = Σₙ wₙγₙₖ(xₙ − μₖ), Sₖ = Σₙ wₙγₙₖ(xₙ − μₖ)(xₙ − μₖ)ᵀ in the structure's scatter layout, with γ the posteriors
/// (responsibilities or state posteriors). The occupancies Σₙ wₙγₙₖ belong to the latent structure's statistics.
/// </summary>
/// <remarks>
/// The moments' coordinates are their centres: fixed at construction (<see cref="HasFixedCentres"/>), or adopted from
/// the means of the θ of the first E-step into the object. Moments about different centres do not add (their sum
/// means nothing), so <see cref="AddScaled"/> compares the centres by value and refuses a mismatch.
/// </remarks>
public sealed class GaussianEmissionStatistics : IEmissionStatistics<GaussianEmissionStatistics>
{
    // The flat form's flag for fixed centres.
    private const double FixedFlag = 2;

    private readonly double[] _centres;
    private bool _hasCentres;

    /// <summary>Zeroed moments for K components in D dimensions, about θ's means or about <paramref name="centres"/> (K×D).</summary>
    public GaussianEmissionStatistics(CovarianceStructure structure, int components, int dimension, double[]? centres = null)
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
        FirstMoments = new double[components * dimension];
        Scatter = new double[structure.CovarianceLength(components, dimension)];
    }

    /// <summary>The points the moments are taken about (K×D); null while nothing has been accumulated about θ's means.</summary>
    public double[]? Centres => _hasCentres ? _centres : null;

    /// <summary>Whether the centres were fixed at construction (moments about points other than θ's means: the recentred M-step).</summary>
    public bool HasFixedCentres { get; private set; }

    /// <summary>The covariance structure whose scatter layout is used.</summary>
    public CovarianceStructure Structure { get; }

    /// <summary>K.</summary>
    public int Components { get; }

    /// <summary>D.</summary>
    public int Dimension { get; }

    /// <summary>s₁ₖ, K×D.</summary>
    public double[] FirstMoments { get; }

    /// <summary>Second moments about the centres, in the structure's layout (full and tied: upper triangle).</summary>
    public double[] Scatter { get; }

    /// <inheritdoc/>
    /// <remarks>Layout: a flag (0 without centres, 1 for centres adopted from θ's means, 2 for fixed centres), the K×D centres, s₁, the scatter.</remarks>
    public int FlatLength => 1 + _centres.Length + FirstMoments.Length + Scatter.Length;

    /// <summary>
    /// The centres an E-step at θ with means <paramref name="means"/> takes moments about: the fixed centres, or θ's
    /// means, which the statistics adopt when they have none yet.
    /// </summary>
    /// <exception cref="IncompatibleStatisticsException">They already hold moments about other means (rows of two θ into one object).</exception>
    internal double[] CentresFor(ReadOnlySpan<double> means)
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
        _hasCentres = HasFixedCentres;
        Array.Clear(FirstMoments);
        Array.Clear(Scatter);
    }

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">Another shape, or moments about other centres.</exception>
    public void AddScaled(GaussianEmissionStatistics other, double factor)
    {
        CheckCompatible(other);
        if (other._hasCentres && !_hasCentres)
        {
            other._centres.CopyTo(_centres);
            _hasCentres = true;
        }

        Accumulators.AddScaled(FirstMoments, other.FirstMoments, factor);
        Accumulators.AddScaled(Scatter, other.Scatter, factor);
    }

    /// <inheritdoc/>
    public void Scale(double factor)
    {
        Accumulators.Scale(FirstMoments, factor);
        Accumulators.Scale(Scatter, factor);
    }

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination)
    {
        if (destination.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got room for {destination.Length}", nameof(destination));
        }

        // Fixed centres are flagged apart from adopted ones so that empty anchored statistics sent to another machine
        // stay anchored there (an E-step into them takes moments about the centres, not about θ's means).
        destination[0] = HasFixedCentres ? FixedFlag : _hasCentres ? 1 : 0;
        int at = 1;
        foreach (var part in new[] { _centres, FirstMoments, Scatter })
        {
            part.CopyTo(destination[at..]);
            at += part.Length;
        }
    }

    /// <inheritdoc/>
    /// <remarks>A flat form with fixed centres fixes this object's centres to them (a fresh object read from anchored statistics becomes those anchored statistics).</remarks>
    /// <exception cref="IncompatibleStatisticsException">The flat form's centres differ from this object's fixed centres.</exception>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        if (source.Length != FlatLength)
        {
            throw new ArgumentException($"the flat form of these statistics has {FlatLength} values, got {source.Length}", nameof(source));
        }

        bool hasCentres = source[0] != 0;
        var centres = source.Slice(1, _centres.Length);
        if (HasFixedCentres && !(hasCentres && centres.SequenceEqual(_centres)))
        {
            throw new IncompatibleStatisticsException("the flat statistics hold moments about other centres than these statistics' fixed centres");
        }

        HasFixedCentres |= source[0] == FixedFlag;
        _hasCentres = hasCentres;
        centres.CopyTo(_centres);
        int at = 1 + _centres.Length;
        foreach (var part in new[] { FirstMoments, Scatter })
        {
            source.Slice(at, part.Length).CopyTo(part);
            at += part.Length;
        }
    }

    private void CheckCompatible(GaussianEmissionStatistics other)
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
}
