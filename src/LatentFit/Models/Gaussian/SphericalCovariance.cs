using System.Runtime.CompilerServices;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Gaussian;

/// <summary>Each component has its own variance σₖ², the same in every direction (mclust VII, scikit-learn <c>spherical</c>).</summary>
public sealed class SphericalCovariance : CovarianceStructure
{
    private SphericalCovariance()
    {
    }

    /// <summary>The single instance.</summary>
    public static SphericalCovariance Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "spherical";

    /// <inheritdoc/>
    public override string MclustName => "VII";

    /// <inheritdoc/>
    public override IReadOnlyList<string> CovarianceNames(int components, int dimension) =>
        [.. Enumerable.Range(1, components).Select(k => $"variance[{k}]")];

    /// <inheritdoc/>
    public override int CovarianceLength(int components, int dimension) => components;

    /// <inheritdoc/>
    public override int UnconstrainedLength(int components, int dimension) => components;

    internal override CovarianceFactors Factorize(ReadOnlySpan<double> covariances, int components, int dimension)
    {
        var inverse = new double[components];
        var normalizers = new double[components];
        for (int k = 0; k < components; k++)
        {
            double variance = covariances[k];
            if (!(variance > 0) || !double.IsFinite(variance))
            {
                throw new SingularCovarianceException(k, $"variance is {variance:G3}");
            }

            inverse[k] = 1 / Math.Sqrt(variance);
            normalizers[k] = -0.5 * dimension * (Math.Log(2 * Math.PI) + Math.Log(variance));
        }

        int smallest = 0;
        for (int i = 1; i < inverse.Length; i++)
        {
            smallest = inverse[i] > inverse[smallest] ? i : smallest;
        }

        return new CovarianceFactors(inverse, normalizers, 1 / (inverse[smallest] * inverse[smallest]), smallest / 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void LogDensities<TOut>(CovarianceFactors factors, ReadOnlySpan<double> means, int components, ColumnBlock block, Span<TOut> logDensities)
    {
        // All the components in one call: the kernel keeps each slice of the block in L1 for every component.
        int dimension = block.Dimension;
        block.DiagonalLogDensities(means[..(components * dimension)], factors.InverseFactors.AsSpan(0, components), factors.LogNormalizers.AsSpan(0, components), logDensities[..(components * block.Rows)]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void AccumulateMoments<TIn>(DataBlock rows, ColumnBlock block, ReadOnlySpan<TIn> responsibilities, ReadOnlySpan<double> centres, int components, Span<double> firstMoments, Span<double> scatter)
    {
        int dimension = rows.Dimension;
        block.AddDiagonalMoments(rows, responsibilities[..(components * rows.Rows)], centres[..(components * dimension)], firstMoments[..(components * dimension)], scatter[..(components)]);
    }

    internal override void Maximize(ReadOnlySpan<double> scatter, ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double regularization, bool centreAtNewMeans, Span<double> covariances)
    {
        Span<double> term = new double[componentWeights.Length];
        MeanShiftTerm(meanShifts, componentWeights, totalWeight, dimension, term);
        for (int k = 0; k < componentWeights.Length; k++)
        {
            // The mean over dimensions of the diagonal update, as scikit-learn's spherical M-step.
            covariances[k] = scatter[k] / (componentWeights[k] * dimension) - (centreAtNewMeans ? term[k] : 0) + regularization;
        }
    }

    internal override void MeanShiftTerm(ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> term)
    {
        for (int k = 0; k < componentWeights.Length; k++)
        {
            double squared = 0;
            for (int d = 0; d < dimension; d++)
            {
                squared += meanShifts[k * dimension + d] * meanShifts[k * dimension + d];
            }

            term[k] = squared / dimension;
        }
    }

    internal override void ToUnconstrained(ReadOnlySpan<double> covariances, int components, int dimension, double floor, Span<double> eta)
    {
        for (int k = 0; k < components; k++)
        {
            eta[k] = LogExcess(covariances[k], floor);
        }
    }

    internal override void FromUnconstrained(ReadOnlySpan<double> eta, int components, int dimension, double floor, Span<double> covariances)
    {
        for (int k = 0; k < components; k++)
        {
            covariances[k] = floor + Math.Exp(2 * eta[k]);
        }
    }

    internal override void Gradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double floor, Span<double> gradient)
    {
        // σ² = ε + e^{2η}: ∂ℓ/∂η = (tr(S)/σ² − nD)(σ² − ε)/σ².
        for (int k = 0; k < componentWeights.Length; k++)
        {
            double variance = covariances[k];
            gradient[k] = (scatter[k] / variance - componentWeights[k] * dimension) * (variance - floor) / variance;
        }
    }

    internal override void DisplacedScatter(ReadOnlySpan<double> scatter, ReadOnlySpan<double> firstMoments, ReadOnlySpan<double> displacements, ReadOnlySpan<double> componentWeights, int dimension, Span<double> displaced)
    {
        // The trace of the full update: tr(S) − 2 s₁·δ + n|δ|².
        for (int k = 0; k < componentWeights.Length; k++)
        {
            double change = 0;
            for (int d = 0; d < dimension; d++)
            {
                int i = k * dimension + d;
                change += (componentWeights[k] * displacements[i] - 2 * firstMoments[i]) * displacements[i];
            }

            displaced[k] = scatter[k] + change;
        }
    }

    internal override double MahalanobisTrace(CovarianceFactors factors, ReadOnlySpan<double> scatter, int components, int dimension)
    {
        double trace = 0;
        for (int k = 0; k < components; k++)
        {
            trace += scatter[k] * factors.InverseFactors[k] * factors.InverseFactors[k];
        }

        return trace;
    }

    internal override void NaturalGradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> gradient)
    {
        for (int k = 0; k < componentWeights.Length; k++)
        {
            double variance = covariances[k];
            gradient[k] = 0.5 * (scatter[k] - componentWeights[k] * dimension * variance) / (variance * variance);
        }
    }

    internal override void ApplyXuJordanPreconditioner(ReadOnlySpan<double> covariances, ReadOnlySpan<double> naturalGradient, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> step)
    {
        // Restricting (2/n) Σ ⊗ Σ to Σ = σ²I gives 2σ⁴/(nD).
        for (int k = 0; k < componentWeights.Length; k++)
        {
            step[k] = 2.0 / (componentWeights[k] * dimension) * covariances[k] * covariances[k] * naturalGradient[k];
        }
    }

    internal override double XuJordanMinimumEigenvalue(ReadOnlySpan<double> covariances, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension)
    {
        double smallest = double.PositiveInfinity;
        for (int k = 0; k < componentWeights.Length; k++)
        {
            double variance = covariances[k];
            smallest = Math.Min(smallest, variance <= 0 ? variance : 2.0 / (componentWeights[k] * dimension) * variance * variance);
        }

        return smallest;
    }

    internal override void ToFullMatrices(ReadOnlySpan<double> covariances, int components, int dimension, Span<double> full)
    {
        int size = dimension * dimension;
        full[..(components * size)].Clear();
        for (int k = 0; k < components; k++)
        {
            for (int d = 0; d < dimension; d++)
            {
                full[k * size + d * dimension + d] = covariances[k];
            }
        }
    }

    internal override string? FromFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances)
    {
        int size = dimension * dimension;
        for (int k = 0; k < components; k++)
        {
            double variance = full[k * size];
            for (int i = 0; i < dimension; i++)
            {
                for (int j = 0; j < dimension; j++)
                {
                    double expected = i == j ? variance : 0;
                    if (full[k * size + i * dimension + j] != expected)
                    {
                        return $"a spherical covariance needs σ²·I, but component {k + 1} has {full[k * size + i * dimension + j]:G6} at ({i + 1},{j + 1})";
                    }
                }
            }

            covariances[k] = variance;
        }

        return null;
    }

    internal override void ProjectFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances)
    {
        for (int k = 0; k < components; k++)
        {
            double trace = 0;
            for (int d = 0; d < dimension; d++)
            {
                trace += full[k * dimension * dimension + d * dimension + d];
            }

            covariances[k] = trace / dimension;
        }
    }

    internal override double ScatterTrace(ReadOnlySpan<double> scatter, int component, int dimension) => scatter[component];
}
