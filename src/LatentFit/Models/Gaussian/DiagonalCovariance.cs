using System.Runtime.CompilerServices;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Gaussian;

/// <summary>Each component has its own diagonal covariance (mclust VVI, scikit-learn <c>diag</c>).</summary>
public sealed class DiagonalCovariance : CovarianceStructure
{
    private DiagonalCovariance()
    {
    }

    /// <summary>The single instance.</summary>
    public static DiagonalCovariance Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "diag";

    /// <inheritdoc/>
    public override string MclustName => "VVI";

    /// <inheritdoc/>
    public override IReadOnlyList<string> CovarianceNames(int components, int dimension) =>
        [.. from k in Enumerable.Range(1, components) from i in Enumerable.Range(1, dimension) select $"variance[{k}][{i}]"];

    /// <inheritdoc/>
    public override int CovarianceLength(int components, int dimension) => components * dimension;

    /// <inheritdoc/>
    public override int UnconstrainedLength(int components, int dimension) => components * dimension;

    internal override CovarianceFactors Factorize(ReadOnlySpan<double> covariances, int components, int dimension)
    {
        var inverse = new double[components * dimension];
        var normalizers = new double[components];
        for (int k = 0; k < components; k++)
        {
            double logDeterminant = 0;
            for (int d = 0; d < dimension; d++)
            {
                double variance = covariances[k * dimension + d];
                if (!(variance > 0) || !double.IsFinite(variance))
                {
                    throw new SingularCovarianceException(k, $"variance {d + 1} is {variance:G3}");
                }

                inverse[k * dimension + d] = 1 / Math.Sqrt(variance);
                logDeterminant += Math.Log(variance);
            }

            normalizers[k] = -0.5 * (dimension * Math.Log(2 * Math.PI) + logDeterminant);
        }

        int smallest = 0;
        for (int i = 1; i < inverse.Length; i++)
        {
            smallest = inverse[i] > inverse[smallest] ? i : smallest;
        }

        return new CovarianceFactors(inverse, normalizers, 1 / (inverse[smallest] * inverse[smallest]), smallest / dimension);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void LogDensities<TOut>(CovarianceFactors factors, ReadOnlySpan<double> means, int components, ColumnBlock block, Span<TOut> logDensities)
    {
        // All the components in one call: the kernel keeps each slice of the block in L1 for every component.
        int dimension = block.Dimension;
        block.DiagonalLogDensities(means[..(components * dimension)], factors.InverseFactors.AsSpan(0, components * dimension), factors.LogNormalizers.AsSpan(0, components), logDensities[..(components * block.Rows)]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void AccumulateMoments<TIn>(DataBlock rows, ColumnBlock block, ReadOnlySpan<TIn> responsibilities, ReadOnlySpan<double> centres, int components, Span<double> firstMoments, Span<double> scatter)
    {
        int dimension = rows.Dimension;
        block.AddDiagonalMoments(rows, responsibilities[..(components * rows.Rows)], centres[..(components * dimension)], firstMoments[..(components * dimension)], scatter[..(components * dimension)]);
    }

    internal override void Maximize(ReadOnlySpan<double> scatter, ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double regularization, bool centreAtNewMeans, Span<double> covariances)
    {
        for (int k = 0; k < componentWeights.Length; k++)
        {
            for (int d = 0; d < dimension; d++)
            {
                int i = k * dimension + d;
                covariances[i] = scatter[i] / componentWeights[k] - (centreAtNewMeans ? meanShifts[i] * meanShifts[i] : 0) + regularization;
            }
        }
    }

    internal override void MeanShiftTerm(ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> term)
    {
        for (int i = 0; i < componentWeights.Length * dimension; i++)
        {
            term[i] = meanShifts[i] * meanShifts[i];
        }
    }

    internal override void ToUnconstrained(ReadOnlySpan<double> covariances, int components, int dimension, double floor, Span<double> eta)
    {
        for (int i = 0; i < components * dimension; i++)
        {
            eta[i] = LogExcess(covariances[i], floor);
        }
    }

    internal override void FromUnconstrained(ReadOnlySpan<double> eta, int components, int dimension, double floor, Span<double> covariances)
    {
        for (int i = 0; i < components * dimension; i++)
        {
            covariances[i] = floor + Math.Exp(2 * eta[i]);
        }
    }

    internal override void Gradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double floor, Span<double> gradient)
    {
        // ∂ℓ/∂σ² = ½(S − nσ²)/σ⁴ and σ² = ε + e^{2η}, dσ²/dη = 2(σ² − ε): ∂ℓ/∂η = (S/σ² − n)(σ² − ε)/σ².
        for (int k = 0; k < componentWeights.Length; k++)
        {
            for (int d = 0; d < dimension; d++)
            {
                int i = k * dimension + d;
                double variance = covariances[i];
                gradient[i] = (scatter[i] / variance - componentWeights[k]) * (variance - floor) / variance;
            }
        }
    }

    internal override void DisplacedScatter(ReadOnlySpan<double> scatter, ReadOnlySpan<double> firstMoments, ReadOnlySpan<double> displacements, ReadOnlySpan<double> componentWeights, int dimension, Span<double> displaced)
    {
        for (int k = 0; k < componentWeights.Length; k++)
        {
            for (int d = 0; d < dimension; d++)
            {
                int i = k * dimension + d;
                displaced[i] = scatter[i] + (componentWeights[k] * displacements[i] - 2 * firstMoments[i]) * displacements[i];
            }
        }
    }

    internal override double MahalanobisTrace(CovarianceFactors factors, ReadOnlySpan<double> scatter, int components, int dimension)
    {
        double trace = 0;
        for (int i = 0; i < components * dimension; i++)
        {
            double inverse = factors.InverseFactors[i];
            trace += scatter[i] * inverse * inverse;
        }

        return trace;
    }

    internal override void NaturalGradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> gradient)
    {
        for (int k = 0; k < componentWeights.Length; k++)
        {
            for (int d = 0; d < dimension; d++)
            {
                int i = k * dimension + d;
                double variance = covariances[i];
                gradient[i] = 0.5 * (scatter[i] - componentWeights[k] * variance) / (variance * variance);
            }
        }
    }

    internal override void ApplyXuJordanPreconditioner(ReadOnlySpan<double> covariances, ReadOnlySpan<double> naturalGradient, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> step)
    {
        // The diagonal of (2/n) Σ ⊗ Σ restricted to the variances: 2σ⁴/n.
        for (int k = 0; k < componentWeights.Length; k++)
        {
            for (int d = 0; d < dimension; d++)
            {
                int i = k * dimension + d;
                step[i] = 2.0 / componentWeights[k] * covariances[i] * covariances[i] * naturalGradient[i];
            }
        }
    }

    internal override double XuJordanMinimumEigenvalue(ReadOnlySpan<double> covariances, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension)
    {
        double smallest = double.PositiveInfinity;
        for (int k = 0; k < componentWeights.Length; k++)
        {
            for (int d = 0; d < dimension; d++)
            {
                double variance = covariances[k * dimension + d];
                smallest = Math.Min(smallest, variance <= 0 ? variance : 2.0 / componentWeights[k] * variance * variance);
            }
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
                full[k * size + d * dimension + d] = covariances[k * dimension + d];
            }
        }
    }

    internal override string? FromFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances)
    {
        int size = dimension * dimension;
        for (int k = 0; k < components; k++)
        {
            for (int i = 0; i < dimension; i++)
            {
                for (int j = 0; j < dimension; j++)
                {
                    if (i != j && full[k * size + i * dimension + j] != 0)
                    {
                        return $"a diagonal covariance needs zero off-diagonal entries, but component {k + 1} has {full[k * size + i * dimension + j]:G6} at ({i + 1},{j + 1})";
                    }
                }

                covariances[k * dimension + i] = full[k * size + i * dimension + i];
            }
        }

        return null;
    }

    internal override void ProjectFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances)
    {
        for (int k = 0; k < components; k++)
        {
            for (int d = 0; d < dimension; d++)
            {
                covariances[k * dimension + d] = full[k * dimension * dimension + d * dimension + d];
            }
        }
    }

    internal override double ScatterTrace(ReadOnlySpan<double> scatter, int component, int dimension)
    {
        double trace = 0;
        for (int c = 0; c < dimension; c++)
        {
            trace += scatter[component * dimension + c];
        }

        return trace;
    }
}
