using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LatentFit.Data;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// A block of rows held column by column (D columns of B values), with the E-step kernels that run over it; the
/// parameters come in and the results go out in float64, whatever precision the block computes in.
/// </summary>
internal abstract class ColumnBlock : IDisposable
{
    /// <summary>Transposes the block's rows into columns in the block's precision: float64, or float32 for <see cref="Precision.Single"/> data.</summary>
    public static ColumnBlock Create(DataBlock rows) =>
        rows.Precision == Precision.Single ? new ColumnBlock<float>(rows) : new ColumnBlock<double>(rows);

    /// <summary>B, the rows in the block.</summary>
    public abstract int Rows { get; }

    /// <summary>D.</summary>
    public abstract int Dimension { get; }

    /// <summary>Centres every column at <paramref name="mean"/> into the working columns.</summary>
    public abstract void Centre(ReadOnlySpan<double> mean);

    /// <summary>
    /// After <see cref="Centre"/>: writes log N(xₙ | μ, Σ) = normalizer − ½‖L⁻¹(xₙ − μ)‖² to <paramref name="logDensities"/>[n]
    /// (one component's column of the block), with L⁻¹ lower triangular (D×D, row-major).
    /// </summary>
    public abstract void LogDensities(ReadOnlySpan<double> inverseFactor, double normalizer, Span<double> logDensities);

    /// <summary>
    /// After <see cref="Centre"/>: adds Σₙ wₙ(xₙ − μ) to <paramref name="firstMoment"/> and Σₙ wₙ (xₙ − μ)(xₙ − μ)ᵀ to the
    /// upper triangle of <paramref name="scatter"/>, with wₙ = <paramref name="responsibilities"/>[n] (one component's
    /// column) times the row weight.
    /// </summary>
    public abstract void AddMoments(DataBlock rows, ReadOnlySpan<double> responsibilities, Span<double> firstMoment, Span<double> scatter);

    /// <summary>
    /// log N(xₙ | μ, diag(σ²)) = normalizer − ½Σ_c ((xₙc − μc)/σc)², with <paramref name="inverseScales"/> = 1/σ per
    /// coordinate (one value repeated for a spherical covariance).
    /// </summary>
    public abstract void DiagonalLogDensities(ReadOnlySpan<double> mean, ReadOnlySpan<double> inverseScales, double normalizer, Span<double> logDensities);

    /// <summary>
    /// Adds Σₙ wₙ(xₙ − μ) to <paramref name="firstMoment"/> and Σₙ wₙ(xₙc − μc)² to <paramref name="scatter"/>[c] (or,
    /// when it has length 1, their sum over c, for a spherical covariance).
    /// </summary>
    public abstract void AddDiagonalMoments(DataBlock rows, ReadOnlySpan<double> responsibilities, ReadOnlySpan<double> mean, Span<double> firstMoment, Span<double> scatter);

    /// <summary>Returns the buffers to the pool.</summary>
    public abstract void Dispose();
}

/// <summary>
/// The kernels in precision <typeparamref name="T"/> (double or float) for full, tied, diagonal and spherical
/// covariances, so that every inner loop runs over the rows of the block with SIMD: the Mahalanobis terms
/// ‖L⁻¹(x − μ)‖² as D(D+1)/2 fused multiply-adds of length B, the scatter Σₙ rₙ(xₙ − μ)(xₙ − μ)ᵀ as D(D+1)/2 dot
/// products of length B, with 512-bit register kernels where the hardware has them. Written here because no library
/// offers a fused, allocation-free kernel of this shape; buffers come from the shared array pool. In float32 the sums
/// over a block's rows are float32 and are added to the float64 statistics block by block.
/// </summary>
internal sealed class ColumnBlock<T> : ColumnBlock
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _columns;
    private readonly T[] _centred;
    private readonly T[] _work;
    private readonly T[] _sum;
    private readonly T[] _parameters;
    private readonly double[] _origin;

    /// <summary>Transposes the block's rows into columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ColumnBlock(DataBlock rows)
    {
        Rows = rows.Rows;
        Dimension = rows.Dimension;
        _columns = ArrayPool<T>.Shared.Rent(Rows * Dimension);
        _centred = ArrayPool<T>.Shared.Rent(Rows * Dimension);
        _work = ArrayPool<T>.Shared.Rent(Rows);
        _sum = ArrayPool<T>.Shared.Rent(Rows);
        _parameters = ArrayPool<T>.Shared.Rent(Dimension * Dimension);
        _origin = ArrayPool<double>.Shared.Rent(Dimension);
        _origin.AsSpan(0, Dimension).Clear();
        rows.Origin.CopyTo(_origin);
        ReadOnlySpan<T> values = typeof(T) == typeof(double) && rows.Precision == Precision.Double
            ? MemoryMarshal.Cast<double, T>(rows.Values)
            : typeof(T) == typeof(float) && rows.Precision == Precision.Single
                ? MemoryMarshal.Cast<float, T>(rows.SingleValues)
                : throw new ArgumentException($"a {typeof(T).Name} block cannot hold {rows.Precision}-precision rows", nameof(rows));
        for (int n = 0; n < Rows; n++)
        {
            for (int c = 0; c < Dimension; c++)
            {
                _columns[c * Rows + n] = values[n * Dimension + c];
            }
        }
    }

    /// <inheritdoc/>
    public override int Rows { get; }

    /// <inheritdoc/>
    public override int Dimension { get; }

    private static int Width => Vector512<T>.Count;

    private bool Registers512 => Vector512.IsHardwareAccelerated && Rows % Width == 0;

    private Span<T> Column(T[] buffer, int c) => buffer.AsSpan(c * Rows, Rows);

    private static T Of(double value) => T.CreateTruncating(value);

    private static double ToDouble(T value) => double.CreateTruncating(value);

    /// <summary>a·b + c with one rounding (the generic Vector512 API has no fused multiply-add for T).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
    }

    /// <summary>Writes normalizer − ½ squared for the <see cref="Width"/> rows from <paramref name="n"/>, in float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLogDensities(Vector512<T> squared, double normalizer, Span<double> logDensities, int n)
    {
        var half = Vector512.Create(-0.5);
        var offset = Vector512.Create(normalizer);
        if (typeof(T) == typeof(double))
        {
            Vector512.FusedMultiplyAdd(squared.AsDouble(), half, offset).CopyTo(logDensities.Slice(n, Vector512<double>.Count));
            return;
        }

        var single = squared.AsSingle();
        Vector512.FusedMultiplyAdd(Vector512.WidenLower(single), half, offset).CopyTo(logDensities.Slice(n, Vector512<double>.Count));
        Vector512.FusedMultiplyAdd(Vector512.WidenUpper(single), half, offset).CopyTo(logDensities.Slice(n + Vector512<double>.Count, Vector512<double>.Count));
    }

    /// <summary>normalizer − ½ squared into <paramref name="logDensities"/>, from squared terms in T (the SIMD-library path).</summary>
    private static void FinishLogDensities(ReadOnlySpan<T> squared, double normalizer, Span<double> logDensities)
    {
        var target = logDensities[..squared.Length];
        if (typeof(T) != typeof(double))
        {
            TensorPrimitives.ConvertTruncating<T, double>(squared, target);
        }

        TensorPrimitives.Multiply(target, -0.5, target);
        TensorPrimitives.Add(target, normalizer, target);
    }

    /// <summary>A B-long buffer for squared terms: the float64 output itself, or float32 scratch to be widened after.</summary>
    private Span<T> SquaredBuffer(Span<double> logDensities) =>
        typeof(T) == typeof(double) ? MemoryMarshal.Cast<double, T>(logDensities[..Rows]) : _sum.AsSpan(0, Rows);

    /// <summary>The parameters in T: the same memory in float64, rounded into the block's buffer in float32.</summary>
    private ReadOnlySpan<T> InPrecision(ReadOnlySpan<double> values)
    {
        if (typeof(T) == typeof(double))
        {
            return MemoryMarshal.Cast<double, T>(values);
        }

        var converted = _parameters.AsSpan(0, values.Length);
        TensorPrimitives.ConvertTruncating<double, T>(values, converted);
        return converted;
    }

    /// <summary>μ − origin in T, into the block's buffer: the centre in the block's own coordinates.</summary>
    private ReadOnlySpan<T> Shifted(ReadOnlySpan<double> mean)
    {
        var shifted = _parameters.AsSpan(0, Dimension);
        for (int c = 0; c < Dimension; c++)
        {
            shifted[c] = Of(mean[c] - _origin[c]);
        }

        return shifted;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Centre(ReadOnlySpan<double> mean)
    {
        for (int c = 0; c < Dimension; c++)
        {
            TensorPrimitives.Subtract(Column(_columns, c), Of(mean[c] - _origin[c]), Column(_centred, c));
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void LogDensities(ReadOnlySpan<double> inverseFactor, double normalizer, Span<double> logDensities)
    {
        var factor = InPrecision(inverseFactor[..(Dimension * Dimension)]);
        if (Registers512)
        {
            LogDensities512(factor, normalizer, logDensities);
            return;
        }

        int d = Dimension, b = Rows;
        var squared = SquaredBuffer(logDensities);
        var z = _work.AsSpan(0, b);
        squared.Clear();
        for (int i = 0; i < d; i++)
        {
            // zᵢ = Σⱼ≤ᵢ (L⁻¹)ᵢⱼ (xⱼ − μⱼ), one column at a time.
            TensorPrimitives.Multiply(Column(_centred, 0), factor[i * d], z);
            for (int j = 1; j <= i; j++)
            {
                TensorPrimitives.MultiplyAdd(Column(_centred, j), factor[i * d + j], z, z);
            }

            TensorPrimitives.MultiplyAdd(z, z, squared, squared);
        }

        FinishLogDensities(squared, normalizer, logDensities);
    }

    /// <summary>
    /// The same with a register's width of rows at a time in 512-bit registers: zᵢ and ‖z‖² never leave the
    /// registers, so each load of a column slice feeds a multiply-add rather than a load, a multiply-add and a store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LogDensities512(ReadOnlySpan<T> inverseFactor, double normalizer, Span<double> logDensities)
    {
        int d = Dimension, b = Rows, width = Width;
        ReadOnlySpan<T> columns = _centred;
        for (int n = 0; n < b; n += width)
        {
            var squared = Vector512<T>.Zero;

            // Four rows of L⁻¹ at a time: each column slice loaded feeds up to four multiply-adds.
            int i0 = 0;
            for (; i0 + 4 <= d; i0 += 4)
            {
                var z0 = Vector512<T>.Zero;
                var z1 = Vector512<T>.Zero;
                var z2 = Vector512<T>.Zero;
                var z3 = Vector512<T>.Zero;
                int r0 = i0 * d, r1 = r0 + d, r2 = r1 + d, r3 = r2 + d;
                for (int j = 0; j <= i0; j++)
                {
                    var column = Vector512.Create(columns.Slice((j * b) + n, width));
                    z0 = Fma(column, Vector512.Create(inverseFactor[r0 + j]), z0);
                    z1 = Fma(column, Vector512.Create(inverseFactor[r1 + j]), z1);
                    z2 = Fma(column, Vector512.Create(inverseFactor[r2 + j]), z2);
                    z3 = Fma(column, Vector512.Create(inverseFactor[r3 + j]), z3);
                }

                // The triangle's corner: columns i0+1..i0+3 reach only the later rows.
                var c1 = Vector512.Create(columns.Slice(((i0 + 1) * b) + n, width));
                var c2 = Vector512.Create(columns.Slice(((i0 + 2) * b) + n, width));
                var c3 = Vector512.Create(columns.Slice(((i0 + 3) * b) + n, width));
                z1 = Fma(c1, Vector512.Create(inverseFactor[r1 + i0 + 1]), z1);
                z2 = Fma(c1, Vector512.Create(inverseFactor[r2 + i0 + 1]), z2);
                z2 = Fma(c2, Vector512.Create(inverseFactor[r2 + i0 + 2]), z2);
                z3 = Fma(c1, Vector512.Create(inverseFactor[r3 + i0 + 1]), z3);
                z3 = Fma(c2, Vector512.Create(inverseFactor[r3 + i0 + 2]), z3);
                z3 = Fma(c3, Vector512.Create(inverseFactor[r3 + i0 + 3]), z3);
                squared = Fma(z0, z0, squared);
                squared = Fma(z1, z1, squared);
                squared = Fma(z2, z2, squared);
                squared = Fma(z3, z3, squared);
            }

            for (int i = i0; i < d; i++)
            {
                var row = inverseFactor.Slice(i * d, i + 1);
                var z = Vector512.Create(columns.Slice(n, width)) * Vector512.Create(row[0]);
                for (int j = 1; j <= i; j++)
                {
                    z = Fma(Vector512.Create(columns.Slice((j * b) + n, width)), Vector512.Create(row[j]), z);
                }

                squared = Fma(z, z, squared);
            }

            StoreLogDensities(squared, normalizer, logDensities, n);
        }
    }

    /// <summary>wₙ = rₙ × the row weight, in T, into the block's weight buffer.</summary>
    private Span<T> Weights(DataBlock rows, ReadOnlySpan<double> responsibilities)
    {
        var weights = _sum.AsSpan(0, Rows);
        if (typeof(T) == typeof(double))
        {
            var products = MemoryMarshal.Cast<T, double>(weights);
            if (rows.RowWeights.IsEmpty)
            {
                responsibilities[..Rows].CopyTo(products);
            }
            else
            {
                TensorPrimitives.Multiply(responsibilities[..Rows], rows.RowWeights, products);
            }
        }
        else if (rows.RowWeights.IsEmpty)
        {
            TensorPrimitives.ConvertTruncating<double, T>(responsibilities[..Rows], weights);
        }
        else
        {
            for (int n = 0; n < Rows; n++)
            {
                weights[n] = Of(responsibilities[n] * rows.RowWeights[n]);
            }
        }

        return weights;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void AddMoments(DataBlock rows, ReadOnlySpan<double> responsibilities, Span<double> firstMoment, Span<double> scatter)
    {
        int d = Dimension, b = Rows;
        var weights = Weights(rows, responsibilities);

        var weighted = _work.AsSpan(0, b);
        int tiled = Registers512 ? d - (d % 4) : 0;
        for (int i = 0; i < d; i++)
        {
            TensorPrimitives.Multiply(Column(_centred, i), weights, weighted);
            firstMoment[i] += ToDouble(TensorPrimitives.Sum<T>(weighted));
            var row = scatter.Slice(i * d, d);

            // Entries inside the 4×4 tiles below are left to them.
            int from = i < tiled ? tiled : i;
            for (int j = from; j < d; j++)
            {
                row[j] += ToDouble(TensorPrimitives.Dot<T>(weighted, Column(_centred, j)));
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
    /// Adds Σₙ wₙ cᵢ[n] cⱼ[n] for i in i0..i0+3 and j in j0..j0+3 (j ≥ i) to the scatter, a register's width of rows at
    /// a time with the sixteen sums in 512-bit registers: eight loads feed sixteen fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile512(ReadOnlySpan<T> weights, int i0, int j0, Span<double> scatter)
    {
        int d = Dimension, b = Rows, width = Width;
        ReadOnlySpan<T> c = _centred;
        Vector512<T> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector512<T> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<T> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector512<T> s30 = default, s31 = default, s32 = default, s33 = default;
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
            s00 = Fma(a0, b0, s00);
            s01 = Fma(a0, b1, s01);
            s02 = Fma(a0, b2, s02);
            s03 = Fma(a0, b3, s03);
            s10 = Fma(a1, b0, s10);
            s11 = Fma(a1, b1, s11);
            s12 = Fma(a1, b2, s12);
            s13 = Fma(a1, b3, s13);
            s20 = Fma(a2, b0, s20);
            s21 = Fma(a2, b1, s21);
            s22 = Fma(a2, b2, s22);
            s23 = Fma(a2, b3, s23);
            s30 = Fma(a3, b0, s30);
            s31 = Fma(a3, b1, s31);
            s32 = Fma(a3, b2, s32);
            s33 = Fma(a3, b3, s33);
        }

        ReadOnlySpan<T> sums =
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
                    scatter[((i0 + t) * d) + j0 + u] += ToDouble(sums[(t * 4) + u]);
                }
            }
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void DiagonalLogDensities(ReadOnlySpan<double> mean, ReadOnlySpan<double> inverseScales, double normalizer, Span<double> logDensities)
    {
        if (Registers512)
        {
            DiagonalLogDensities512(mean, inverseScales, normalizer, logDensities);
            return;
        }

        Centre(mean);
        int b = Rows;
        var squared = SquaredBuffer(logDensities);
        var z = _work.AsSpan(0, b);
        squared.Clear();
        for (int c = 0; c < Dimension; c++)
        {
            TensorPrimitives.Multiply(Column(_centred, c), Of(inverseScales[inverseScales.Length == 1 ? 0 : c]), z);
            TensorPrimitives.MultiplyAdd(z, z, squared, squared);
        }

        FinishLogDensities(squared, normalizer, logDensities);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void AddDiagonalMoments(DataBlock rows, ReadOnlySpan<double> responsibilities, ReadOnlySpan<double> mean, Span<double> firstMoment, Span<double> scatter)
    {
        var weights = Weights(rows, responsibilities);
        if (Registers512)
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
            firstMoment[c] += ToDouble(TensorPrimitives.Sum<T>(weighted));
            scatter[scatter.Length == 1 ? 0 : c] += ToDouble(TensorPrimitives.Dot<T>(weighted, column));
        }
    }

    /// <summary>The diagonal log-densities with centring, scaling and squaring fused in one pass over each column, in 512-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DiagonalLogDensities512(ReadOnlySpan<double> mean, ReadOnlySpan<double> inverseScales, double normalizer, Span<double> logDensities)
    {
        int b = Rows, width = Width;
        ReadOnlySpan<T> columns = _columns;
        var centre = Shifted(mean);
        Span<T> scales = stackalloc T[Dimension];
        for (int c = 0; c < Dimension; c++)
        {
            scales[c] = Of(inverseScales[inverseScales.Length == 1 ? 0 : c]);
        }

        for (int n = 0; n < b; n += width)
        {
            var squared = Vector512<T>.Zero;
            for (int c = 0; c < Dimension; c++)
            {
                var z = (Vector512.Create(columns.Slice((c * b) + n, width)) - Vector512.Create(centre[c])) * Vector512.Create(scales[c]);
                squared = Fma(z, z, squared);
            }

            StoreLogDensities(squared, normalizer, logDensities, n);
        }
    }

    /// <summary>The diagonal moments with centring fused into one pass over each column, sums in 512-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddDiagonalMoments512(ReadOnlySpan<T> weights, ReadOnlySpan<double> mean, Span<double> firstMoment, Span<double> scatter)
    {
        int b = Rows, width = Width;
        ReadOnlySpan<T> columns = _columns;
        for (int c = 0; c < Dimension; c++)
        {
            var first = Vector512<T>.Zero;
            var second = Vector512<T>.Zero;
            var centre = Vector512.Create(Of(mean[c] - _origin[c]));
            var column = columns.Slice(c * b, b);
            for (int n = 0; n < b; n += width)
            {
                var v = Vector512.Create(column.Slice(n, width)) - centre;
                var wv = v * Vector512.Create(weights.Slice(n, width));
                first += wv;
                second = Fma(wv, v, second);
            }

            firstMoment[c] += ToDouble(Vector512.Sum(first));
            scatter[scatter.Length == 1 ? 0 : c] += ToDouble(Vector512.Sum(second));
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        ArrayPool<T>.Shared.Return(_columns);
        ArrayPool<T>.Shared.Return(_centred);
        ArrayPool<T>.Shared.Return(_work);
        ArrayPool<T>.Shared.Return(_sum);
        ArrayPool<T>.Shared.Return(_parameters);
        ArrayPool<double>.Shared.Return(_origin);
    }
}
