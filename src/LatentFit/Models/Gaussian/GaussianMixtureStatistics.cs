using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// Expected complete-data sufficient statistics of a Gaussian mixture at θₜ: ℓ, the total weight, the occupancies
/// nₖ = Σₙ wₙrₙₖ, and the components' moments centred at the current means (<see cref="GaussianEmissionStatistics"/>):
/// s₁ₖ = Σₙ wₙrₙₖ(xₙ − μₖ), Sₖ = Σₙ wₙrₙₖ(xₙ − μₖ)(xₙ − μₖ)ᵀ in the structure's scatter layout.
/// </summary>
/// <remarks>
/// The moments' coordinates are their centres, and statistics about different centres do not add: <c>Add</c>
/// refuses a mismatch, and so does <c>AddScaled</c> (see <see cref="GaussianEmissionStatistics"/>).
/// </remarks>
public sealed class GaussianMixtureStatistics : MixtureStatistics<GaussianMixtureStatistics, GaussianEmissionStatistics>
{
    /// <summary>Zeroed statistics for K components in D dimensions, with moments about θ's means or about <paramref name="centres"/> (K×D).</summary>
    public GaussianMixtureStatistics(CovarianceStructure structure, int components, int dimension, double[]? centres = null)
        : base(new GaussianEmissionStatistics(structure, components, dimension, centres), components)
    {
    }

    /// <inheritdoc cref="GaussianEmissionStatistics.Centres"/>
    public double[]? Centres => Emission.Centres;

    /// <inheritdoc cref="GaussianEmissionStatistics.HasFixedCentres"/>
    public bool HasFixedCentres => Emission.HasFixedCentres;

    /// <summary>The covariance structure whose scatter layout is used.</summary>
    public CovarianceStructure Structure => Emission.Structure;

    /// <summary>K.</summary>
    public int Components => Emission.Components;

    /// <summary>D.</summary>
    public int Dimension => Emission.Dimension;

    /// <inheritdoc cref="GaussianEmissionStatistics.FirstMoments"/>
    public double[] FirstMoments => Emission.FirstMoments;

    /// <inheritdoc cref="GaussianEmissionStatistics.Scatter"/>
    public double[] Scatter => Emission.Scatter;
}
