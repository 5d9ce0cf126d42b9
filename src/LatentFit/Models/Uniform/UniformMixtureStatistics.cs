using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Uniform;

/// <summary>
/// Statistics of a uniform mixture: ℓ, the total weight, nₖ = Σₙ wₙrₙₖ and the components' smallest and largest
/// held rows (<see cref="UniformEmissionStatistics"/>, which adds as min and max and says what scaling means for them).
/// </summary>
public sealed class UniformMixtureStatistics(int components)
    : MixtureStatistics<UniformMixtureStatistics, UniformEmissionStatistics>(new UniformEmissionStatistics(components), components)
{
    /// <summary>The smallest xₙ component k holds.</summary>
    public double[] Minima => Emission.Minima;

    /// <summary>The largest xₙ component k holds.</summary>
    public double[] Maxima => Emission.Maxima;
}
