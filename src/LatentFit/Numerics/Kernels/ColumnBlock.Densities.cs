using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LatentFit.Numerics.Kernels;

/// <summary>The log-density kernels: ‖L⁻¹(x − μ)‖² for full and tied covariances, the scaled squares for diagonal and spherical ones.</summary>
internal sealed partial class ColumnBlock<T>
{
    /// <summary>
    /// normalizer − ½ squared into <paramref name="logDensities"/>, from squared terms in T (the SIMD-library path): in
    /// float64, or −½ squared alone when the output is float32 (see <see cref="ColumnBlock.LogDensities{TOut}(ReadOnlySpan{double}, double, Span{TOut})"/>).
    /// </summary>
    private static void FinishLogDensities<TOut>(ReadOnlySpan<T> squared, double normalizer, Span<TOut> logDensities)
        where TOut : unmanaged
    {
        if (typeof(TOut) != typeof(double))
        {
            TensorPrimitives.Multiply(squared, Of(-0.5), MemoryMarshal.Cast<TOut, T>(logDensities)[..squared.Length]);
            return;
        }

        var target = MemoryMarshal.Cast<TOut, double>(logDensities)[..squared.Length];
        if (typeof(T) != typeof(double))
        {
            TensorPrimitives.ConvertTruncating<T, double>(squared, target);
        }

        TensorPrimitives.Multiply(target, -0.5, target);
        TensorPrimitives.Add(target, normalizer, target);
    }

    /// <summary>A B-long buffer for squared terms: the output itself when it is in T, or scratch to be widened after.</summary>
    private Span<T> SquaredBuffer<TOut>(Span<TOut> logDensities)
        where TOut : unmanaged =>
        typeof(TOut) == typeof(T) ? MemoryMarshal.Cast<TOut, T>(logDensities[..Rows]) : _sum.AsSpan(0, Rows);

    /// <summary>Refuses float output from a float64 block: the log-densities are written in float64, or in the block's float32.</summary>
    private static void RequireOutput<TOut>()
        where TOut : unmanaged
    {
        if (typeof(TOut) != typeof(double) && typeof(TOut) != typeof(T))
        {
            throw new ArgumentException($"a {typeof(T).Name} block writes or reads double, or its own {typeof(T).Name}, not {typeof(TOut).Name}");
        }
    }

    /// <summary>normalizer − ½·squared for one register of rows at target[offset..] in float64, or −½·squared alone in float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLogDensities<TLanes, TVector, TOut>(TVector squared, double normalizer, ref TOut target, nuint offset)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where TOut : unmanaged
    {
        if (typeof(TOut) == typeof(double))
        {
            TLanes.StoreLogDensities(squared, normalizer, ref Unsafe.As<TOut, double>(ref target), offset);
        }
        else
        {
            TLanes.Store(TLanes.Multiply(squared, TLanes.Broadcast(Of(-0.5))), ref Unsafe.As<TOut, T>(ref target), offset);
        }
    }

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

    /// <inheritdoc/>
    /// <remarks>
    /// The register kernels centre each column slice as they load it (x − μ in T, the same value a centred copy would
    /// hold; see Centred), so here they only keep the shift origin − μ: a separate pass writing the centred columns was
    /// a sixth of a full-covariance E-step at D = 16 (perf, 512-bit path), all of it loads and stores.
    /// </remarks>
    public override void Centre(ReadOnlySpan<double> mean)
    {
        if (UsesRegisterKernels)
        {
            // The padding columns are zeros, shifted by zero.
            ComponentShifts(mean[..Dimension], _padded, _shift.AsSpan(0, _padded));
            return;
        }

        for (int c = 0; c < Dimension; c++)
        {
            TensorPrimitives.Subtract(Column(_columns, c), Of(mean[c] - _origin[c]), Column(_centred, c));
        }
    }

    /// <summary>See <see cref="ColumnBlock.LogDensities{TOut}(ReadOnlySpan{double}, double, Span{TOut})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void LogDensitiesOf<TOut>(ReadOnlySpan<double> inverseFactor, double normalizer, Span<TOut> logDensities)
        where TOut : unmanaged =>
        LogDensitiesWith(InPrecision(inverseFactor[..(Dimension * Dimension)]), normalizer, logDensities);

    /// <summary>The same with L⁻¹ already in T (see <see cref="ColumnBlock.LogDensities{TOut}(ReadOnlySpan{float}, double, Span{TOut})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void LogDensitiesWith<TOut>(ReadOnlySpan<T> factor, double normalizer, Span<TOut> logDensities)
        where TOut : unmanaged
    {
        RequireOutput<TOut>();
        factor = factor[..(Dimension * Dimension)];
        if (UsesRegisterKernels)
        {
            switch (KernelPath.Bits)
            {
                case 512:
                    LogDensitiesRegisters<Lanes512<T>, Vector512<T>, TOut>(factor, normalizer, logDensities);
                    break;
                case 256:
                    LogDensitiesRegisters<Lanes256<T>, Vector256<T>, TOut>(factor, normalizer, logDensities);
                    break;
                default:
                    LogDensitiesRegisters<Lanes128<T>, Vector128<T>, TOut>(factor, normalizer, logDensities);
                    break;
            }

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
    /// The same from registers, at any vector width: four rows of L⁻¹ against two register-widths of rows at a time,
    /// so that each step loads and centres two column slices and broadcasts four entries of L⁻¹ for eight independent fused
    /// multiply-adds (enough chains to hide the multiply-add latency on two pipes), and zᵢ and ‖z‖² never leave the
    /// registers. Eight accumulators, two sums, two slices and a broadcast fit the sixteen registers of x86 without
    /// AVX-512 (a 4×4 tile spilled there); each row's sums run in the same order as in the straightforward loop.
    /// Where there are 32 registers (AVX-512, NEON) the four rows of L⁻¹ go against four register-widths of rows
    /// instead, the second pair of widths taking the same broadcasts: a broadcast and the shift's serve sixteen
    /// multiply-adds instead of eight, and a 288-row block took 1,515–1,642 ns at D = 16 against 1,811–1,907 with two
    /// widths (5,641 against 6,854 at D = 32, 14,169–15,155 against 17,362–17,763 at D = 50; 512-bit path, Zen 4, a
    /// scratch harness; docs/benchmarks.md).
    /// The JIT keeps one copy of each broadcast for both pairs (it loads nothing the loop stores).
    /// When D ≥ 4 is no multiple of four, the last group's missing rows of L⁻¹ read zeros (and the padding columns are zeros,
    /// see Load), so that they add exact zeros: with those rows one at a time instead (two chains of multiply-adds, each
    /// waiting on the one before), D = 50 took 19,040 ns a 248-row block against 18,350 for D = 52 (a scratch harness).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LogDensitiesRegisters<TLanes, TVector, TOut>(ReadOnlySpan<T> inverseFactor, double normalizer, Span<TOut> logDensities)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where TOut : unmanaged
    {
        int d = Dimension, b = Rows, width = TLanes.Count, stride = _stride;
        nint step = stride;
        ref T columns = ref _columns.Start;
        ref T shift = ref MemoryMarshal.GetArrayDataReference(_shift);
        ref T factor = ref MemoryMarshal.GetReference(inverseFactor);
        ref T zeros = ref MemoryMarshal.GetArrayDataReference(_zeros);
        ref TOut target = ref MemoryMarshal.GetReference(logDensities);
        // Below D = 4 the rows of L⁻¹ go one at a time (below): a group with zero rows did more work than it saved
        // (1M/2/3: 8.4–8.9 against 7.7–8.3 ms per iteration).
        int grouped = d < 4 ? 0 : d;
        // Four widths of rows a step with 32 registers, else two; a block's rows are a multiple of four widths (Load).
        bool four = TLanes.ThirtyTwoRegisters;
        nuint far = (nuint)(2 * width);
        for (int n = 0; n < b; n += (four ? 4 : 2) * width)
        {
            TVector q0 = TLanes.Zero, q1 = TLanes.Zero, q2 = TLanes.Zero, q3 = TLanes.Zero;
            for (int i0 = 0; i0 < grouped; i0 += 4)
            {
                // z[row of L⁻¹][register of rows]
                TVector z00 = TLanes.Zero, z01 = TLanes.Zero, z10 = TLanes.Zero, z11 = TLanes.Zero;
                TVector z20 = TLanes.Zero, z21 = TLanes.Zero, z30 = TLanes.Zero, z31 = TLanes.Zero;
                TVector z02 = TLanes.Zero, z03 = TLanes.Zero, z12 = TLanes.Zero, z13 = TLanes.Zero;
                TVector z22 = TLanes.Zero, z23 = TLanes.Zero, z32 = TLanes.Zero, z33 = TLanes.Zero;

                // References to the four rows of L⁻¹ (zeros beyond row D − 1) and to the rows' slice of column j,
                // advanced by the stride, so that the loop's addresses need no index arithmetic (the JIT recomputed
                // and sign-extended each).
                ref T row0 = ref Unsafe.Add(ref factor, i0 * d);
                ref T row1 = ref i0 + 1 < d ? ref Unsafe.Add(ref row0, d) : ref zeros;
                ref T row2 = ref i0 + 2 < d ? ref Unsafe.Add(ref row1, d) : ref zeros;
                ref T row3 = ref i0 + 3 < d ? ref Unsafe.Add(ref row2, d) : ref zeros;
                ref T slice = ref Unsafe.Add(ref columns, n);
                // Columns 0..i0 two at a time, then the last (a group has i0 + 1 of them, an odd number): a step of two
                // widths is 8 multiply-adds among some 20 instructions, 4 of them the loop's own (index, compare, branch, address),
                // and fewer instructions, not fewer multiply-adds, made it faster. With the corner's addresses taken
                // from the slice as well (no multiplication, no spilled stride), the log-densities' samples against the
                // other kernels' fell from 0.66–0.70 to 0.61–0.62 (perf, full D = 16, float64, 256-bit path, Zen 3).
                nuint last = (nuint)i0, j = 0;
                for (; j < last; j += 2)
                {
                    AddColumns<TLanes, TVector>(
                        four, ref slice, far, ref shift, ref row0, ref row1, ref row2, ref row3, j,
                        ref z00, ref z01, ref z10, ref z11, ref z20, ref z21, ref z30, ref z31,
                        ref z02, ref z03, ref z12, ref z13, ref z22, ref z23, ref z32, ref z33);
                    AddColumns<TLanes, TVector>(
                        four, ref Unsafe.Add(ref slice, step), far, ref shift, ref row0, ref row1, ref row2, ref row3, j + 1,
                        ref z00, ref z01, ref z10, ref z11, ref z20, ref z21, ref z30, ref z31,
                        ref z02, ref z03, ref z12, ref z13, ref z22, ref z23, ref z32, ref z33);
                    slice = ref Unsafe.Add(ref slice, 2 * step);
                }

                AddColumns<TLanes, TVector>(
                    four, ref slice, far, ref shift, ref row0, ref row1, ref row2, ref row3, j,
                    ref z00, ref z01, ref z10, ref z11, ref z20, ref z21, ref z30, ref z31,
                    ref z02, ref z03, ref z12, ref z13, ref z22, ref z23, ref z32, ref z33);
                slice = ref Unsafe.Add(ref slice, step);

                // The triangle's corner (the slice is now at column i0 + 1).
                AddCorner<TLanes, TVector>(ref slice, step, ref shift, ref row1, ref row2, ref row3, i0, ref z10, ref z11, ref z20, ref z21, ref z30, ref z31);
                q0 = AddSquares<TLanes, TVector>(z00, z10, z20, z30, q0);
                q1 = AddSquares<TLanes, TVector>(z01, z11, z21, z31, q1);
                if (four)
                {
                    AddCorner<TLanes, TVector>(ref Unsafe.Add(ref slice, far), step, ref shift, ref row1, ref row2, ref row3, i0, ref z12, ref z13, ref z22, ref z23, ref z32, ref z33);
                    q2 = AddSquares<TLanes, TVector>(z02, z12, z22, z32, q2);
                    q3 = AddSquares<TLanes, TVector>(z03, z13, z23, z33, q3);
                }
            }

            for (int i = grouped; i < d; i++)
            {
                // Below D = 4 (no groups), a row of L⁻¹ at a time, two widths at a time.
                AddRowAlone<TLanes, TVector>(ref columns, stride, (nuint)n, ref Unsafe.Add(ref factor, i * d), ref shift, i, ref q0, ref q1);
                if (four)
                {
                    AddRowAlone<TLanes, TVector>(ref columns, stride, (nuint)n + far, ref Unsafe.Add(ref factor, i * d), ref shift, i, ref q2, ref q3);
                }
            }

            StoreLogDensities<TLanes, TVector, TOut>(q0, normalizer, ref target, (nuint)n);
            StoreLogDensities<TLanes, TVector, TOut>(q1, normalizer, ref target, (nuint)(n + width));
            if (four)
            {
                StoreLogDensities<TLanes, TVector, TOut>(q2, normalizer, ref target, (nuint)n + far);
                StoreLogDensities<TLanes, TVector, TOut>(q3, normalizer, ref target, (nuint)n + far + (nuint)width);
            }
        }
    }

    /// <summary>
    /// The triangle's corner of a group of four rows of L⁻¹ (rows i0..i0+3), for two register-widths of rows from
    /// <paramref name="corner"/> (column i0 + 1's slice): column i0+1 reaches rows i0+1..i0+3, i0+2 the last two, i0+3
    /// the last. Written out: as a loop over the three columns with a test per row, the JIT kept the loop and its
    /// tests, and the corner took a quarter of the kernel's samples at D = 16 for a sixth of its multiply-adds (perf).
    /// Each row's sums take the columns in the same order as a loop over them would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddCorner<TLanes, TVector>(ref T corner, nint step, ref T shift, ref T row1, ref T row2, ref T row3, int i0, ref TVector z10, ref TVector z11, ref TVector z20, ref TVector z21, ref TVector z30, ref TVector z31)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        var (centred0, centred1) = CentredPair<TLanes, TVector>(ref corner, ref Unsafe.Add(ref shift, i0 + 1));
        AddProducts<TLanes, TVector>(centred0, centred1, Unsafe.Add(ref row1, i0 + 1), ref z10, ref z11);
        AddProducts<TLanes, TVector>(centred0, centred1, Unsafe.Add(ref row2, i0 + 1), ref z20, ref z21);
        AddProducts<TLanes, TVector>(centred0, centred1, Unsafe.Add(ref row3, i0 + 1), ref z30, ref z31);
        corner = ref Unsafe.Add(ref corner, step);
        (centred0, centred1) = CentredPair<TLanes, TVector>(ref corner, ref Unsafe.Add(ref shift, i0 + 2));
        AddProducts<TLanes, TVector>(centred0, centred1, Unsafe.Add(ref row2, i0 + 2), ref z20, ref z21);
        AddProducts<TLanes, TVector>(centred0, centred1, Unsafe.Add(ref row3, i0 + 2), ref z30, ref z31);
        corner = ref Unsafe.Add(ref corner, step);
        (centred0, centred1) = CentredPair<TLanes, TVector>(ref corner, ref Unsafe.Add(ref shift, i0 + 3));
        AddProducts<TLanes, TVector>(centred0, centred1, Unsafe.Add(ref row3, i0 + 3), ref z30, ref z31);
    }

    /// <summary>Two register-widths of a column from <paramref name="slice"/>, centred as they are loaded (see Centred).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector First, TVector Second) CentredPair<TLanes, TVector>(ref T slice, ref T shift)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        var m = TLanes.Broadcast(shift);
        return (Centred<TLanes, TVector>(ref slice, 0, m), Centred<TLanes, TVector>(ref slice, (nuint)TLanes.Count, m));
    }

    /// <summary>z₀ += c₀·entry, z₁ += c₁·entry: one entry of L⁻¹ against two register-widths of its column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddProducts<TLanes, TVector>(TVector c0, TVector c1, T entry, ref TVector z0, ref TVector z1)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        var f = TLanes.Broadcast(entry);
        z0 = TLanes.MultiplyAdd(c0, f, z0);
        z1 = TLanes.MultiplyAdd(c1, f, z1);
    }

    /// <summary>q + z₀² + z₁² + z₂² + z₃², in that order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector AddSquares<TLanes, TVector>(TVector z0, TVector z1, TVector z2, TVector z3, TVector q)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        q = TLanes.MultiplyAdd(z0, z0, q);
        q = TLanes.MultiplyAdd(z1, z1, q);
        q = TLanes.MultiplyAdd(z2, z2, q);
        return TLanes.MultiplyAdd(z3, z3, q);
    }

    /// <summary>zᵢ² added to the sums of two register-widths of rows from column offset <paramref name="at"/>, for row i of L⁻¹ alone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRowAlone<TLanes, TVector>(ref T columns, int stride, nuint at, ref T row, ref T shift, int i, ref TVector q0, ref TVector q1)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        nuint width = (nuint)TLanes.Count;
        var f = TLanes.Broadcast(row);
        var m = TLanes.Broadcast(shift);
        var z0 = TLanes.Multiply(Centred<TLanes, TVector>(ref columns, at, m), f);
        var z1 = TLanes.Multiply(Centred<TLanes, TVector>(ref columns, at + width, m), f);
        for (int j = 1; j <= i; j++)
        {
            nuint offset = (nuint)(j * stride) + at;
            f = TLanes.Broadcast(Unsafe.Add(ref row, j));
            m = TLanes.Broadcast(Unsafe.Add(ref shift, j));
            z0 = TLanes.MultiplyAdd(Centred<TLanes, TVector>(ref columns, offset, m), f, z0);
            z1 = TLanes.MultiplyAdd(Centred<TLanes, TVector>(ref columns, offset + width, m), f, z1);
        }

        q0 = TLanes.MultiplyAdd(z0, z0, q0);
        q1 = TLanes.MultiplyAdd(z1, z1, q1);
    }

    /// <summary>
    /// <see cref="AddColumn"/> of column j for the first two register-widths of rows from <paramref name="slice"/>, and
    /// with <paramref name="four"/> for the next two, <paramref name="far"/> values on, with the same entries (the
    /// entries' addresses formed here: passed in as references, each took an instruction of its own in the loop).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddColumns<TLanes, TVector>(bool four, ref T slice, nuint far, ref T shift, ref T row0, ref T row1, ref T row2, ref T row3, nuint j, ref TVector z00, ref TVector z01, ref TVector z10, ref TVector z11, ref TVector z20, ref TVector z21, ref TVector z30, ref TVector z31, ref TVector z02, ref TVector z03, ref TVector z12, ref TVector z13, ref TVector z22, ref TVector z23, ref TVector z32, ref TVector z33)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        AddColumn<TLanes, TVector>(ref slice, ref Unsafe.Add(ref shift, j), ref Unsafe.Add(ref row0, j), ref Unsafe.Add(ref row1, j), ref Unsafe.Add(ref row2, j), ref Unsafe.Add(ref row3, j), ref z00, ref z01, ref z10, ref z11, ref z20, ref z21, ref z30, ref z31);
        if (four)
        {
            AddColumn<TLanes, TVector>(ref Unsafe.Add(ref slice, far), ref Unsafe.Add(ref shift, j), ref Unsafe.Add(ref row0, j), ref Unsafe.Add(ref row1, j), ref Unsafe.Add(ref row2, j), ref Unsafe.Add(ref row3, j), ref z02, ref z03, ref z12, ref z13, ref z22, ref z23, ref z32, ref z33);
        }
    }

    /// <summary>
    /// One step of a group of four rows of L⁻¹: column j's slice of two register-widths of rows, centred as it is loaded, times
    /// the four rows' entries in column j, added to their sums (the JIT keeps the sums in registers once this is inlined).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddColumn<TLanes, TVector>(ref T slice, ref T shift, ref T entry0, ref T entry1, ref T entry2, ref T entry3, ref TVector z00, ref TVector z01, ref TVector z10, ref TVector z11, ref TVector z20, ref TVector z21, ref TVector z30, ref TVector z31)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        var (c0, c1) = CentredPair<TLanes, TVector>(ref slice, ref shift);
        AddProducts<TLanes, TVector>(c0, c1, entry0, ref z00, ref z01);
        AddProducts<TLanes, TVector>(c0, c1, entry1, ref z10, ref z11);
        AddProducts<TLanes, TVector>(c0, c1, entry2, ref z20, ref z21);
        AddProducts<TLanes, TVector>(c0, c1, entry3, ref z30, ref z31);
    }

    /// <summary>See <see cref="ColumnBlock.DiagonalLogDensities{TOut}(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{TOut})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void DiagonalLogDensitiesOf<TOut>(ReadOnlySpan<double> means, ReadOnlySpan<double> inverseScales, ReadOnlySpan<double> normalizers, Span<TOut> logDensities)
        where TOut : unmanaged
    {
        RequireOutput<TOut>();
        int k = normalizers.Length, d = Dimension, b = Rows, scalesEach = inverseScales.Length / k;
        if (UsesRegisterKernels)
        {
            // Each component's shift (origin − μ) and scales in T, side by side.
            var parameters = ComponentParameters(2 * k * d);
            ComponentShifts(means, d, parameters[..(k * d)]);
            var scales = parameters.Slice(k * d, k * d);
            if (scalesEach == 1)
            {
                for (int j = 0; j < k; j++)
                {
                    scales.Slice(j * d, d).Fill(Of(inverseScales[j]));
                }
            }
            else if (typeof(T) == typeof(double))
            {
                inverseScales.CopyTo(MemoryMarshal.Cast<T, double>(scales));
            }
            else
            {
                TensorPrimitives.ConvertTruncating(inverseScales, scales);
            }

            switch (KernelPath.Bits)
            {
                case 512:
                    DiagonalLogDensitiesRegisters<Lanes512<T>, Vector512<T>, TOut>(parameters, normalizers, logDensities);
                    break;
                case 256:
                    DiagonalLogDensitiesRegisters<Lanes256<T>, Vector256<T>, TOut>(parameters, normalizers, logDensities);
                    break;
                default:
                    DiagonalLogDensitiesRegisters<Lanes128<T>, Vector128<T>, TOut>(parameters, normalizers, logDensities);
                    break;
            }

            return;
        }

        var z = _work.AsSpan(0, b);
        for (int j = 0; j < k; j++)
        {
            Centre(means.Slice(j * d, d));
            var target = logDensities.Slice(j * b, b);
            var squared = SquaredBuffer(target);
            squared.Clear();
            for (int c = 0; c < d; c++)
            {
                TensorPrimitives.Multiply(Column(_centred, c), Of(inverseScales[(j * scalesEach) + (scalesEach == 1 ? 0 : c)]), z);
                TensorPrimitives.MultiplyAdd(z, z, squared, squared);
            }

            FinishLogDensities(squared, normalizers[j], target);
        }
    }

    /// <summary>
    /// The diagonal log-densities of every component with centring, scaling and squaring fused in one pass over each
    /// column, in registers of any width; <paramref name="parameters"/> holds the K shifts (origin − μ), then the K scales.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DiagonalLogDensitiesRegisters<TLanes, TVector, TOut>(ReadOnlySpan<T> parameters, ReadOnlySpan<double> normalizers, Span<TOut> logDensities)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where TOut : unmanaged
    {
        int b = Rows, width = TLanes.Count, stride = _stride, d = Dimension, k = normalizers.Length;

        // Eight register-widths of rows at a time: eight independent sums, and each coordinate's shift and scale
        // broadcast once for all eight. With four (one multiply-add chain a width, each step waiting on the one before)
        // the kernel alone took 1,036 against 931 ns a 256-row block at D = 32 on a Zen 3 (a scratch harness). B is a
        // multiple of four widths (see Load): where eight do not fit, the second half takes the first half's rows again
        // and stores the same values.
        // The components are the inner loop, so that the eight widths' slice of every column (8 KiB at D = 32 on the
        // 256-bit path) stays in L1 for all K instead of the whole block (64 KiB) streaming from L2 once per component:
        // 9,433–9,597 against 8,112–8,407 ns for K = 10 in the same harness.
        ref T column = ref _columns.Start;
        ref T shifts = ref MemoryMarshal.GetReference(parameters);
        ref T scales = ref Unsafe.Add(ref shifts, k * d);
        ref TOut target = ref MemoryMarshal.GetReference(logDensities);
        nuint step = (nuint)stride;
        for (int n = 0; n < b; n += 8 * width)
        {
            nuint second = n + (8 * width) <= b ? (nuint)(4 * width) : 0;
            for (int j = 0; j < k; j++)
            {
                TVector q0 = TLanes.Zero, q1 = TLanes.Zero, q2 = TLanes.Zero, q3 = TLanes.Zero;
                TVector q4 = TLanes.Zero, q5 = TLanes.Zero, q6 = TLanes.Zero, q7 = TLanes.Zero;
                // Column c's slice at an offset stepped by the stride (a reference stepped past the last column would
                // point beyond the array, where a garbage collection must never find one).
                nuint offset = (nuint)n;
                ref T shift = ref Unsafe.Add(ref shifts, j * d);
                ref T scale = ref Unsafe.Add(ref scales, j * d);
                for (nuint c = 0; c < (nuint)d; c++)
                {
                    ref T slice = ref Unsafe.Add(ref column, offset);
                    var m = TLanes.Broadcast(Unsafe.Add(ref shift, c));
                    var s = TLanes.Broadcast(Unsafe.Add(ref scale, c));
                    q0 = AddScaledSquare<TLanes, TVector>(ref slice, 0, m, s, q0);
                    q1 = AddScaledSquare<TLanes, TVector>(ref slice, (nuint)width, m, s, q1);
                    q2 = AddScaledSquare<TLanes, TVector>(ref slice, (nuint)(2 * width), m, s, q2);
                    q3 = AddScaledSquare<TLanes, TVector>(ref slice, (nuint)(3 * width), m, s, q3);
                    q4 = AddScaledSquare<TLanes, TVector>(ref slice, second, m, s, q4);
                    q5 = AddScaledSquare<TLanes, TVector>(ref slice, second + (nuint)width, m, s, q5);
                    q6 = AddScaledSquare<TLanes, TVector>(ref slice, second + (nuint)(2 * width), m, s, q6);
                    q7 = AddScaledSquare<TLanes, TVector>(ref slice, second + (nuint)(3 * width), m, s, q7);
                    offset += step;
                }

                double normalizer = normalizers[j];
                nuint at = (nuint)((j * b) + n);
                StoreLogDensities<TLanes, TVector, TOut>(q0, normalizer, ref target, at);
                StoreLogDensities<TLanes, TVector, TOut>(q1, normalizer, ref target, at + (nuint)width);
                StoreLogDensities<TLanes, TVector, TOut>(q2, normalizer, ref target, at + (nuint)(2 * width));
                StoreLogDensities<TLanes, TVector, TOut>(q3, normalizer, ref target, at + (nuint)(3 * width));
                StoreLogDensities<TLanes, TVector, TOut>(q4, normalizer, ref target, at + second);
                StoreLogDensities<TLanes, TVector, TOut>(q5, normalizer, ref target, at + second + (nuint)width);
                StoreLogDensities<TLanes, TVector, TOut>(q6, normalizer, ref target, at + second + (nuint)(2 * width));
                StoreLogDensities<TLanes, TVector, TOut>(q7, normalizer, ref target, at + second + (nuint)(3 * width));
            }
        }
    }

    /// <summary>q + ((x − μ)·s)² for the register of rows at slice[offset..], from the shift m = origin − μ (see Centred).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector AddScaledSquare<TLanes, TVector>(ref T slice, nuint offset, TVector m, TVector s, TVector q)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        var z = TLanes.Multiply(Centred<TLanes, TVector>(ref slice, offset, m), s);
        return TLanes.MultiplyAdd(z, z, q);
    }
}
