using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LatentFit.Numerics.Kernels;

/// <summary>The log-density kernels: ‖L⁻¹(x − μ)‖² for full and tied covariances, the scaled squares for diagonal and spherical ones.</summary>
internal sealed partial class ColumnBlock<T>
{
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

    /// <summary>The same for four register-widths of rows from <paramref name="n"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLogDensities(Vector512<T> q0, Vector512<T> q1, Vector512<T> q2, Vector512<T> q3, double normalizer, Span<double> logDensities, int n)
    {
        StoreLogDensities(q0, normalizer, logDensities, n);
        StoreLogDensities(q1, normalizer, logDensities, n + Width);
        StoreLogDensities(q2, normalizer, logDensities, n + (2 * Width));
        StoreLogDensities(q3, normalizer, logDensities, n + (3 * Width));
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
        if (!Registers512)
        {
            for (int c = 0; c < Dimension; c++)
            {
                TensorPrimitives.Subtract(Column(_columns, c), Of(mean[c] - _origin[c]), Column(_centred, c));
            }

            return;
        }

        // Inline rather than one library call per column: at D = 50 the calls' fixed cost was most of the time.
        ref T columns = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref T centred = ref MemoryMarshal.GetArrayDataReference(_centred);
        for (int c = 0; c < Dimension; c++)
        {
            var centre = Vector512.Create(Of(mean[c] - _origin[c]));
            nuint start = (nuint)(c * _stride);
            for (nuint n = start; n < start + (nuint)Rows; n += (nuint)Width)
            {
                (Vector512.LoadUnsafe(ref columns, n) - centre).StoreUnsafe(ref centred, n);
            }
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
    /// The same from registers: four rows of L⁻¹ against four register-widths of rows (32 rows in float64, 64 in
    /// float32) at a time, so that each step loads four column slices and four entries of L⁻¹ for sixteen independent
    /// fused multiply-adds (enough chains to hide the multiply-add latency on two pipes), and zᵢ and ‖z‖² never leave
    /// the registers. Each row's sums run in the same order as in the straightforward loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LogDensities512(ReadOnlySpan<T> inverseFactor, double normalizer, Span<double> logDensities)
    {
        int d = Dimension, b = Rows, width = Width, stride = _stride;
        ref T columns = ref MemoryMarshal.GetArrayDataReference(_centred);
        ref T factor = ref MemoryMarshal.GetReference(inverseFactor);
        for (int n = 0; n < b; n += 4 * width)
        {
            var q0 = Vector512<T>.Zero;
            var q1 = Vector512<T>.Zero;
            var q2 = Vector512<T>.Zero;
            var q3 = Vector512<T>.Zero;
            int i0 = 0;
            for (; i0 + 4 <= d; i0 += 4)
            {
                // z[row of L⁻¹][register of rows]
                Vector512<T> z00 = default, z01 = default, z02 = default, z03 = default;
                Vector512<T> z10 = default, z11 = default, z12 = default, z13 = default;
                Vector512<T> z20 = default, z21 = default, z22 = default, z23 = default;
                Vector512<T> z30 = default, z31 = default, z32 = default, z33 = default;
                int r0 = i0 * d, r1 = r0 + d, r2 = r1 + d, r3 = r2 + d;
                for (int j = 0; j <= i0; j++)
                {
                    nuint at = (nuint)((j * stride) + n);
                    var c0 = Vector512.LoadUnsafe(ref columns, at);
                    var c1 = Vector512.LoadUnsafe(ref columns, at + (nuint)width);
                    var c2 = Vector512.LoadUnsafe(ref columns, at + (nuint)(2 * width));
                    var c3 = Vector512.LoadUnsafe(ref columns, at + (nuint)(3 * width));
                    var f = Vector512.Create(Unsafe.Add(ref factor, r0 + j));
                    z00 = Fma(c0, f, z00);
                    z01 = Fma(c1, f, z01);
                    z02 = Fma(c2, f, z02);
                    z03 = Fma(c3, f, z03);
                    f = Vector512.Create(Unsafe.Add(ref factor, r1 + j));
                    z10 = Fma(c0, f, z10);
                    z11 = Fma(c1, f, z11);
                    z12 = Fma(c2, f, z12);
                    z13 = Fma(c3, f, z13);
                    f = Vector512.Create(Unsafe.Add(ref factor, r2 + j));
                    z20 = Fma(c0, f, z20);
                    z21 = Fma(c1, f, z21);
                    z22 = Fma(c2, f, z22);
                    z23 = Fma(c3, f, z23);
                    f = Vector512.Create(Unsafe.Add(ref factor, r3 + j));
                    z30 = Fma(c0, f, z30);
                    z31 = Fma(c1, f, z31);
                    z32 = Fma(c2, f, z32);
                    z33 = Fma(c3, f, z33);
                }

                // The triangle's corner: column i0+1 reaches rows i0+1..i0+3, i0+2 the last two, i0+3 the last.
                for (int j = i0 + 1; j < i0 + 4; j++)
                {
                    nuint at = (nuint)((j * stride) + n);
                    var c0 = Vector512.LoadUnsafe(ref columns, at);
                    var c1 = Vector512.LoadUnsafe(ref columns, at + (nuint)width);
                    var c2 = Vector512.LoadUnsafe(ref columns, at + (nuint)(2 * width));
                    var c3 = Vector512.LoadUnsafe(ref columns, at + (nuint)(3 * width));
                    if (j == i0 + 1)
                    {
                        var f = Vector512.Create(Unsafe.Add(ref factor, r1 + j));
                        z10 = Fma(c0, f, z10);
                        z11 = Fma(c1, f, z11);
                        z12 = Fma(c2, f, z12);
                        z13 = Fma(c3, f, z13);
                    }

                    if (j <= i0 + 2)
                    {
                        var f = Vector512.Create(Unsafe.Add(ref factor, r2 + j));
                        z20 = Fma(c0, f, z20);
                        z21 = Fma(c1, f, z21);
                        z22 = Fma(c2, f, z22);
                        z23 = Fma(c3, f, z23);
                    }

                    var g = Vector512.Create(Unsafe.Add(ref factor, r3 + j));
                    z30 = Fma(c0, g, z30);
                    z31 = Fma(c1, g, z31);
                    z32 = Fma(c2, g, z32);
                    z33 = Fma(c3, g, z33);
                }

                q0 = Fma(z00, z00, q0);
                q1 = Fma(z01, z01, q1);
                q2 = Fma(z02, z02, q2);
                q3 = Fma(z03, z03, q3);
                q0 = Fma(z10, z10, q0);
                q1 = Fma(z11, z11, q1);
                q2 = Fma(z12, z12, q2);
                q3 = Fma(z13, z13, q3);
                q0 = Fma(z20, z20, q0);
                q1 = Fma(z21, z21, q1);
                q2 = Fma(z22, z22, q2);
                q3 = Fma(z23, z23, q3);
                q0 = Fma(z30, z30, q0);
                q1 = Fma(z31, z31, q1);
                q2 = Fma(z32, z32, q2);
                q3 = Fma(z33, z33, q3);
            }

            for (int i = i0; i < d; i++)
            {
                int row = i * d;
                var f = Vector512.Create(Unsafe.Add(ref factor, row));
                nuint at = (nuint)n;
                var z0 = Vector512.LoadUnsafe(ref columns, at) * f;
                var z1 = Vector512.LoadUnsafe(ref columns, at + (nuint)width) * f;
                var z2 = Vector512.LoadUnsafe(ref columns, at + (nuint)(2 * width)) * f;
                var z3 = Vector512.LoadUnsafe(ref columns, at + (nuint)(3 * width)) * f;
                for (int j = 1; j <= i; j++)
                {
                    at = (nuint)((j * stride) + n);
                    f = Vector512.Create(Unsafe.Add(ref factor, row + j));
                    z0 = Fma(Vector512.LoadUnsafe(ref columns, at), f, z0);
                    z1 = Fma(Vector512.LoadUnsafe(ref columns, at + (nuint)width), f, z1);
                    z2 = Fma(Vector512.LoadUnsafe(ref columns, at + (nuint)(2 * width)), f, z2);
                    z3 = Fma(Vector512.LoadUnsafe(ref columns, at + (nuint)(3 * width)), f, z3);
                }

                q0 = Fma(z0, z0, q0);
                q1 = Fma(z1, z1, q1);
                q2 = Fma(z2, z2, q2);
                q3 = Fma(z3, z3, q3);
            }

            StoreLogDensities(q0, q1, q2, q3, normalizer, logDensities, n);
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

    /// <summary>The diagonal log-densities with centring, scaling and squaring fused in one pass over each column, in 512-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DiagonalLogDensities512(ReadOnlySpan<double> mean, ReadOnlySpan<double> inverseScales, double normalizer, Span<double> logDensities)
    {
        int b = Rows, width = Width, stride = _stride;
        ReadOnlySpan<T> columns = _columns;
        var centre = Shifted(mean);
        Span<T> scales = stackalloc T[Dimension];
        for (int c = 0; c < Dimension; c++)
        {
            scales[c] = Of(inverseScales[inverseScales.Length == 1 ? 0 : c]);
        }

        // Four register-widths of rows at a time: four independent sums, and each coordinate's centre and scale
        // broadcast once for all four.
        ref T column = ref MemoryMarshal.GetArrayDataReference(_columns);
        for (int n = 0; n < b; n += 4 * width)
        {
            var q0 = Vector512<T>.Zero;
            var q1 = Vector512<T>.Zero;
            var q2 = Vector512<T>.Zero;
            var q3 = Vector512<T>.Zero;
            for (int c = 0; c < Dimension; c++)
            {
                var m = Vector512.Create(centre[c]);
                var s = Vector512.Create(scales[c]);
                nuint at = (nuint)((c * stride) + n);
                var z0 = (Vector512.LoadUnsafe(ref column, at) - m) * s;
                var z1 = (Vector512.LoadUnsafe(ref column, at + (nuint)width) - m) * s;
                var z2 = (Vector512.LoadUnsafe(ref column, at + (nuint)(2 * width)) - m) * s;
                var z3 = (Vector512.LoadUnsafe(ref column, at + (nuint)(3 * width)) - m) * s;
                q0 = Fma(z0, z0, q0);
                q1 = Fma(z1, z1, q1);
                q2 = Fma(z2, z2, q2);
                q3 = Fma(z3, z3, q3);
            }

            StoreLogDensities(q0, q1, q2, q3, normalizer, logDensities, n);
        }
    }
}
