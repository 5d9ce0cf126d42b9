using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Uniform;

/// <summary>Immutable parameters of a K-component uniform mixture: weights πₖ on the simplex and the intervals [aₖ, bₖ] (<see cref="UniformEmissionParameters"/>).</summary>
public sealed class UniformMixtureParameters
{
    private readonly double[] _weights;

    private UniformMixtureParameters(double[] weights, UniformEmissionParameters emission)
    {
        _weights = weights;
        Emission = emission;
    }

    /// <summary>The components' intervals.</summary>
    public UniformEmissionParameters Emission { get; }

    /// <summary>Number of components K.</summary>
    public int Components => _weights.Length;

    /// <summary>Mixing weights πₖ.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>Lower endpoints aₖ.</summary>
    public ReadOnlySpan<double> Lower => Emission.Lower;

    /// <summary>Upper endpoints bₖ.</summary>
    public ReadOnlySpan<double> Upper => Emission.Upper;

    /// <summary>Validated parameters.</summary>
    /// <exception cref="ArgumentException">Lengths differ, the weights are not a probability vector, or an interval is not finite with positive width.</exception>
    public static UniformMixtureParameters Create(ReadOnlySpan<double> weights, ReadOnlySpan<double> lower, ReadOnlySpan<double> upper)
    {
        if (weights.Length != lower.Length)
        {
            throw new ArgumentException($"weights and lower: expected the same number of each, got {weights.Length} and {lower.Length}");
        }

        MixtureWeights.Check(weights);
        if (UniformEmissionParameters.Invalid(lower, upper) is { } reason)
        {
            throw new ArgumentException(reason);
        }

        return new(weights.ToArray(), UniformEmissionParameters.Own(lower.ToArray(), upper.ToArray()));
    }

    /// <summary>Takes ownership of weights and emission parameters computed by the model.</summary>
    internal static UniformMixtureParameters Own(double[] weights, UniformEmissionParameters emission) => new(weights, emission);
}
