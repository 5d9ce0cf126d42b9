using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Categorical;

/// <summary>Immutable parameters of a K-component categorical mixture: weights πₖ on the simplex and the components' <see cref="CategoricalEmissionParameters"/>.</summary>
public sealed class CategoricalMixtureParameters
{
    private readonly double[] _weights;

    private CategoricalMixtureParameters(double[] weights, CategoricalEmissionParameters emission)
    {
        _weights = weights;
        Emission = emission;
    }

    /// <summary>The components' category probabilities.</summary>
    public CategoricalEmissionParameters Emission { get; }

    /// <summary>Number of components K.</summary>
    public int Components => _weights.Length;

    /// <summary>Mixing weights πₖ.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>Validated parameters: weights positive, finite and summing to 1 (as a Poisson mixture's), one emission row per weight.</summary>
    /// <exception cref="ArgumentException">The weights are not a positive probability vector, or their number is not the emission's K.</exception>
    public static CategoricalMixtureParameters Create(ReadOnlySpan<double> weights, CategoricalEmissionParameters emission)
    {
        if (weights.Length < 1 || weights.Length != emission.Components)
        {
            throw new ArgumentException($"weights: expected one per component ({emission.Components}), got {weights.Length}");
        }

        MixtureWeights.Check(weights);

        return new(weights.ToArray(), emission);
    }

    /// <summary>Takes ownership of weights and emission parameters computed by the model.</summary>
    internal static CategoricalMixtureParameters Own(double[] weights, CategoricalEmissionParameters emission) => new(weights, emission);
}
