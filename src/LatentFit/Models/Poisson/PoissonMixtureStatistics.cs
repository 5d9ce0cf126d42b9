using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Poisson;

/// <summary>
/// Expected sufficient statistics of a Poisson mixture: ℓ, the total weight, nₖ = Σₙ wₙrₙₖ and the components'
/// sₖ = Σₙ wₙrₙₖxₙ (<see cref="PoissonEmissionStatistics"/>). They are raw sums, in coordinates that do not depend on
/// θ, so statistics of any parameters add (as incremental and online EM need).
/// </summary>
public sealed class PoissonMixtureStatistics(int components)
    : MixtureStatistics<PoissonMixtureStatistics, PoissonEmissionStatistics>(new PoissonEmissionStatistics(components), components)
{
    /// <summary>sₖ = Σₙ wₙrₙₖxₙ.</summary>
    public double[] WeightedSums => Emission.WeightedSums;
}
