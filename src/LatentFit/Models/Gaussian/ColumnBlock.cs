using System.Runtime.CompilerServices;
using System.Buffers;
using System.Numerics.Tensors;
using LatentFit.Data;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// Kernels for full and tied covariances over a block of rows held column by column (D columns of B values), so
/// that every inner loop runs over the rows of the block with SIMD (System.Numerics.Tensors): the Mahalanobis terms
/// ‖L⁻¹(x − μ)‖² as D(D+1)/2 fused multiply-adds of length B, the scatter Σₙ rₙ(xₙ − μ)(xₙ − μ)ᵀ as D(D+1)/2 dot
/// products of length B. Written here because no library offers a fused, allocation-free kernel of this shape;
/// buffers come from the shared array pool.
/// </summary>
internal sealed class ColumnBlock : IDisposable
{
    private readonly double[] _columns;
    private readonly double[] _centred;
    private readonly double[] _work;
    private readonly double[] _sum;

    /// <summary>Transposes the block's rows into columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ColumnBlock(DataBlock rows)
    {
        Rows = rows.Rows;
        Dimension = rows.Dimension;
        _columns = ArrayPool<double>.Shared.Rent(Rows * Dimension);
        _centred = ArrayPool<double>.Shared.Rent(Rows * Dimension);
        _work = ArrayPool<double>.Shared.Rent(Rows);
        _sum = ArrayPool<double>.Shared.Rent(Rows);
        var values = rows.Values;
        for (int n = 0; n < Rows; n++)
        {
            for (int c = 0; c < Dimension; c++)
            {
                _columns[c * Rows + n] = values[n * Dimension + c];
            }
        }
    }

    /// <summary>B, the rows in the block.</summary>
    public int Rows { get; }

    /// <summary>D.</summary>
    public int Dimension { get; }

    private Span<double> Column(double[] buffer, int c) => buffer.AsSpan(c * Rows, Rows);

    /// <summary>Centres every column at <paramref name="mean"/> into the working columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Centre(ReadOnlySpan<double> mean)
    {
        for (int c = 0; c < Dimension; c++)
        {
            TensorPrimitives.Subtract(Column(_columns, c), mean[c], Column(_centred, c));
        }
    }

    /// <summary>
    /// After <see cref="Centre"/>: writes log N(xₙ | μ, Σ) = normalizer − ½‖L⁻¹(xₙ − μ)‖² to <paramref name="logDensities"/>[n]
    /// (one component's column of the block), with L⁻¹ lower triangular (D×D, row-major).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void LogDensities(ReadOnlySpan<double> inverseFactor, double normalizer, Span<double> logDensities)
    {
        int d = Dimension, b = Rows;
        var squared = logDensities[..b];
        var z = _work.AsSpan(0, b);
        squared.Clear();
        for (int i = 0; i < d; i++)
        {
            // zᵢ = Σⱼ≤ᵢ (L⁻¹)ᵢⱼ (xⱼ − μⱼ), one column at a time.
            TensorPrimitives.Multiply(Column(_centred, 0), inverseFactor[i * d], z);
            for (int j = 1; j <= i; j++)
            {
                TensorPrimitives.MultiplyAdd(Column(_centred, j), inverseFactor[i * d + j], z, z);
            }

            TensorPrimitives.MultiplyAdd(z, z, squared, squared);
        }

        // normalizer − ½ q, in place.
        TensorPrimitives.Multiply(squared, -0.5, squared);
        TensorPrimitives.Add(squared, normalizer, squared);
    }

    /// <summary>wₙ = rₙ × the row weight, into the block's weight buffer.</summary>
    private Span<double> Weights(DataBlock rows, ReadOnlySpan<double> responsibilities)
    {
        var weights = _sum.AsSpan(0, Rows);
        if (rows.RowWeights.IsEmpty)
        {
            responsibilities[..Rows].CopyTo(weights);
        }
        else
        {
            TensorPrimitives.Multiply(responsibilities[..Rows], rows.RowWeights, weights);
        }

        return weights;
    }

    /// <summary>
    /// After <see cref="Centre"/>: adds Σₙ wₙ(xₙ − μ) to <paramref name="firstMoment"/> and Σₙ wₙ (xₙ − μ)(xₙ − μ)ᵀ to the
    /// upper triangle of <paramref name="scatter"/>, with wₙ = <paramref name="responsibilities"/>[n] (one component's
    /// column) times the row weight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddMoments(DataBlock rows, ReadOnlySpan<double> responsibilities, Span<double> firstMoment, Span<double> scatter)
    {
        int d = Dimension, b = Rows;
        var weights = Weights(rows, responsibilities);

        var weighted = _work.AsSpan(0, b);
        for (int i = 0; i < d; i++)
        {
            TensorPrimitives.Multiply(Column(_centred, i), weights, weighted);
            firstMoment[i] += TensorPrimitives.Sum<double>(weighted);
            var row = scatter.Slice(i * d, d);
            for (int j = i; j < d; j++)
            {
                row[j] += TensorPrimitives.Dot(weighted, Column(_centred, j));
            }
        }
    }

    /// <summary>
    /// After <see cref="Centre"/>: log N(xₙ | μ, diag(σ²)) = normalizer − ½Σ_c ((xₙc − μc)/σc)², with
    /// <paramref name="inverseScales"/> = 1/σ per coordinate (one value repeated for a spherical covariance).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void DiagonalLogDensities(ReadOnlySpan<double> inverseScales, double normalizer, Span<double> logDensities)
    {
        int b = Rows;
        var squared = logDensities[..b];
        var z = _work.AsSpan(0, b);
        squared.Clear();
        for (int c = 0; c < Dimension; c++)
        {
            TensorPrimitives.Multiply(Column(_centred, c), inverseScales[inverseScales.Length == 1 ? 0 : c], z);
            TensorPrimitives.MultiplyAdd(z, z, squared, squared);
        }

        TensorPrimitives.Multiply(squared, -0.5, squared);
        TensorPrimitives.Add(squared, normalizer, squared);
    }

    /// <summary>
    /// After <see cref="Centre"/>: adds Σₙ wₙ(xₙ − μ) to <paramref name="firstMoment"/> and Σₙ wₙ(xₙc − μc)² to
    /// <paramref name="scatter"/>[c] (or, when it has length 1, their sum over c, for a spherical covariance).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddDiagonalMoments(DataBlock rows, ReadOnlySpan<double> responsibilities, Span<double> firstMoment, Span<double> scatter)
    {
        var weights = Weights(rows, responsibilities);
        var weighted = _work.AsSpan(0, Rows);
        for (int c = 0; c < Dimension; c++)
        {
            var column = Column(_centred, c);
            TensorPrimitives.Multiply(column, weights, weighted);
            firstMoment[c] += TensorPrimitives.Sum<double>(weighted);
            scatter[scatter.Length == 1 ? 0 : c] += TensorPrimitives.Dot(weighted, column);
        }
    }

    /// <summary>Returns the buffers to the pool.</summary>
    public void Dispose()
    {
        ArrayPool<double>.Shared.Return(_columns);
        ArrayPool<double>.Shared.Return(_centred);
        ArrayPool<double>.Shared.Return(_work);
        ArrayPool<double>.Shared.Return(_sum);
    }
}
