using System.Runtime.CompilerServices;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Gaussian;

/// <summary>Each component has its own unconstrained covariance matrix (mclust VVV, scikit-learn <c>full</c>).</summary>
public sealed class FullCovariance : CovarianceStructure
{
    private FullCovariance()
    {
    }

    /// <summary>The single instance.</summary>
    public static FullCovariance Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "full";

    /// <inheritdoc/>
    public override string MclustName => "VVV";

    /// <inheritdoc/>
    public override IReadOnlyList<string> CovarianceNames(int components, int dimension) =>
        [.. from k in Enumerable.Range(1, components) from i in Enumerable.Range(1, dimension) from j in Enumerable.Range(1, dimension) select $"covariance[{k}][{i},{j}]"];

    /// <inheritdoc/>
    public override int CovarianceLength(int components, int dimension) => components * dimension * dimension;

    /// <inheritdoc/>
    public override int UnconstrainedLength(int components, int dimension) => components * FullMatrixBlock.UnconstrainedLength(dimension);

    internal override CovarianceFactors Factorize(ReadOnlySpan<double> covariances, int components, int dimension)
    {
        int size = dimension * dimension;
        var inverse = new double[components * size];
        var normalizers = new double[components];
        for (int k = 0; k < components; k++)
        {
            if (!FullMatrixBlock.TryFactorize(covariances.Slice(k * size, size), dimension, inverse.AsSpan(k * size, size), out double logDeterminant))
            {
                throw new SingularCovarianceException(k, "Cholesky factorisation failed");
            }

            normalizers[k] = -0.5 * (dimension * Math.Log(2 * Math.PI) + logDeterminant);
        }

        var (smallest, component) = FullMatrixBlock.SmallestConditionalVariance(inverse, components, dimension);
        return new CovarianceFactors(inverse, normalizers, smallest, component);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void LogDensities<TOut>(CovarianceFactors factors, ReadOnlySpan<double> means, int components, ColumnBlock block, Span<TOut> logDensities)
    {
        int dimension = block.Dimension;
        int size = dimension * dimension;
        for (int k = 0; k < components; k++)
        {
            block.Centre(means.Slice(k * dimension, dimension));
            factors.LogDensities(block, k * size, factors.LogNormalizers[k], logDensities.Slice(k * block.Rows, block.Rows));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void AccumulateMoments<TIn>(DataBlock rows, ColumnBlock block, ReadOnlySpan<TIn> responsibilities, ReadOnlySpan<double> centres, int components, Span<double> firstMoments, Span<double> scatter)
    {
        int dimension = rows.Dimension;
        int size = dimension * dimension;
        for (int k = 0; k < components; k++)
        {
            block.Centre(centres.Slice(k * dimension, dimension));
            block.AddMoments(in rows, responsibilities.Slice(k * rows.Rows, rows.Rows), firstMoments.Slice(k * dimension, dimension), scatter.Slice(k * size, size));
        }
    }

    internal override void Maximize(ReadOnlySpan<double> scatter, ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double regularization, bool centreAtNewMeans, Span<double> covariances)
    {
        int size = dimension * dimension;
        for (int k = 0; k < componentWeights.Length; k++)
        {
            FullMatrixBlock.Maximize(scatter.Slice(k * size, size), componentWeights[k], meanShifts.Slice(k * dimension, dimension), regularization, centreAtNewMeans, dimension, covariances.Slice(k * size, size));
        }
    }

    internal override void MeanShiftTerm(ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> term)
    {
        int size = dimension * dimension;
        for (int k = 0; k < componentWeights.Length; k++)
        {
            var shift = meanShifts.Slice(k * dimension, dimension);
            for (int i = 0; i < dimension; i++)
            {
                for (int j = 0; j < dimension; j++)
                {
                    term[k * size + i * dimension + j] = shift[i] * shift[j];
                }
            }
        }
    }

    internal override void UnconstrainedScales(ReadOnlySpan<double> fullCovariances, int components, int dimension, Span<double> scales)
    {
        int size = dimension * dimension, block = FullMatrixBlock.UnconstrainedLength(dimension);
        for (int k = 0; k < components; k++)
        {
            FullMatrixBlock.Scales(fullCovariances.Slice(k * size, size), dimension, scales.Slice(k * block, block));
        }
    }

    internal override void ToUnconstrained(ReadOnlySpan<double> covariances, int components, int dimension, double floor, Span<double> eta)
    {
        int size = dimension * dimension, block = FullMatrixBlock.UnconstrainedLength(dimension);
        for (int k = 0; k < components; k++)
        {
            FullMatrixBlock.ToUnconstrained(covariances.Slice(k * size, size), dimension, floor, eta.Slice(k * block, block));
        }
    }

    internal override void FromUnconstrained(ReadOnlySpan<double> eta, int components, int dimension, double floor, Span<double> covariances)
    {
        int size = dimension * dimension, block = FullMatrixBlock.UnconstrainedLength(dimension);
        for (int k = 0; k < components; k++)
        {
            FullMatrixBlock.FromUnconstrained(eta.Slice(k * block, block), dimension, floor, covariances.Slice(k * size, size));
        }
    }

    internal override void Gradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double floor, Span<double> gradient)
    {
        int size = dimension * dimension, block = FullMatrixBlock.UnconstrainedLength(dimension);
        for (int k = 0; k < componentWeights.Length; k++)
        {
            FullMatrixBlock.Gradient(factors.InverseFactors.AsSpan(k * size, size), scatter.Slice(k * size, size), componentWeights[k], dimension, floor, gradient.Slice(k * block, block));
        }
    }

    internal override void DisplacedScatter(ReadOnlySpan<double> scatter, ReadOnlySpan<double> firstMoments, ReadOnlySpan<double> displacements, ReadOnlySpan<double> componentWeights, int dimension, Span<double> displaced)
    {
        int size = dimension * dimension;
        scatter[..(componentWeights.Length * size)].CopyTo(displaced);
        for (int k = 0; k < componentWeights.Length; k++)
        {
            FullMatrixBlock.Displace(displaced.Slice(k * size, size), firstMoments.Slice(k * dimension, dimension), displacements.Slice(k * dimension, dimension), componentWeights[k], dimension);
        }
    }

    internal override double MahalanobisTrace(CovarianceFactors factors, ReadOnlySpan<double> scatter, int components, int dimension)
    {
        int size = dimension * dimension;
        double trace = 0;
        for (int k = 0; k < components; k++)
        {
            trace += FullMatrixBlock.WhitenedTrace(factors.InverseFactors.AsSpan(k * size, size), scatter.Slice(k * size, size), dimension);
        }

        return trace;
    }

    internal override void NaturalGradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> gradient)
    {
        int size = dimension * dimension;
        for (int k = 0; k < componentWeights.Length; k++)
        {
            FullMatrixBlock.NaturalGradient(factors.InverseFactors.AsSpan(k * size, size), scatter.Slice(k * size, size), componentWeights[k], dimension, gradient.Slice(k * size, size));
        }
    }

    internal override void ApplyXuJordanPreconditioner(ReadOnlySpan<double> covariances, ReadOnlySpan<double> naturalGradient, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> step)
    {
        int size = dimension * dimension;
        for (int k = 0; k < componentWeights.Length; k++)
        {
            FullMatrixBlock.ApplyXuJordan(covariances.Slice(k * size, size), naturalGradient.Slice(k * size, size), componentWeights[k], dimension, step.Slice(k * size, size));
        }
    }

    internal override double XuJordanMinimumEigenvalue(ReadOnlySpan<double> covariances, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension)
    {
        int size = dimension * dimension;
        double smallest = double.PositiveInfinity;
        for (int k = 0; k < componentWeights.Length; k++)
        {
            smallest = Math.Min(smallest, FullMatrixBlock.XuJordanMinimumEigenvalue(covariances.Slice(k * size, size), componentWeights[k], dimension));
        }

        return smallest;
    }

    internal override void ToFullMatrices(ReadOnlySpan<double> covariances, int components, int dimension, Span<double> full) =>
        covariances[..(components * dimension * dimension)].CopyTo(full);

    internal override string? FromFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances)
    {
        full[..(components * dimension * dimension)].CopyTo(covariances);
        return null;
    }

    internal override void ProjectFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances) =>
        full[..(components * dimension * dimension)].CopyTo(covariances);

    internal override double ScatterTrace(ReadOnlySpan<double> scatter, int component, int dimension)
    {
        double trace = 0;
        for (int c = 0; c < dimension; c++)
        {
            trace += scatter[component * dimension * dimension + c * dimension + c];
        }

        return trace;
    }
}
