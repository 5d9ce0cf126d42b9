using LatentFit.Models.Abstractions;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// Expected complete-data sufficient statistics of a Gaussian mixture at θₜ, centred at the current means μₜ
/// so that they add across chunks, avoid the cancellation of raw moments, and are directly the gradient pieces
/// (∇_μℓ = Λs₁, ∂ℓ/∂Σ = ½Λ(S − nΣ)Λ):
/// nₖ = Σₙ wₙrₙₖ, s₁ₖ = Σₙ wₙrₙₖ(xₙ − μₖ), Sₖ = Σₙ wₙrₙₖ(xₙ − μₖ)(xₙ − μₖ)ᵀ in the structure's scatter layout.
/// </summary>
public sealed class GaussianMixtureStatistics : ISufficientStatistics<GaussianMixtureStatistics>
{
    /// <summary>Zeroed statistics for K components in D dimensions, with moments about θ's means or about <paramref name="centres"/> (K×D).</summary>
    public GaussianMixtureStatistics(CovarianceStructure structure, int components, int dimension, double[]? centres = null)
    {
        Centres = centres;
        Structure = structure;
        Components = components;
        Dimension = dimension;
        ComponentWeights = new double[components];
        FirstMoments = new double[components * dimension];
        Scatter = new double[structure.CovarianceLength(components, dimension)];
    }

    /// <summary>The points the moments are taken about (K×D), or null for the means of the θ the E-step runs at.</summary>
    public double[]? Centres { get; }

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
    public void Clear()
    {
        LogLikelihood = 0;
        Weight = 0;
        Array.Clear(ComponentWeights);
        Array.Clear(FirstMoments);
        Array.Clear(Scatter);
    }

    /// <inheritdoc/>
    public void Add(GaussianMixtureStatistics other)
    {
        if (other.Structure != Structure || other.Components != Components || other.Dimension != Dimension || !ReferenceEquals(other.Centres, Centres))
        {
            throw new ArgumentException("statistics of different shapes cannot be added", nameof(other));
        }

        LogLikelihood += other.LogLikelihood;
        Weight += other.Weight;
        AddInto(ComponentWeights, other.ComponentWeights);
        AddInto(FirstMoments, other.FirstMoments);
        AddInto(Scatter, other.Scatter);
    }

    private static void AddInto(double[] target, double[] source)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }
}
