using LatentFit.Models.Abstractions;
using LatentFit.Numerics;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// Immutable parameters θ = (α, μ, Σ) of a K-component Gaussian mixture in D dimensions: the mixing weights and the
/// components' <see cref="GaussianEmissionParameters"/>, with the covariances in the layout of their
/// <see cref="CovarianceStructure"/>.
/// </summary>
public sealed class GaussianMixtureParameters
{
    private readonly double[] _weights;

    private GaussianMixtureParameters(double[] weights, GaussianEmissionParameters emission)
    {
        _weights = weights;
        Emission = emission;
    }

    /// <summary>The components' means and covariances.</summary>
    public GaussianEmissionParameters Emission { get; }

    /// <summary>The covariance structure.</summary>
    public CovarianceStructure Structure => Emission.Structure;

    /// <summary>Number of components K.</summary>
    public int Components => Emission.Components;

    /// <summary>Data dimension D.</summary>
    public int Dimension => Emission.Dimension;

    /// <summary>Mixing weights αₖ (K values on the simplex).</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <inheritdoc cref="GaussianEmissionParameters.Means"/>
    public ReadOnlySpan<double> Means => Emission.Means;

    /// <inheritdoc cref="GaussianEmissionParameters.Covariances"/>
    public ReadOnlySpan<double> Covariances => Emission.Covariances;

    internal CovarianceFactors Factors => Emission.Factors;

    /// <inheritdoc cref="GaussianEmissionParameters.Mean"/>
    public ReadOnlySpan<double> Mean(int k) => Emission.Mean(k);

    /// <inheritdoc cref="GaussianEmissionParameters.FullCovariances"/>
    public double[] FullCovariances() => Emission.FullCovariances();

    /// <summary>
    /// Validated parameters from weights, means and covariances given as full K×D×D matrices (the JSON shape
    /// <c>fit</c> writes). The matrices must have the structure's form, be symmetric and positive definite.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree, a value is not finite, the weights are not a probability vector, or a covariance is not valid for the structure.</exception>
    public static GaussianMixtureParameters FromFullCovariances(CovarianceStructure structure, ReadOnlySpan<double> weights, ReadOnlySpan<double> means, ReadOnlySpan<double> fullCovariances, int dimension)
    {
        int components = weights.Length;
        Require(components >= 1, "there must be at least one component");
        Require(dimension >= 1, "the dimension must be at least 1");
        Require(means.Length == components * dimension, $"means: expected {components}×{dimension} values, got {means.Length}");
        Require(fullCovariances.Length == components * dimension * dimension, $"covariances: expected {components}×{dimension}×{dimension} values, got {fullCovariances.Length}");
        ValidateWeights(weights);
        RequireFinite(means, "means");
        RequireFinite(fullCovariances, "covariances");
        int size = dimension * dimension;
        for (int k = 0; k < components; k++)
        {
            var matrix = fullCovariances.Slice(k * size, size);
            for (int i = 0; i < dimension; i++)
            {
                for (int j = 0; j < i; j++)
                {
                    double a = matrix[i * dimension + j], b = matrix[j * dimension + i];
                    Require(Math.Abs(a - b) <= 1e-12 * Math.Max(Math.Abs(a), Math.Abs(b)), $"covariances: matrix {k + 1} is not symmetric at ({i + 1},{j + 1})");
                }
            }

            var copy = matrix.ToArray();
            Require(DenseMatrix.TryCholesky(copy, dimension), $"covariances: matrix {k + 1} is not positive definite");
        }

        var covariances = new double[structure.CovarianceLength(components, dimension)];
        string? error = structure.FromFullMatrices(fullCovariances, components, dimension, covariances);
        Require(error is null, error ?? string.Empty);
        return Own(structure, components, dimension, weights.ToArray(), means.ToArray(), covariances);
    }

    /// <summary>Validated parameters with covariances already in the structure's layout.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, a value is not finite, or the weights are not a probability vector.</exception>
    public static GaussianMixtureParameters Create(CovarianceStructure structure, ReadOnlySpan<double> weights, ReadOnlySpan<double> means, ReadOnlySpan<double> covariances, int dimension)
    {
        int components = weights.Length;
        Require(components >= 1 && dimension >= 1, "there must be at least one component and one dimension");
        Require(means.Length == components * dimension, $"means: expected {components}×{dimension} values, got {means.Length}");
        Require(covariances.Length == structure.CovarianceLength(components, dimension), $"covariances: expected {structure.CovarianceLength(components, dimension)} values for a {structure.Name} structure, got {covariances.Length}");
        ValidateWeights(weights);
        RequireFinite(means, "means");
        RequireFinite(covariances, "covariances");
        return Own(structure, components, dimension, weights.ToArray(), means.ToArray(), covariances.ToArray());
    }

    /// <summary>Takes ownership of arrays computed by the model (already consistent).</summary>
    internal static GaussianMixtureParameters Own(CovarianceStructure structure, int components, int dimension, double[] weights, double[] means, double[] covariances) =>
        new(weights, GaussianEmissionParameters.Own(structure, components, dimension, means, covariances));

    /// <summary>Takes ownership of weights and emission parameters computed by the model (already consistent).</summary>
    internal static GaussianMixtureParameters Own(double[] weights, GaussianEmissionParameters emission) => new(weights, emission);

    private static void ValidateWeights(ReadOnlySpan<double> weights)
    {
        double sum = 0;
        foreach (double w in weights)
        {
            Require(double.IsFinite(w) && w > 0, $"weights: every weight must be positive and finite, got {w}");
            sum += w;
        }

        Require(Math.Abs(sum - 1) <= 1e-9, $"weights: must sum to 1, got {sum:R}");
    }

    private static void RequireFinite(ReadOnlySpan<double> values, string name)
    {
        foreach (double v in values)
        {
            Require(double.IsFinite(v), $"{name}: every value must be finite, got {v}");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
