using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LatentFit.Data;

namespace LatentFit.Numerics.Kernels;

/// <summary>The moment kernels: Σₙ wₙ(xₙ − μ) and the scatter Σₙ wₙ(xₙ − μ)(xₙ − μ)ᵀ (or its diagonal) about given centres.</summary>
internal sealed partial class ColumnBlock<T>
{
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
        int d = Dimension;
        var weights = Weights(rows, responsibilities);

        // wₙ(xₙ − μ) column by column, once: the first moments, and one side of every scatter entry.
        if (Registers512)
        {
            ref T centred = ref MemoryMarshal.GetArrayDataReference(_centred);
            ref T weighted = ref MemoryMarshal.GetArrayDataReference(_weighted);
            ref T weight = ref MemoryMarshal.GetReference(weights);
            for (int i = 0; i < d; i++)
            {
                // Four independent sums (the register path has four register-widths of rows at a time).
                Vector512<T> sum0 = default, sum1 = default, sum2 = default, sum3 = default;
                nuint start = (nuint)(i * _stride), width = (nuint)Width;
                for (nuint n = 0; n < (nuint)Rows; n += 4 * width)
                {
                    var p0 = Vector512.LoadUnsafe(ref centred, start + n) * Vector512.LoadUnsafe(ref weight, n);
                    var p1 = Vector512.LoadUnsafe(ref centred, start + n + width) * Vector512.LoadUnsafe(ref weight, n + width);
                    var p2 = Vector512.LoadUnsafe(ref centred, start + n + (2 * width)) * Vector512.LoadUnsafe(ref weight, n + (2 * width));
                    var p3 = Vector512.LoadUnsafe(ref centred, start + n + (3 * width)) * Vector512.LoadUnsafe(ref weight, n + (3 * width));
                    p0.StoreUnsafe(ref weighted, start + n);
                    p1.StoreUnsafe(ref weighted, start + n + width);
                    p2.StoreUnsafe(ref weighted, start + n + (2 * width));
                    p3.StoreUnsafe(ref weighted, start + n + (3 * width));
                    sum0 += p0;
                    sum1 += p1;
                    sum2 += p2;
                    sum3 += p3;
                }

                firstMoment[i] += ToDouble(Vector512.Sum((sum0 + sum1) + (sum2 + sum3)));
            }

            for (int i0 = 0; i0 < _padded; i0 += 4)
            {
                for (int j0 = i0; j0 < _padded; j0 += 4)
                {
                    Tile512(i0, j0, scatter);
                }
            }

            return;
        }

        var column = _work.AsSpan(0, Rows);
        for (int i = 0; i < d; i++)
        {
            TensorPrimitives.Multiply(Column(_centred, i), weights, column);
            firstMoment[i] += ToDouble(TensorPrimitives.Sum<T>(column));
            var row = scatter.Slice(i * d, d);
            for (int j = i; j < d; j++)
            {
                row[j] += ToDouble(TensorPrimitives.Dot<T>(column, Column(_centred, j)));
            }
        }
    }

    /// <summary>
    /// Adds Σₙ wₙ cᵢ[n] cⱼ[n] for i in i0..i0+3 and j in j0..j0+3 (j ≥ i) to the scatter, a register's width of rows at
    /// a time with the sixteen sums in 512-bit registers: eight loads (four weighted columns, four centred) feed
    /// sixteen independent fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile512(int i0, int j0, Span<double> scatter)
    {
        int d = Dimension, b = Rows, width = Width, stride = _stride;
        ref T weighted = ref MemoryMarshal.GetArrayDataReference(_weighted);
        ref T centred = ref MemoryMarshal.GetArrayDataReference(_centred);
        Vector512<T> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector512<T> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<T> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector512<T> s30 = default, s31 = default, s32 = default, s33 = default;
        nuint a = (nuint)(i0 * stride), c = (nuint)(j0 * stride), step = (nuint)stride;
        for (nuint n = 0; n < (nuint)b; n += (nuint)width)
        {
            var a0 = Vector512.LoadUnsafe(ref weighted, a + n);
            var a1 = Vector512.LoadUnsafe(ref weighted, a + step + n);
            var a2 = Vector512.LoadUnsafe(ref weighted, a + (2 * step) + n);
            var a3 = Vector512.LoadUnsafe(ref weighted, a + (3 * step) + n);
            var b0 = Vector512.LoadUnsafe(ref centred, c + n);
            var b1 = Vector512.LoadUnsafe(ref centred, c + step + n);
            var b2 = Vector512.LoadUnsafe(ref centred, c + (2 * step) + n);
            var b3 = Vector512.LoadUnsafe(ref centred, c + (3 * step) + n);
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

        Span<T> sums = stackalloc T[16];
        if (typeof(T) == typeof(double) && Avx512F.IsSupported)
        {
            // Sixteen horizontal sums as two reduction trees of eight (21 permutes and adds each, not 56).
            SumEach(s00.AsDouble(), s01.AsDouble(), s02.AsDouble(), s03.AsDouble(), s10.AsDouble(), s11.AsDouble(), s12.AsDouble(), s13.AsDouble())
                .As<double, T>().CopyTo(sums);
            SumEach(s20.AsDouble(), s21.AsDouble(), s22.AsDouble(), s23.AsDouble(), s30.AsDouble(), s31.AsDouble(), s32.AsDouble(), s33.AsDouble())
                .As<double, T>().CopyTo(sums[8..]);
        }
        else
        {
            ReadOnlySpan<T> each =
            [
                Vector512.Sum(s00), Vector512.Sum(s01), Vector512.Sum(s02), Vector512.Sum(s03),
                Vector512.Sum(s10), Vector512.Sum(s11), Vector512.Sum(s12), Vector512.Sum(s13),
                Vector512.Sum(s20), Vector512.Sum(s21), Vector512.Sum(s22), Vector512.Sum(s23),
                Vector512.Sum(s30), Vector512.Sum(s31), Vector512.Sum(s32), Vector512.Sum(s33),
            ];
            each.CopyTo(sums);
        }

        for (int t = 0; t < 4; t++)
        {
            for (int u = 0; u < 4; u++)
            {
                if (j0 + u >= i0 + t && j0 + u < d)
                {
                    scatter[((i0 + t) * d) + j0 + u] += ToDouble(sums[(t * 4) + u]);
                }
            }
        }
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

    /// <summary>The diagonal moments with centring fused into one pass over each column, sums in 512-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddDiagonalMoments512(ReadOnlySpan<T> weights, ReadOnlySpan<double> mean, Span<double> firstMoment, Span<double> scatter)
    {
        int b = Rows, width = Width, stride = _stride;
        ref T columns = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref T weight = ref MemoryMarshal.GetReference(weights);
        for (int c = 0; c < Dimension; c++)
        {
            // Two independent pairs of sums, so that consecutive multiply-adds do not wait on each other.
            Vector512<T> first0 = default, first1 = default, second0 = default, second1 = default;
            var centre = Vector512.Create(Of(mean[c] - _origin[c]));
            nuint start = (nuint)(c * stride);
            for (nuint n = 0; n < (nuint)b; n += (nuint)(2 * width))
            {
                var v0 = Vector512.LoadUnsafe(ref columns, start + n) - centre;
                var v1 = Vector512.LoadUnsafe(ref columns, start + n + (nuint)width) - centre;
                var wv0 = v0 * Vector512.LoadUnsafe(ref weight, n);
                var wv1 = v1 * Vector512.LoadUnsafe(ref weight, n + (nuint)width);
                first0 += wv0;
                first1 += wv1;
                second0 = Fma(wv0, v0, second0);
                second1 = Fma(wv1, v1, second1);
            }

            firstMoment[c] += ToDouble(Vector512.Sum(first0 + first1));
            scatter[scatter.Length == 1 ? 0 : c] += ToDouble(Vector512.Sum(second0 + second1));
        }
    }
}
