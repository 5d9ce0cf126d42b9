using System.Runtime.CompilerServices;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Gaussian;

/// <summary>All components share one unconstrained covariance matrix (mclust EEE, scikit-learn <c>tied</c>).</summary>
public sealed class TiedCovariance : CovarianceStructure
{
    private TiedCovariance()
    {
    }

    /// <summary>The single instance.</summary>
    public static TiedCovariance Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "tied";

    /// <inheritdoc/>
    public override string MclustName => "EEE";

    /// <inheritdoc/>
    public override IReadOnlyList<string> CovarianceNames(int components, int dimension) =>
        [.. from i in Enumerable.Range(1, dimension) from j in Enumerable.Range(1, dimension) select $"covariance[{i},{j}]"];

    /// <inheritdoc/>
    public override int CovarianceLength(int components, int dimension) => dimension * dimension;

    /// <inheritdoc/>
    public override int UnconstrainedLength(int components, int dimension) => FullMatrixBlock.UnconstrainedLength(dimension);

    internal override CovarianceFactors Factorize(ReadOnlySpan<double> covariances, int components, int dimension)
    {
        var inverse = new double[dimension * dimension];
        if (!FullMatrixBlock.TryFactorize(covariances, dimension, inverse, out double logDeterminant))
        {
            throw new SingularCovarianceException(0, "Cholesky factorisation of the shared covariance failed");
        }

        var normalizers = new double[components];
        Array.Fill(normalizers, -0.5 * (dimension * Math.Log(2 * Math.PI) + logDeterminant));
        var (smallest, _) = FullMatrixBlock.SmallestConditionalVariance(inverse, 1, dimension);
        return new CovarianceFactors(inverse, normalizers, smallest, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void LogDensities<TOut>(CovarianceFactors factors, ReadOnlySpan<double> means, int components, ColumnBlock block, Span<TOut> logDensities)
    {
        int dimension = block.Dimension;
        for (int k = 0; k < components; k++)
        {
            block.Centre(means.Slice(k * dimension, dimension));
            factors.LogDensities(block, 0, factors.LogNormalizers[k], logDensities.Slice(k * block.Rows, block.Rows));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void AccumulateMoments<TIn>(DataBlock rows, ColumnBlock block, ReadOnlySpan<TIn> responsibilities, ReadOnlySpan<double> centres, int components, Span<double> firstMoments, Span<double> scatter)
    {
        int dimension = rows.Dimension;
        for (int k = 0; k < components; k++)
        {
            // Pooled over components, each centred at its own current mean: still additive over chunks.
            block.Centre(centres.Slice(k * dimension, dimension));
            block.AddMoments(in rows, responsibilities.Slice(k * rows.Rows, rows.Rows), firstMoments.Slice(k * dimension, dimension), scatter);
        }
    }

    internal override void Maximize(ReadOnlySpan<double> scatter, ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double regularization, bool centreAtNewMeans, Span<double> covariances)
    {
        FullMatrixBlock.Maximize(scatter, totalWeight, meanShifts, 0, centreAtNewMean: false, dimension, covariances);
        if (centreAtNewMeans)
        {
            Span<double> term = new double[dimension * dimension];
            MeanShiftTerm(meanShifts, componentWeights, totalWeight, dimension, term);
            for (int i = 0; i < term.Length; i++)
            {
                covariances[i] -= term[i];
            }
        }

        for (int i = 0; i < dimension; i++)
        {
            covariances[i * dimension + i] += regularization;
        }
    }

    internal override void MeanShiftTerm(ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> term)
    {
        term[..(dimension * dimension)].Clear();
        for (int k = 0; k < componentWeights.Length; k++)
        {
            var shift = meanShifts.Slice(k * dimension, dimension);
            double share = componentWeights[k] / totalWeight;
            for (int i = 0; i < dimension; i++)
            {
                for (int j = 0; j < dimension; j++)
                {
                    term[i * dimension + j] += share * shift[i] * shift[j];
                }
            }
        }
    }

    // One block, shared by every component: the first component's matrix is it.
    internal override void UnconstrainedScales(ReadOnlySpan<double> fullCovariances, int components, int dimension, Span<double> scales) =>
        FullMatrixBlock.Scales(fullCovariances[..(dimension * dimension)], dimension, scales);

    internal override void ToUnconstrained(ReadOnlySpan<double> covariances, int components, int dimension, double floor, Span<double> eta) =>
        FullMatrixBlock.ToUnconstrained(covariances, dimension, floor, eta);

    internal override void FromUnconstrained(ReadOnlySpan<double> eta, int components, int dimension, double floor, Span<double> covariances) =>
        FullMatrixBlock.FromUnconstrained(eta, dimension, floor, covariances);

    internal override void Gradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double floor, Span<double> gradient) =>
        FullMatrixBlock.Gradient(factors.InverseFactors, scatter, totalWeight, dimension, floor, gradient);

    internal override void DisplacedScatter(ReadOnlySpan<double> scatter, ReadOnlySpan<double> firstMoments, ReadOnlySpan<double> displacements, ReadOnlySpan<double> componentWeights, int dimension, Span<double> displaced)
    {
        // The pooled scatter is a sum of each component's scatter about its own centre: each moves by its own δₖ.
        scatter[..(dimension * dimension)].CopyTo(displaced);
        for (int k = 0; k < componentWeights.Length; k++)
        {
            FullMatrixBlock.Displace(displaced, firstMoments.Slice(k * dimension, dimension), displacements.Slice(k * dimension, dimension), componentWeights[k], dimension);
        }
    }

    internal override double MahalanobisTrace(CovarianceFactors factors, ReadOnlySpan<double> scatter, int components, int dimension) =>
        FullMatrixBlock.WhitenedTrace(factors.InverseFactors, scatter, dimension);

    internal override void NaturalGradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> gradient) =>
        FullMatrixBlock.NaturalGradient(factors.InverseFactors, scatter, totalWeight, dimension, gradient);

    internal override void ApplyXuJordanPreconditioner(ReadOnlySpan<double> covariances, ReadOnlySpan<double> naturalGradient, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> step) =>
        FullMatrixBlock.ApplyXuJordan(covariances, naturalGradient, totalWeight, dimension, step);

    internal override double XuJordanMinimumEigenvalue(ReadOnlySpan<double> covariances, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension) =>
        FullMatrixBlock.XuJordanMinimumEigenvalue(covariances, totalWeight, dimension);

    internal override void ToFullMatrices(ReadOnlySpan<double> covariances, int components, int dimension, Span<double> full)
    {
        int size = dimension * dimension;
        for (int k = 0; k < components; k++)
        {
            covariances[..size].CopyTo(full.Slice(k * size, size));
        }
    }

    internal override string? FromFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances)
    {
        int size = dimension * dimension;
        var first = full[..size];
        for (int k = 1; k < components; k++)
        {
            if (!full.Slice(k * size, size).SequenceEqual(first))
            {
                return $"a tied covariance needs identical matrices for every component, but component {k + 1} differs from component 1";
            }
        }

        first.CopyTo(covariances);
        return null;
    }

    internal override void ProjectFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances)
    {
        int size = dimension * dimension;
        covariances[..size].Clear();
        for (int k = 0; k < components; k++)
        {
            for (int i = 0; i < size; i++)
            {
                covariances[i] += full[k * size + i] / components;
            }
        }
    }

    internal override double ScatterTrace(ReadOnlySpan<double> scatter, int component, int dimension)
    {
        double trace = 0;
        for (int c = 0; c < dimension; c++)
        {
            trace += scatter[c * dimension + c];
        }

        return trace;
    }
}
