using LatentFit.Models.Abstractions;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// Immutable emission parameters of K Gaussian components (or states) in D dimensions: means μₖ and covariances Σₖ in
/// the layout of their <see cref="CovarianceStructure"/>. The Cholesky factorisation the log-densities need is
/// computed once per instance, on first use.
/// </summary>
public sealed class GaussianEmissionParameters
{
    private readonly double[] _means;
    private readonly double[] _covariances;
    private CovarianceFactors? _factors;

    private GaussianEmissionParameters(CovarianceStructure structure, int components, int dimension, double[] means, double[] covariances)
    {
        Structure = structure;
        Components = components;
        Dimension = dimension;
        _means = means;
        _covariances = covariances;
    }

    /// <summary>The covariance structure.</summary>
    public CovarianceStructure Structure { get; }

    /// <summary>Number of components K.</summary>
    public int Components { get; }

    /// <summary>Data dimension D.</summary>
    public int Dimension { get; }

    /// <summary>Component means μₖ, K×D row-major.</summary>
    public ReadOnlySpan<double> Means => _means;

    /// <summary>Covariances in the structure's layout (see <see cref="CovarianceStructure"/>).</summary>
    public ReadOnlySpan<double> Covariances => _covariances;

    /// <exception cref="SingularCovarianceException">A covariance is not positive definite.</exception>
    internal CovarianceFactors Factors => _factors ??= Structure.Factorize(_covariances, Components, Dimension);

    /// <summary>Mean of component <paramref name="k"/>.</summary>
    public ReadOnlySpan<double> Mean(int k) => _means.AsSpan(k * Dimension, Dimension);

    /// <summary>The K covariance matrices as full D×D matrices, K×D×D row-major, whatever the structure.</summary>
    public double[] FullCovariances()
    {
        var full = new double[Components * Dimension * Dimension];
        Structure.ToFullMatrices(_covariances, Components, Dimension, full);
        return full;
    }

    /// <summary>Takes ownership of arrays that are already consistent (computed by the model, or validated by the caller).</summary>
    internal static GaussianEmissionParameters Own(CovarianceStructure structure, int components, int dimension, double[] means, double[] covariances) =>
        new(structure, components, dimension, means, covariances);

    /// <summary>Takes ownership of consistent arrays and of their factorisation, as another process computed it (see <see cref="GaussianEmissionFamily.ReadParameters"/>).</summary>
    internal static GaussianEmissionParameters Own(CovarianceStructure structure, int components, int dimension, double[] means, double[] covariances, CovarianceFactors factors) =>
        new(structure, components, dimension, means, covariances) { _factors = factors };
}
