using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Poisson;

/// <summary>Immutable parameters of a K-component Poisson mixture: weights πₖ on the simplex and the components' <see cref="PoissonEmissionParameters"/> (rates λₖ &gt; 0).</summary>
public sealed class PoissonMixtureParameters
{
    private readonly double[] _weights;

    private PoissonMixtureParameters(double[] weights, PoissonEmissionParameters emission)
    {
        _weights = weights;
        Emission = emission;
    }

    /// <summary>The components' rates.</summary>
    public PoissonEmissionParameters Emission { get; }

    /// <summary>Number of components K.</summary>
    public int Components => _weights.Length;

    /// <summary>Mixing weights πₖ.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>Rates λₖ.</summary>
    public ReadOnlySpan<double> Rates => Emission.Rates;

    /// <summary>Validated parameters.</summary>
    /// <exception cref="ArgumentException">Lengths differ, weights are not a probability vector, or a rate is not positive and finite.</exception>
    public static PoissonMixtureParameters Create(ReadOnlySpan<double> weights, ReadOnlySpan<double> rates)
    {
        if (weights.Length < 1 || weights.Length != rates.Length)
        {
            throw new ArgumentException($"weights and rates: expected the same number (≥ 1) of each, got {weights.Length} and {rates.Length}");
        }

        MixtureWeights.Check(weights);

        foreach (double r in rates)
        {
            if (!(r > 0) || !double.IsFinite(r))
            {
                throw new ArgumentException($"rates: every rate must be positive and finite, got {r}");
            }
        }

        return Own(weights.ToArray(), rates.ToArray());
    }

    /// <summary>Takes ownership of arrays computed by the model.</summary>
    internal static PoissonMixtureParameters Own(double[] weights, double[] rates) => new(weights, PoissonEmissionParameters.Own(rates));

    /// <summary>Takes ownership of weights and emission parameters computed by the model.</summary>
    internal static PoissonMixtureParameters Own(double[] weights, PoissonEmissionParameters emission) => new(weights, emission);
}
