using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LatentFit.Data;

namespace LatentFit.Numerics.Kernels;

/// <summary>The moment kernels: Σₙ wₙ(xₙ − μ) and the scatter Σₙ wₙ(xₙ − μ)(xₙ − μ)ᵀ (or its diagonal) about given centres.</summary>
internal sealed partial class ColumnBlock<T>
{
    /// <summary>
    /// wₙ = rₙ × the row weight in T for each of <paramref name="components"/> columns of B responsibilities, into
    /// <paramref name="scratch"/>; responsibilities already in T without row weights are used as they are.
    /// </summary>
    private ReadOnlySpan<T> Weights<TIn>(DataBlock rows, ReadOnlySpan<TIn> responsibilitiesIn, int components, Span<T> scratch)
        where TIn : unmanaged
    {
        RequireOutput<TIn>();
        int b = Rows;
        var rowWeights = rows.RowWeights;
        if (rowWeights.IsEmpty && typeof(TIn) == typeof(T))
        {
            return MemoryMarshal.Cast<TIn, T>(responsibilitiesIn)[..(components * b)];
        }

        for (int j = 0; j < components; j++)
        {
            var weights = scratch.Slice(j * b, b);
            var from = responsibilitiesIn.Slice(j * b, b);
            if (typeof(TIn) != typeof(double))
            {
                var own = MemoryMarshal.Cast<TIn, T>(from);
                for (int n = 0; n < b; n++)
                {
                    weights[n] = own[n] * Of(rowWeights[n]);
                }
            }
            else if (typeof(T) == typeof(double))
            {
                TensorPrimitives.Multiply(MemoryMarshal.Cast<TIn, double>(from), rowWeights, MemoryMarshal.Cast<T, double>(weights));
            }
            else if (rowWeights.IsEmpty)
            {
                TensorPrimitives.ConvertTruncating<double, T>(MemoryMarshal.Cast<TIn, double>(from), weights);
            }
            else
            {
                var responsibilities = MemoryMarshal.Cast<TIn, double>(from);
                for (int n = 0; n < b; n++)
                {
                    weights[n] = Of(responsibilities[n] * rowWeights[n]);
                }
            }
        }

        return scratch[..(components * b)];
    }

    /// <summary>See <see cref="ColumnBlock.AddMoments{TIn}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AddMomentsOf<TIn>(DataBlock rows, ReadOnlySpan<TIn> responsibilities, Span<double> firstMoment, Span<double> scatter)
        where TIn : unmanaged
    {
        int d = Dimension;
        var weights = Weights(rows, responsibilities, 1, _sum);

        // wₙ(xₙ − μ) column by column, once: the first moments, and one side of every scatter entry.
        if (UsesRegisterKernels)
        {
            switch (KernelPath.Bits)
            {
                case 512:
                    AddMomentsRegisters<Lanes512<T>, Vector512<T>>(weights, firstMoment, scatter);
                    break;
                case 256:
                    AddMomentsRegisters<Lanes256<T>, Vector256<T>>(weights, firstMoment, scatter);
                    break;
                default:
                    AddMomentsRegisters<Lanes128<T>, Vector128<T>>(weights, firstMoment, scatter);
                    break;
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

    /// <summary>The first moments and the weighted columns, then the scatter tile by tile, in registers of any width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddMomentsRegisters<TLanes, TVector>(ReadOnlySpan<T> weights, Span<double> firstMoment, Span<double> scatter)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        ref T columns = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref T weighted = ref MemoryMarshal.GetArrayDataReference(_weighted);
        ref T weight = ref MemoryMarshal.GetReference(weights);
        nuint width = (nuint)TLanes.Count;
        for (int i = 0; i < Dimension; i++)
        {
            // Four independent sums (the register path has four register-widths of rows at a time), with the
            // centre subtracted on loading (see Centre).
            TVector sum0 = TLanes.Zero, sum1 = TLanes.Zero, sum2 = TLanes.Zero, sum3 = TLanes.Zero;
            var m = TLanes.Broadcast(_centre[i]);
            nuint start = (nuint)(i * _stride);
            for (nuint n = 0; n < (nuint)Rows; n += 4 * width)
            {
                var p0 = TLanes.Multiply(TLanes.Subtract(TLanes.Load(ref columns, start + n), m), TLanes.Load(ref weight, n));
                var p1 = TLanes.Multiply(TLanes.Subtract(TLanes.Load(ref columns, start + n + width), m), TLanes.Load(ref weight, n + width));
                var p2 = TLanes.Multiply(TLanes.Subtract(TLanes.Load(ref columns, start + n + (2 * width)), m), TLanes.Load(ref weight, n + (2 * width)));
                var p3 = TLanes.Multiply(TLanes.Subtract(TLanes.Load(ref columns, start + n + (3 * width)), m), TLanes.Load(ref weight, n + (3 * width)));
                TLanes.Store(p0, ref weighted, start + n);
                TLanes.Store(p1, ref weighted, start + n + width);
                TLanes.Store(p2, ref weighted, start + n + (2 * width));
                TLanes.Store(p3, ref weighted, start + n + (3 * width));
                sum0 = TLanes.Add(sum0, p0);
                sum1 = TLanes.Add(sum1, p1);
                sum2 = TLanes.Add(sum2, p2);
                sum3 = TLanes.Add(sum3, p3);
            }

            firstMoment[i] += ToDouble(TLanes.Sum(TLanes.Add(TLanes.Add(sum0, sum1), TLanes.Add(sum2, sum3))));
        }

        // Column pairs up to D only: a pair that starts at D or beyond is all padding, whose sums are never written
        // (at D = 50 one tile in fourteen).
        Span<T> sums = stackalloc T[8];
        for (int i0 = 0; i0 < _padded; i0 += 4)
        {
            for (int j0 = i0; j0 < Dimension; j0 += 2)
            {
                Tile<TLanes, TVector>(i0, j0, sums);
                if (j0 >= i0 + 3 && j0 + 1 < Dimension)
                {
                    AddWholeTile(sums, scatter.Slice((i0 * Dimension) + j0, (3 * Dimension) + 2));
                    continue;
                }

                for (int t = 0; t < 4; t++)
                {
                    for (int u = 0; u < 2; u++)
                    {
                        if (j0 + u >= i0 + t && j0 + u < Dimension)
                        {
                            scatter[((i0 + t) * Dimension) + j0 + u] += ToDouble(sums[(t * 2) + u]);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A tile wholly above the diagonal added into the scatter, pair by pair in float64 vectors:
    /// <paramref name="corner"/> starts at the tile's first entry and runs three scatter rows and two entries on. The
    /// entry-by-entry loop, with its tests and scalar conversions (each <c>vcvtss2sd</c> merging into the register the
    /// one before wrote, a false dependency), took half of the moment kernel's own samples in a float32 fit at D = 50 (perf).
    /// Each entry gets the same sum, widened the same way, as in that loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddWholeTile(ReadOnlySpan<T> sums, Span<double> corner)
    {
        int d = Dimension;
        ref double row = ref MemoryMarshal.GetReference(corner);
        ref T sum = ref MemoryMarshal.GetReference(sums);
        Vector128<double> pair0, pair1, pair2, pair3;
        if (typeof(T) == typeof(double))
        {
            ref double sumDouble = ref Unsafe.As<T, double>(ref sum);
            pair0 = Vector128.LoadUnsafe(ref sumDouble);
            pair1 = Vector128.LoadUnsafe(ref sumDouble, 2);
            pair2 = Vector128.LoadUnsafe(ref sumDouble, 4);
            pair3 = Vector128.LoadUnsafe(ref sumDouble, 6);
        }
        else
        {
            ref float sumSingle = ref Unsafe.As<T, float>(ref sum);
            (pair0, pair1) = Vector128.Widen(Vector128.LoadUnsafe(ref sumSingle));
            (pair2, pair3) = Vector128.Widen(Vector128.LoadUnsafe(ref sumSingle, 4));
        }

        (Vector128.LoadUnsafe(ref row) + pair0).StoreUnsafe(ref row);
        row = ref Unsafe.Add(ref row, d);
        (Vector128.LoadUnsafe(ref row) + pair1).StoreUnsafe(ref row);
        row = ref Unsafe.Add(ref row, d);
        (Vector128.LoadUnsafe(ref row) + pair2).StoreUnsafe(ref row);
        row = ref Unsafe.Add(ref row, d);
        (Vector128.LoadUnsafe(ref row) + pair3).StoreUnsafe(ref row);
    }

    /// <summary>
    /// Σₙ wₙ cᵢ[n] cⱼ[n] for i in i0..i0+3 and j in j0, j0+1 into <paramref name="sums"/> (row-major 4×2), a register's
    /// width of rows at a time with the eight sums in registers: six loads (four weighted columns, two centred as they
    /// are loaded) feed
    /// eight independent fused multiply-adds, and the tile with its loads fits the sixteen registers of x86 without
    /// AVX-512 (the 4×4 tile of the 512-bit kernels spilled there).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile<TLanes, TVector>(int i0, int j0, Span<T> sums)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        int b = Rows, stride = _stride;
        ref T weighted = ref MemoryMarshal.GetArrayDataReference(_weighted);
        ref T columns = ref MemoryMarshal.GetArrayDataReference(_columns);
        var m0 = TLanes.Broadcast(_centre[j0]);
        var m1 = TLanes.Broadcast(_centre[j0 + 1]);
        TVector s00 = TLanes.Zero, s01 = TLanes.Zero, s10 = TLanes.Zero, s11 = TLanes.Zero;
        TVector s20 = TLanes.Zero, s21 = TLanes.Zero, s30 = TLanes.Zero, s31 = TLanes.Zero;

        // One reference per column, so that the loop's addresses are base + n with no index arithmetic (the JIT
        // recomputed i·stride + n for each of the six loads).
        ref T b0Column = ref Unsafe.Add(ref columns, j0 * stride);
        ref T b1Column = ref Unsafe.Add(ref b0Column, stride);
        ref T a0Column = ref Unsafe.Add(ref weighted, i0 * stride);
        ref T a1Column = ref Unsafe.Add(ref a0Column, stride);
        ref T a2Column = ref Unsafe.Add(ref a1Column, stride);
        ref T a3Column = ref Unsafe.Add(ref a2Column, stride);
        for (nuint n = 0; n < (nuint)b; n += (nuint)TLanes.Count)
        {
            var b0 = TLanes.Subtract(TLanes.Load(ref b0Column, n), m0);
            var b1 = TLanes.Subtract(TLanes.Load(ref b1Column, n), m1);
            var a0 = TLanes.Load(ref a0Column, n);
            s00 = TLanes.MultiplyAdd(a0, b0, s00);
            s01 = TLanes.MultiplyAdd(a0, b1, s01);
            var a1 = TLanes.Load(ref a1Column, n);
            s10 = TLanes.MultiplyAdd(a1, b0, s10);
            s11 = TLanes.MultiplyAdd(a1, b1, s11);
            var a2 = TLanes.Load(ref a2Column, n);
            s20 = TLanes.MultiplyAdd(a2, b0, s20);
            s21 = TLanes.MultiplyAdd(a2, b1, s21);
            var a3 = TLanes.Load(ref a3Column, n);
            s30 = TLanes.MultiplyAdd(a3, b0, s30);
            s31 = TLanes.MultiplyAdd(a3, b1, s31);
        }

        TLanes.SumEach(s00, s01, s10, s11, s20, s21, s30, s31, sums);
    }

    /// <summary>See <see cref="ColumnBlock.AddDiagonalMoments{TIn}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AddDiagonalMomentsOf<TIn>(DataBlock rows, ReadOnlySpan<TIn> responsibilities, ReadOnlySpan<double> means, Span<double> firstMoments, Span<double> scatter)
        where TIn : unmanaged
    {
        int d = Dimension, b = Rows, k = means.Length / d, scatterEach = scatter.Length / k;
        if (UsesRegisterKernels)
        {
            // The weights (unless the responsibilities serve as they are), then each component's centre in T with
            // zeros for the padding columns.
            int padded = _padded;
            var buffer = ComponentParameters(k * (b + padded));
            var weights = Weights(rows, responsibilities, k, buffer[..(k * b)]);
            var centres = buffer.Slice(k * b, k * padded);
            ComponentCentres(means, padded, centres);

            switch (KernelPath.Bits)
            {
                case 512:
                    AddDiagonalMomentsRegisters<Lanes512<T>, Vector512<T>>(weights, centres, firstMoments, scatter);
                    break;
                case 256:
                    AddDiagonalMomentsRegisters<Lanes256<T>, Vector256<T>>(weights, centres, firstMoments, scatter);
                    break;
                default:
                    AddDiagonalMomentsRegisters<Lanes128<T>, Vector128<T>>(weights, centres, firstMoments, scatter);
                    break;
            }

            return;
        }

        var allWeights = Weights(rows, responsibilities, k, ComponentParameters(k * b));
        var weighted = _work.AsSpan(0, b);
        for (int j = 0; j < k; j++)
        {
            Centre(means.Slice(j * d, d));
            var componentWeights = allWeights.Slice(j * b, b);
            for (int c = 0; c < d; c++)
            {
                var column = Column(_centred, c);
                TensorPrimitives.Multiply(column, componentWeights, weighted);
                firstMoments[(j * d) + c] += ToDouble(TensorPrimitives.Sum<T>(weighted));
                scatter[(j * scatterEach) + (scatterEach == 1 ? 0 : c)] += ToDouble(TensorPrimitives.Dot<T>(weighted, column));
            }
        }
    }

    /// <summary>
    /// The diagonal moments of every component with centring fused into one pass over each column, sums in registers of
    /// any width; <paramref name="centres"/> holds each component's centre over the padded columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddDiagonalMomentsRegisters<TLanes, TVector>(ReadOnlySpan<T> weights, ReadOnlySpan<T> centres, Span<double> firstMoments, Span<double> scatter)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        int b = Rows, width = TLanes.Count, stride = _stride, d = Dimension, padded = _padded, k = centres.Length / padded;
        int scatterEach = scatter.Length / k;
        ref T columns = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref T allWeights = ref MemoryMarshal.GetReference(weights);

        // Two columns at a time, each with two independent pairs of sums (one a register-width of rows), so that eight
        // chains of additions run side by side and each weight is loaded once for both columns: with one column at a
        // time the multiply-adds waited on each other, and the kernel alone took 1,315 against 1,083 ns a 256-row block
        // at D = 32 on a Zen 3 (a scratch harness). An odd D's last column pairs with a padding column of zeros (see
        // Load), whose sums are not written. The components are the inner loop, so that the pair of columns stays in
        // L1 for all K. Each column's sums take the rows in the same order as one column and component at a time. The
        // two columns' steps are written out: a helper returning each pair of sums was slower (1M/16/8: 36.0–36.6
        // against 35.1–35.7 ms per iteration).
        for (int c = 0; c < d; c += 2)
        {
            ref T column = ref Unsafe.Add(ref columns, c * stride);
            ref T next = ref Unsafe.Add(ref column, stride);
            for (int j = 0; j < k; j++)
            {
                TVector first0 = TLanes.Zero, first1 = TLanes.Zero, second0 = TLanes.Zero, second1 = TLanes.Zero;
                TVector nextFirst0 = TLanes.Zero, nextFirst1 = TLanes.Zero, nextSecond0 = TLanes.Zero, nextSecond1 = TLanes.Zero;
                var centre = TLanes.Broadcast(centres[(j * padded) + c]);
                var nextCentre = TLanes.Broadcast(centres[(j * padded) + c + 1]);
                ref T weight = ref Unsafe.Add(ref allWeights, j * b);
                for (nuint n = 0; n < (nuint)b; n += (nuint)(2 * width))
                {
                    var w0 = TLanes.Load(ref weight, n);
                    var w1 = TLanes.Load(ref weight, n + (nuint)width);
                    var v0 = TLanes.Subtract(TLanes.Load(ref column, n), centre);
                    var v1 = TLanes.Subtract(TLanes.Load(ref column, n + (nuint)width), centre);
                    var wv0 = TLanes.Multiply(v0, w0);
                    var wv1 = TLanes.Multiply(v1, w1);
                    first0 = TLanes.Add(first0, wv0);
                    first1 = TLanes.Add(first1, wv1);
                    second0 = TLanes.MultiplyAdd(wv0, v0, second0);
                    second1 = TLanes.MultiplyAdd(wv1, v1, second1);
                    var u0 = TLanes.Subtract(TLanes.Load(ref next, n), nextCentre);
                    var u1 = TLanes.Subtract(TLanes.Load(ref next, n + (nuint)width), nextCentre);
                    var wu0 = TLanes.Multiply(u0, w0);
                    var wu1 = TLanes.Multiply(u1, w1);
                    nextFirst0 = TLanes.Add(nextFirst0, wu0);
                    nextFirst1 = TLanes.Add(nextFirst1, wu1);
                    nextSecond0 = TLanes.MultiplyAdd(wu0, u0, nextSecond0);
                    nextSecond1 = TLanes.MultiplyAdd(wu1, u1, nextSecond1);
                }

                int at = j * scatterEach;
                firstMoments[(j * d) + c] += ToDouble(TLanes.Sum(TLanes.Add(first0, first1)));
                scatter[scatterEach == 1 ? at : at + c] += ToDouble(TLanes.Sum(TLanes.Add(second0, second1)));
                if (c + 1 < d)
                {
                    firstMoments[(j * d) + c + 1] += ToDouble(TLanes.Sum(TLanes.Add(nextFirst0, nextFirst1)));
                    scatter[scatterEach == 1 ? at : at + c + 1] += ToDouble(TLanes.Sum(TLanes.Add(nextSecond0, nextSecond1)));
                }
            }
        }
    }
}
