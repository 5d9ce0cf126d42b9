using LatentFit.Models.Abstractions;
using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Poisson;

/// <summary>
/// Expected sufficient statistics of a Poisson mixture: ℓ, the total weight, nₖ = Σₙ wₙrₙₖ and the components'
/// sₖ = Σₙ wₙrₙₖxₙ (<see cref="PoissonEmissionStatistics"/>). They are raw sums, in coordinates that do not depend on
/// θ, so statistics of any parameters add (as incremental and online EM need).
/// </summary>
public sealed class PoissonMixtureStatistics(int components) : ISufficientStatistics<PoissonMixtureStatistics>, IMixtureStatistics<PoissonEmissionStatistics>
{
    /// <summary>The components' weighted sums.</summary>
    public PoissonEmissionStatistics Emission { get; } = new(components);

    /// <summary>nₖ.</summary>
    public double[] ComponentWeights { get; } = new double[components];

    /// <summary>sₖ = Σₙ wₙrₙₖxₙ.</summary>
    public double[] WeightedSums => Emission.WeightedSums;

    /// <inheritdoc/>
    public double LogLikelihood { get; internal set; }

    /// <inheritdoc/>
    public double Weight { get; internal set; }

    double IMixtureTotals.LogLikelihood { get => LogLikelihood; set => LogLikelihood = value; }

    double IMixtureTotals.Weight { get => Weight; set => Weight = value; }

    /// <inheritdoc/>
    /// <remarks>Layout: ℓ, weight, sₖ, nₖ.</remarks>
    public int FlatLength => MixtureStatisticsValues.FlatLength(this);

    /// <inheritdoc/>
    public void Clear() => MixtureStatisticsValues.Clear(this);

    /// <inheritdoc/>
    public void Add(PoissonMixtureStatistics other) => AddScaled(other, 1.0);

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">Statistics of another number of components; nothing is changed.</exception>
    public void AddScaled(PoissonMixtureStatistics other, double factor) => MixtureStatisticsValues.AddScaled(this, other, factor);

    /// <inheritdoc/>
    public void Scale(double factor) => MixtureStatisticsValues.Scale(this, factor);

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination) => MixtureStatisticsValues.WriteFlat(this, destination);

    /// <inheritdoc/>
    public void ReadFlat(ReadOnlySpan<double> source) => MixtureStatisticsValues.ReadFlat(this, source);
}
