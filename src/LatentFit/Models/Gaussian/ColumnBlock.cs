using System.Runtime.CompilerServices;
using System.Buffers;
using System.Runtime.Intrinsics;
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
        if (Vector512.IsHardwareAccelerated && Rows % Vector512<double>.Count == 0)
        {
            LogDensities512(inverseFactor, normalizer, logDensities);
            return;
        }

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

    /// <summary>
    /// The same with eight rows at a time in 512-bit registers: zᵢ and ‖z‖² never leave the registers, so each load of
    /// a column slice feeds a multiply-add rather than a load, a multiply-add and a store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LogDensities512(ReadOnlySpan<double> inverseFactor, double normalizer, Span<double> logDensities)
    {
        int d = Dimension, b = Rows, width = Vector512<double>.Count;
        ReadOnlySpan<double> columns = _centred;
        var half = Vector512.Create(-0.5);
        var offset = Vector512.Create(normalizer);
        for (int n = 0; n < b; n += width)
        {
            var squared = Vector512<double>.Zero;

            // Four rows of L⁻¹ at a time: each column slice loaded feeds up to four multiply-adds.
            int i0 = 0;
            for (; i0 + 4 <= d; i0 += 4)
            {
                var z0 = Vector512<double>.Zero;
                var z1 = Vector512<double>.Zero;
                var z2 = Vector512<double>.Zero;
                var z3 = Vector512<double>.Zero;
                int r0 = i0 * d, r1 = r0 + d, r2 = r1 + d, r3 = r2 + d;
                for (int j = 0; j <= i0; j++)
                {
                    var column = Vector512.Create(columns.Slice((j * b) + n, width));
                    z0 = Vector512.FusedMultiplyAdd(column, Vector512.Create(inverseFactor[r0 + j]), z0);
                    z1 = Vector512.FusedMultiplyAdd(column, Vector512.Create(inverseFactor[r1 + j]), z1);
                    z2 = Vector512.FusedMultiplyAdd(column, Vector512.Create(inverseFactor[r2 + j]), z2);
                    z3 = Vector512.FusedMultiplyAdd(column, Vector512.Create(inverseFactor[r3 + j]), z3);
                }

                // The triangle's corner: columns i0+1..i0+3 reach only the later rows.
                var c1 = Vector512.Create(columns.Slice(((i0 + 1) * b) + n, width));
                var c2 = Vector512.Create(columns.Slice(((i0 + 2) * b) + n, width));
                var c3 = Vector512.Create(columns.Slice(((i0 + 3) * b) + n, width));
                z1 = Vector512.FusedMultiplyAdd(c1, Vector512.Create(inverseFactor[r1 + i0 + 1]), z1);
                z2 = Vector512.FusedMultiplyAdd(c1, Vector512.Create(inverseFactor[r2 + i0 + 1]), z2);
                z2 = Vector512.FusedMultiplyAdd(c2, Vector512.Create(inverseFactor[r2 + i0 + 2]), z2);
                z3 = Vector512.FusedMultiplyAdd(c1, Vector512.Create(inverseFactor[r3 + i0 + 1]), z3);
                z3 = Vector512.FusedMultiplyAdd(c2, Vector512.Create(inverseFactor[r3 + i0 + 2]), z3);
                z3 = Vector512.FusedMultiplyAdd(c3, Vector512.Create(inverseFactor[r3 + i0 + 3]), z3);
                squared = Vector512.FusedMultiplyAdd(z0, z0, squared);
                squared = Vector512.FusedMultiplyAdd(z1, z1, squared);
                squared = Vector512.FusedMultiplyAdd(z2, z2, squared);
                squared = Vector512.FusedMultiplyAdd(z3, z3, squared);
            }

            for (int i = i0; i < d; i++)
            {
                var row = inverseFactor.Slice(i * d, i + 1);
                var z = Vector512.Create(columns.Slice(n, width)) * row[0];
                for (int j = 1; j <= i; j++)
                {
                    z = Vector512.FusedMultiplyAdd(Vector512.Create(columns.Slice((j * b) + n, width)), Vector512.Create(row[j]), z);
                }

                squared = Vector512.FusedMultiplyAdd(z, z, squared);
            }

            Vector512.FusedMultiplyAdd(squared, half, offset).CopyTo(logDensities.Slice(n, width));
        }
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
        bool tiles = Vector512.IsHardwareAccelerated && b % Vector512<double>.Count == 0;
        int tiled = tiles ? d - (d % 4) : 0;
        for (int i = 0; i < d; i++)
        {
            TensorPrimitives.Multiply(Column(_centred, i), weights, weighted);
            firstMoment[i] += TensorPrimitives.Sum<double>(weighted);
            var row = scatter.Slice(i * d, d);

            // Entries inside the 4×4 tiles below are left to them.
            int from = i < tiled ? tiled : i;
            for (int j = from; j < d; j++)
            {
                row[j] += TensorPrimitives.Dot(weighted, Column(_centred, j));
            }
        }

        for (int i0 = 0; i0 < tiled; i0 += 4)
        {
            for (int j0 = i0; j0 < tiled; j0 += 4)
            {
                Tile512(weights, i0, j0, scatter);
            }
        }
    }

    /// <summary>
    /// Adds Σₙ wₙ cᵢ[n] cⱼ[n] for i in i0..i0+3 and j in j0..j0+3 (j ≥ i) to the scatter, eight rows at a time with the
    /// sixteen sums in 512-bit registers: eight loads feed sixteen fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile512(ReadOnlySpan<double> weights, int i0, int j0, Span<double> scatter)
    {
        int d = Dimension, b = Rows, width = Vector512<double>.Count;
        ReadOnlySpan<double> c = _centred;
        Vector512<double> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector512<double> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<double> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector512<double> s30 = default, s31 = default, s32 = default, s33 = default;
        for (int n = 0; n < b; n += width)
        {
            var w = Vector512.Create(weights.Slice(n, width));
            var a0 = Vector512.Create(c.Slice((i0 * b) + n, width)) * w;
            var a1 = Vector512.Create(c.Slice(((i0 + 1) * b) + n, width)) * w;
            var a2 = Vector512.Create(c.Slice(((i0 + 2) * b) + n, width)) * w;
            var a3 = Vector512.Create(c.Slice(((i0 + 3) * b) + n, width)) * w;
            var b0 = Vector512.Create(c.Slice((j0 * b) + n, width));
            var b1 = Vector512.Create(c.Slice(((j0 + 1) * b) + n, width));
            var b2 = Vector512.Create(c.Slice(((j0 + 2) * b) + n, width));
            var b3 = Vector512.Create(c.Slice(((j0 + 3) * b) + n, width));
            s00 = Vector512.FusedMultiplyAdd(a0, b0, s00);
            s01 = Vector512.FusedMultiplyAdd(a0, b1, s01);
            s02 = Vector512.FusedMultiplyAdd(a0, b2, s02);
            s03 = Vector512.FusedMultiplyAdd(a0, b3, s03);
            s10 = Vector512.FusedMultiplyAdd(a1, b0, s10);
            s11 = Vector512.FusedMultiplyAdd(a1, b1, s11);
            s12 = Vector512.FusedMultiplyAdd(a1, b2, s12);
            s13 = Vector512.FusedMultiplyAdd(a1, b3, s13);
            s20 = Vector512.FusedMultiplyAdd(a2, b0, s20);
            s21 = Vector512.FusedMultiplyAdd(a2, b1, s21);
            s22 = Vector512.FusedMultiplyAdd(a2, b2, s22);
            s23 = Vector512.FusedMultiplyAdd(a2, b3, s23);
            s30 = Vector512.FusedMultiplyAdd(a3, b0, s30);
            s31 = Vector512.FusedMultiplyAdd(a3, b1, s31);
            s32 = Vector512.FusedMultiplyAdd(a3, b2, s32);
            s33 = Vector512.FusedMultiplyAdd(a3, b3, s33);
        }

        ReadOnlySpan<double> sums =
        [
            Vector512.Sum(s00), Vector512.Sum(s01), Vector512.Sum(s02), Vector512.Sum(s03),
            Vector512.Sum(s10), Vector512.Sum(s11), Vector512.Sum(s12), Vector512.Sum(s13),
            Vector512.Sum(s20), Vector512.Sum(s21), Vector512.Sum(s22), Vector512.Sum(s23),
            Vector512.Sum(s30), Vector512.Sum(s31), Vector512.Sum(s32), Vector512.Sum(s33),
        ];
        for (int t = 0; t < 4; t++)
        {
            for (int u = 0; u < 4; u++)
            {
                if (j0 + u >= i0 + t)
                {
                    scatter[((i0 + t) * d) + j0 + u] += sums[(t * 4) + u];
                }
            }
        }
    }

    /// <summary>
    /// After <see cref="Centre"/>: log N(xₙ | μ, diag(σ²)) = normalizer − ½Σ_c ((xₙc − μc)/σc)², with
    /// <paramref name="inverseScales"/> = 1/σ per coordinate (one value repeated for a spherical covariance).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void DiagonalLogDensities(ReadOnlySpan<double> mean, ReadOnlySpan<double> inverseScales, double normalizer, Span<double> logDensities)
    {
        if (Vector512.IsHardwareAccelerated && Rows % Vector512<double>.Count == 0)
        {
            DiagonalLogDensities512(mean, inverseScales, normalizer, logDensities);
            return;
        }

        Centre(mean);
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
    public void AddDiagonalMoments(DataBlock rows, ReadOnlySpan<double> responsibilities, ReadOnlySpan<double> mean, Span<double> firstMoment, Span<double> scatter)
    {
        var weights = Weights(rows, responsibilities);
        if (Vector512.IsHardwareAccelerated && Rows % Vector512<double>.Count == 0)
        {
            AddDiagonalMoments512(weights, mean, firstMoment, scatter);
            return;
        }

        Centre(mean);
        var weighted = _work.AsSpan(0, Rows);
        for (int c = 0; c < Dimension; c++)
        {
            var column = Column(_centred, c);
            TensorPrimitives.Multiply(column, weights, weighted);
            firstMoment[c] += TensorPrimitives.Sum<double>(weighted);
            scatter[scatter.Length == 1 ? 0 : c] += TensorPrimitives.Dot(weighted, column);
        }
    }

    /// <summary>The diagonal log-densities with centring, scaling and squaring fused in one pass over each column, in 512-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DiagonalLogDensities512(ReadOnlySpan<double> mean, ReadOnlySpan<double> inverseScales, double normalizer, Span<double> logDensities)
    {
        int b = Rows, width = Vector512<double>.Count;
        ReadOnlySpan<double> columns = _columns;
        var half = Vector512.Create(-0.5);
        var offset = Vector512.Create(normalizer);
        for (int n = 0; n < b; n += width)
        {
            var squared = Vector512<double>.Zero;
            for (int c = 0; c < Dimension; c++)
            {
                var z = (Vector512.Create(columns.Slice((c * b) + n, width)) - Vector512.Create(mean[c])) * Vector512.Create(inverseScales[inverseScales.Length == 1 ? 0 : c]);
                squared = Vector512.FusedMultiplyAdd(z, z, squared);
            }

            Vector512.FusedMultiplyAdd(squared, half, offset).CopyTo(logDensities.Slice(n, width));
        }
    }

    /// <summary>The diagonal moments with centring fused into one pass over each column, sums in 512-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddDiagonalMoments512(ReadOnlySpan<double> weights, ReadOnlySpan<double> mean, Span<double> firstMoment, Span<double> scatter)
    {
        int b = Rows, width = Vector512<double>.Count;
        ReadOnlySpan<double> columns = _columns;
        for (int c = 0; c < Dimension; c++)
        {
            var first = Vector512<double>.Zero;
            var second = Vector512<double>.Zero;
            var centre = Vector512.Create(mean[c]);
            var column = columns.Slice(c * b, b);
            for (int n = 0; n < b; n += width)
            {
                var v = Vector512.Create(column.Slice(n, width)) - centre;
                var wv = v * Vector512.Create(weights.Slice(n, width));
                first += wv;
                second = Vector512.FusedMultiplyAdd(wv, v, second);
            }

            firstMoment[c] += Vector512.Sum(first);
            scatter[scatter.Length == 1 ? 0 : c] += Vector512.Sum(second);
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
