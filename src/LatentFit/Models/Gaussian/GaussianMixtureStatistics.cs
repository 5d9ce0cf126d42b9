using LatentFit.Models.Abstractions;
using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// Expected complete-data sufficient statistics of a Gaussian mixture at θₜ: ℓ, the total weight, the occupancies
/// nₖ = Σₙ wₙrₙₖ, and the components' moments centred at the current means (<see cref="GaussianEmissionStatistics"/>):
/// s₁ₖ = Σₙ wₙrₙₖ(xₙ − μₖ), Sₖ = Σₙ wₙrₙₖ(xₙ − μₖ)(xₙ − μₖ)ᵀ in the structure's scatter layout.
/// </summary>
/// <remarks>
/// The moments' coordinates are their centres, and statistics about different centres do not add: <see cref="Add"/>
/// refuses a mismatch (see <see cref="GaussianEmissionStatistics"/>).
/// </remarks>
public sealed class GaussianMixtureStatistics : ISufficientStatistics<GaussianMixtureStatistics>, IMixtureStatistics<GaussianEmissionStatistics>
{
    /// <summary>Zeroed statistics for K components in D dimensions, with moments about θ's means or about <paramref name="centres"/> (K×D).</summary>
    public GaussianMixtureStatistics(CovarianceStructure structure, int components, int dimension, double[]? centres = null)
    {
        Emission = new GaussianEmissionStatistics(structure, components, dimension, centres);
        ComponentWeights = new double[components];
    }

    /// <summary>The components' centred moments.</summary>
    public GaussianEmissionStatistics Emission { get; }

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

    /// <inheritdoc/>
    public double LogLikelihood { get; internal set; }

    /// <inheritdoc/>
    public double Weight { get; internal set; }

    double IMixtureTotals.LogLikelihood { get => LogLikelihood; set => LogLikelihood = value; }

    double IMixtureTotals.Weight { get => Weight; set => Weight = value; }

    /// <summary>nₖ = Σₙ wₙrₙₖ.</summary>
    public double[] ComponentWeights { get; }

    /// <inheritdoc cref="GaussianEmissionStatistics.FirstMoments"/>
    public double[] FirstMoments => Emission.FirstMoments;

    /// <inheritdoc cref="GaussianEmissionStatistics.Scatter"/>
    public double[] Scatter => Emission.Scatter;

    /// <inheritdoc/>
    /// <remarks>Layout: ℓ, weight, the moments' flat form (see <see cref="GaussianEmissionStatistics.FlatLength"/>), nₖ.</remarks>
    public int FlatLength => MixtureStatisticsValues.FlatLength(this);

    /// <inheritdoc/>
    public void Clear() => MixtureStatisticsValues.Clear(this);

    /// <inheritdoc/>
    public void Add(GaussianMixtureStatistics other) => AddScaled(other, 1.0);

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">Another shape, or moments about other centres; nothing is changed.</exception>
    public void AddScaled(GaussianMixtureStatistics other, double factor) => MixtureStatisticsValues.AddScaled(this, other, factor);

    /// <inheritdoc/>
    public void Scale(double factor) => MixtureStatisticsValues.Scale(this, factor);

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination) => MixtureStatisticsValues.WriteFlat(this, destination);

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">The flat form's centres differ from this object's fixed centres; nothing is changed.</exception>
    public void ReadFlat(ReadOnlySpan<double> source) => MixtureStatisticsValues.ReadFlat(this, source);
}
