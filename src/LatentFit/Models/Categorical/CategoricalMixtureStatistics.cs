using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Categorical;

/// <summary>
/// Expected sufficient statistics of a categorical mixture: ℓ, the total weight, nₖ = Σₙ wₙrₙₖ and the components'
/// counts n_kc = Σₙ wₙrₙₖ[xₙ = c] (<see cref="CategoricalEmissionStatistics"/>). Raw sums, so statistics of any parameters add.
/// </summary>
public sealed class CategoricalMixtureStatistics(int components, int categories)
    : MixtureStatistics<CategoricalMixtureStatistics, CategoricalEmissionStatistics>(new CategoricalEmissionStatistics(components, categories), components);
