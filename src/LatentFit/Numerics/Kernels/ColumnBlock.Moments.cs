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
    private ReadOnlySpan<T> Weights<TIn>(in DataBlock rows, ReadOnlySpan<TIn> responsibilitiesIn, int components, Span<T> scratch)
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
    internal void AddMomentsOf<TIn>(in DataBlock rows, ReadOnlySpan<TIn> responsibilities, Span<double> firstMoment, Span<double> scatter)
        where TIn : unmanaged
    {
        int d = Dimension;
        var weights = Weights(in rows, responsibilities, 1, _sum.AsSpan());

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

    /// <summary>
    /// The first moments and the scatter in registers of any width, four columns (a group) at a time: for a whole group,
    /// <see cref="WeightGroup{TLanes, TVector}"/> writes its weighted columns with their first moments and the diagonal
    /// entries (and, where there are 32 registers, the six entries above the diagonal within the group, which
    /// <see cref="GroupTriangle{TLanes, TVector}"/> computes elsewhere), and <see cref="Tile{TLanes, TVector}"/> the
    /// rest of the group's rows.
    /// Before, a separate pass wrote every weighted column (two loads and a store a value) into a D-column buffer, and two
    /// 4×2 tiles covered each group's triangle, 16 multiply-adds for its 10 entries (at D = 16 a sixth of the scatter's
    /// multiply-adds fell below the diagonal). Now each column is loaded and centred once for its weighted values and its
    /// diagonal entry, and the weighted columns live in a four-column scratch that stays in L1 (a float64 block of 256
    /// rows at D = 16 fills 33 KiB with its columns alone). The moment kernels' samples against the unchanged
    /// log-densities' fell from 1.45–1.50 to 1.28–1.29 with the fused pass and to 1.01–1.19 with the scratch as well
    /// at D = 16 in float64 (1.55–1.76 to 1.30–1.33 in float32 with the fused pass), and from 1.10–1.18 to 1.07–1.14
    /// at D = 50 (perf, 256-bit path, Zen 3). The sums of each scatter entry are the same as before; the first
    /// moments of whole groups take one register-width of rows a step instead of four, so their last bits differ.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddMomentsRegisters<TLanes, TVector>(ReadOnlySpan<T> weights, Span<double> firstMoment, Span<double> scatter)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        int d = Dimension, whole = d / 4 * 4;
        if (firstMoment.Length < d || scatter.Length < d * d)
        {
            throw new ArgumentException($"Expected {d} first moments and a {d}×{d} scatter.", nameof(scatter));
        }

        // The sums of each group and tile go into the moments two at a time as float64 pairs, through references
        // checked once above. Entry by entry, with a bounds check and a scalar conversion each (each conversion
        // merging into the register the one before wrote), the adds were most of this method's own samples: 5.3–5.6 %
        // of a float32 fit's iterations at D = 16, where a tile's loop is only 32 steps, against 3.7–4.4 % now (2.3 %
        // against 2.0 % in float64; perf, Zen 3). Each entry gets the same sums, widened the same way.
        ref double first = ref MemoryMarshal.GetReference(firstMoment);
        ref double entries = ref MemoryMarshal.GetReference(scatter);
        Span<T> sums = stackalloc T[8];
        Span<T> triangle = stackalloc T[8];
        for (int i0 = 0; i0 < whole; i0 += 4)
        {
            WeightGroup<TLanes, TVector>(i0, weights, sums, triangle);
            Pairs(sums, out var pair0, out var pair1, out var pair2, out var pair3);
            AddPair(ref first, i0, pair0);
            AddPair(ref first, i0 + 2, pair1);
            ref double diagonal = ref Unsafe.Add(ref entries, i0 * (d + 1));
            diagonal += pair2.ToScalar();
            Unsafe.Add(ref diagonal, d + 1) += pair2.GetElement(1);
            Unsafe.Add(ref diagonal, 2 * (d + 1)) += pair3.ToScalar();
            Unsafe.Add(ref diagonal, 3 * (d + 1)) += pair3.GetElement(1);

            // (0,1), (0,2) | (1,2), (1,3) | (0,3), (2,3): the first two pairs lie side by side in their scatter rows.
            if (!TLanes.ThirtyTwoRegisters)
            {
                GroupTriangle<TLanes, TVector>(i0, triangle);
            }

            Pairs(triangle, out pair0, out pair1, out pair2, out _);
            AddPair(ref diagonal, 1, pair0);
            AddPair(ref diagonal, d + 2, pair1);
            Unsafe.Add(ref diagonal, 3) += pair2.ToScalar();
            Unsafe.Add(ref diagonal, (2 * d) + 3) += pair2.GetElement(1);

            // The rest of the group's rows: pairs of columns from the next group on, up to D only (a pair that
            // starts at D or beyond is all padding, whose sums are never written).
            for (int j0 = i0 + 4; j0 < d; j0 += 2)
            {
                Tile<TLanes, TVector>(j0, sums);
                if (j0 + 1 < d)
                {
                    AddWholeTile(sums, ref Unsafe.Add(ref entries, (i0 * d) + j0));
                }
                else
                {
                    AddTile(i0, j0, sums, scatter);
                }
            }
        }

        if (whole < d)
        {
            // The last group has one to three columns and padding: its weighted columns one at a time, then its
            // triangle by tiles (whose entries below the diagonal and in padding columns are not written).
            WeightColumns<TLanes, TVector>(whole, weights, firstMoment);
            for (int j0 = whole; j0 < d; j0 += 2)
            {
                Tile<TLanes, TVector>(j0, sums);
                AddTile(whole, j0, sums, scatter);
            }
        }
    }

    /// <summary>A tile's entries on or above the diagonal and inside D, added into the scatter one by one.</summary>
    private void AddTile(int i0, int j0, ReadOnlySpan<T> sums, Span<double> scatter)
    {
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

    /// <summary>
    /// The last group's weighted columns wₙ(xₙ − μ), from column <paramref name="first"/> to D − 1, into the group's
    /// slots of the weighted scratch with zeros in the slots after them, and their first moments; four register-widths of
    /// rows at a time (four independent sums), centred on loading (see Centred).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WeightColumns<TLanes, TVector>(int first, ReadOnlySpan<T> weights, Span<double> firstMoment)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        ref T columns = ref _columns.Start;
        ref T weighted = ref _weighted.Start;
        ref T weight = ref MemoryMarshal.GetReference(weights);
        nuint width = (nuint)TLanes.Count;
        for (int i = first; i < Dimension; i++)
        {
            TVector sum0 = TLanes.Zero, sum1 = TLanes.Zero, sum2 = TLanes.Zero, sum3 = TLanes.Zero;
            var shift = TLanes.Broadcast(_shift[i]);
            nuint start = (nuint)(i * _stride), slot = (nuint)((i - first) * _stride);
            for (nuint n = 0; n < (nuint)Rows; n += 4 * width)
            {
                var p0 = TLanes.Multiply(Centred<TLanes, TVector>(ref columns, start + n, shift), TLanes.Load(ref weight, n));
                var p1 = TLanes.Multiply(Centred<TLanes, TVector>(ref columns, start + n + width, shift), TLanes.Load(ref weight, n + width));
                var p2 = TLanes.Multiply(Centred<TLanes, TVector>(ref columns, start + n + (2 * width), shift), TLanes.Load(ref weight, n + (2 * width)));
                var p3 = TLanes.Multiply(Centred<TLanes, TVector>(ref columns, start + n + (3 * width), shift), TLanes.Load(ref weight, n + (3 * width)));
                TLanes.Store(p0, ref weighted, slot + n);
                TLanes.Store(p1, ref weighted, slot + n + width);
                TLanes.Store(p2, ref weighted, slot + n + (2 * width));
                TLanes.Store(p3, ref weighted, slot + n + (3 * width));
                sum0 = TLanes.Add(sum0, p0);
                sum1 = TLanes.Add(sum1, p1);
                sum2 = TLanes.Add(sum2, p2);
                sum3 = TLanes.Add(sum3, p3);
            }

            firstMoment[i] += ToDouble(TLanes.Sum(TLanes.Add(TLanes.Add(sum0, sum1), TLanes.Add(sum2, sum3))));
        }

        // The padding rows of the group's tiles (their sums are never written, but stay exact zeros).
        _weighted.AsSpan((Dimension - first) * _stride, (4 - (Dimension - first)) * _stride).Clear();
    }

    /// <summary>
    /// For the four columns from <paramref name="i0"/>: the weighted columns aₜ = w ∘ (xₜ − μₜ) written for the tiles
    /// that follow, with Σₙ aₜ[n] into sums[0..3] and the diagonal entries Σₙ aₜ[n] (xₜ − μₜ)[n] into sums[4..7],
    /// a register-width of rows at a time. Each column is loaded and centred once for its weighted values and its
    /// diagonal entry; eight sums, four shifts and the weights fit the sixteen registers of x86 without AVX-512.
    /// Where there are 32 registers (AVX-512, NEON) the same pass also puts the six entries above the diagonal within
    /// the group into <paramref name="triangle"/>, as <see cref="GroupTriangle{TLanes, TVector}"/> does (same sums,
    /// same order, same bits): apart, the triangle loaded three weighted columns back and centred three columns again
    /// for its six multiply-adds, and the weighting waited on its stores. At D = 16 on the 512-bit path the two passes
    /// took 10.8 % and 6.8 % of a single-thread E-step's samples for 56 multiply-adds and multiplications a row and
    /// component, where the tiles took 20.2 % for 96; in one pass 14.4–15.7 %, and the E-step 44.3–46.3 → 42.3–43.9 ms
    /// (perf and three alternating runs, Zen 4). Fourteen sums, four shifts, the weight and the three weighted
    /// registers the triangle still needs are 22 registers, more than x86 has without AVX-512: there the triangle
    /// keeps its own pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WeightGroup<TLanes, TVector>(int i0, ReadOnlySpan<T> weights, Span<T> sums, Span<T> triangle)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        int b = Rows, stride = _stride;
        ref T x0 = ref Unsafe.Add(ref _columns.Start, i0 * stride);
        ref T x1 = ref Unsafe.Add(ref x0, stride);
        ref T x2 = ref Unsafe.Add(ref x1, stride);
        ref T x3 = ref Unsafe.Add(ref x2, stride);
        ref T a0 = ref _weighted.Start;
        ref T a1 = ref Unsafe.Add(ref a0, stride);
        ref T a2 = ref Unsafe.Add(ref a1, stride);
        ref T a3 = ref Unsafe.Add(ref a2, stride);
        ref T weight = ref MemoryMarshal.GetReference(weights);
        var shift0 = TLanes.Broadcast(_shift[i0]);
        var shift1 = TLanes.Broadcast(_shift[i0 + 1]);
        var shift2 = TLanes.Broadcast(_shift[i0 + 2]);
        var shift3 = TLanes.Broadcast(_shift[i0 + 3]);
        TVector f0 = TLanes.Zero, f1 = TLanes.Zero, f2 = TLanes.Zero, f3 = TLanes.Zero;
        TVector s0 = TLanes.Zero, s1 = TLanes.Zero, s2 = TLanes.Zero, s3 = TLanes.Zero;
        TVector s01 = TLanes.Zero, s02 = TLanes.Zero, s03 = TLanes.Zero, s12 = TLanes.Zero, s13 = TLanes.Zero, s23 = TLanes.Zero;
        for (nuint n = 0; n < (nuint)b; n += (nuint)TLanes.Count)
        {
            var w = TLanes.Load(ref weight, n);
            var w0 = WeighColumn<TLanes, TVector>(ref x0, ref a0, n, shift0, w, ref f0, ref s0, out _);
            var w1 = WeighColumn<TLanes, TVector>(ref x1, ref a1, n, shift1, w, ref f1, ref s1, out var c1);
            if (TLanes.ThirtyTwoRegisters)
            {
                s01 = TLanes.MultiplyAdd(w0, c1, s01);
            }

            var w2 = WeighColumn<TLanes, TVector>(ref x2, ref a2, n, shift2, w, ref f2, ref s2, out var c2);
            if (TLanes.ThirtyTwoRegisters)
            {
                s02 = TLanes.MultiplyAdd(w0, c2, s02);
                s12 = TLanes.MultiplyAdd(w1, c2, s12);
            }

            WeighColumn<TLanes, TVector>(ref x3, ref a3, n, shift3, w, ref f3, ref s3, out var c3);
            if (TLanes.ThirtyTwoRegisters)
            {
                s03 = TLanes.MultiplyAdd(w0, c3, s03);
                s13 = TLanes.MultiplyAdd(w1, c3, s13);
                s23 = TLanes.MultiplyAdd(w2, c3, s23);
            }
        }

        TLanes.SumEach(f0, f1, f2, f3, s0, s1, s2, s3, sums);
        if (TLanes.ThirtyTwoRegisters)
        {
            TLanes.SumEach(s01, s02, s12, s13, s03, s23, TLanes.Zero, TLanes.Zero, triangle);
        }
    }

    /// <summary>
    /// One column's step of <see cref="WeightGroup{TLanes, TVector}"/>: a register-width of rows at n centred
    /// (<paramref name="centred"/>), weighted (returned), stored into its slot of the scratch, and added to the column's
    /// first moment and diagonal entry (the JIT keeps the sums in registers once this is inlined).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector WeighColumn<TLanes, TVector>(ref T column, ref T slot, nuint n, TVector shift, TVector weight, ref TVector first, ref TVector diagonal, out TVector centred)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        centred = Centred<TLanes, TVector>(ref column, n, shift);
        var a = TLanes.Multiply(centred, weight);
        TLanes.Store(a, ref slot, n);
        first = TLanes.Add(first, a);
        diagonal = TLanes.MultiplyAdd(a, centred, diagonal);
        return a;
    }

    /// <summary>
    /// The six scatter entries above the diagonal among the four columns from <paramref name="i0"/>, from the weighted
    /// columns <see cref="WeightGroup{TLanes, TVector}"/> wrote, into sums[0..5] in the order (0,1), (0,2), (1,2),
    /// (1,3), (0,3), (2,3) (pairs that lie side by side in the scatter first).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GroupTriangle<TLanes, TVector>(int i0, Span<T> sums)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        int b = Rows, stride = _stride;
        ref T x1 = ref Unsafe.Add(ref _columns.Start, (i0 + 1) * stride);
        ref T x2 = ref Unsafe.Add(ref x1, stride);
        ref T x3 = ref Unsafe.Add(ref x2, stride);
        ref T a0 = ref _weighted.Start;
        ref T a1 = ref Unsafe.Add(ref a0, stride);
        ref T a2 = ref Unsafe.Add(ref a1, stride);
        var shift1 = TLanes.Broadcast(_shift[i0 + 1]);
        var shift2 = TLanes.Broadcast(_shift[i0 + 2]);
        var shift3 = TLanes.Broadcast(_shift[i0 + 3]);
        TVector s01 = TLanes.Zero, s02 = TLanes.Zero, s03 = TLanes.Zero, s12 = TLanes.Zero, s13 = TLanes.Zero, s23 = TLanes.Zero;
        for (nuint n = 0; n < (nuint)b; n += (nuint)TLanes.Count)
        {
            var w0 = TLanes.Load(ref a0, n);
            var w1 = TLanes.Load(ref a1, n);
            var c = Centred<TLanes, TVector>(ref x1, n, shift1);
            s01 = TLanes.MultiplyAdd(w0, c, s01);
            c = Centred<TLanes, TVector>(ref x2, n, shift2);
            s02 = TLanes.MultiplyAdd(w0, c, s02);
            s12 = TLanes.MultiplyAdd(w1, c, s12);
            var w2 = TLanes.Load(ref a2, n);
            c = Centred<TLanes, TVector>(ref x3, n, shift3);
            s03 = TLanes.MultiplyAdd(w0, c, s03);
            s13 = TLanes.MultiplyAdd(w1, c, s13);
            s23 = TLanes.MultiplyAdd(w2, c, s23);
        }

        TLanes.SumEach(s01, s02, s12, s13, s03, s23, TLanes.Zero, TLanes.Zero, sums);
    }

    /// <summary>
    /// A tile wholly above the diagonal added into the scatter, pair by pair in float64 vectors: <paramref name="corner"/>
    /// is the tile's first entry, and the tile runs three scatter rows and two entries on from it (the caller checked the
    /// scatter holds them). The entry-by-entry loop, with its tests and scalar conversions (each <c>vcvtss2sd</c> merging
    /// into the register the one before wrote, a false dependency), took half of the moment kernel's own samples in a
    /// float32 fit at D = 50 (perf). Each entry gets the same sum, widened the same way, as in that loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddWholeTile(ReadOnlySpan<T> sums, ref double corner)
    {
        int d = Dimension;
        Pairs(sums, out var pair0, out var pair1, out var pair2, out var pair3);
        AddPair(ref corner, 0, pair0);
        AddPair(ref corner, d, pair1);
        AddPair(ref corner, 2 * d, pair2);
        AddPair(ref corner, 3 * d, pair3);
    }

    /// <summary>The eight sums a kernel wrote as four float64 pairs (float32 sums widened, each exactly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pairs(ReadOnlySpan<T> sums, out Vector128<double> pair0, out Vector128<double> pair1, out Vector128<double> pair2, out Vector128<double> pair3)
    {
        if (sums.Length < 8)
        {
            throw new ArgumentException("Expected eight sums.", nameof(sums));
        }

        ref T sum = ref MemoryMarshal.GetReference(sums);
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
    }

    /// <summary>target[at], target[at + 1] += the pair's two values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddPair(ref double target, int at, Vector128<double> pair)
    {
        ref double entry = ref Unsafe.Add(ref target, at);
        (Vector128.LoadUnsafe(ref entry) + pair).StoreUnsafe(ref entry);
    }

    /// <summary>
    /// Σₙ wₙ cᵢ[n] cⱼ[n] for the four rows i of the current group (their weighted columns in the scratch, see
    /// <see cref="WeightGroup{TLanes, TVector}"/>) and j in j0, j0+1 into <paramref name="sums"/> (row-major 4×2), a
    /// register's width of rows at a time with the eight sums in registers: six loads (four weighted columns, two
    /// centred as they are loaded) feed eight independent fused multiply-adds, and the tile with its loads fits the sixteen registers of x86 without
    /// AVX-512 (the 4×4 tile of the 512-bit kernels spilled there).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile<TLanes, TVector>(int j0, Span<T> sums)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        int b = Rows, stride = _stride;
        ref T weighted = ref _weighted.Start;
        ref T columns = ref _columns.Start;
        var shift0 = TLanes.Broadcast(_shift[j0]);
        var shift1 = TLanes.Broadcast(_shift[j0 + 1]);
        TVector s00 = TLanes.Zero, s01 = TLanes.Zero, s10 = TLanes.Zero, s11 = TLanes.Zero;
        TVector s20 = TLanes.Zero, s21 = TLanes.Zero, s30 = TLanes.Zero, s31 = TLanes.Zero;

        // One reference per column, so that the loop's addresses are base + n with no index arithmetic (the JIT
        // recomputed i·stride + n for each of the six loads).
        ref T b0Column = ref Unsafe.Add(ref columns, j0 * stride);
        ref T b1Column = ref Unsafe.Add(ref b0Column, stride);
        ref T a0Column = ref weighted;
        ref T a1Column = ref Unsafe.Add(ref a0Column, stride);
        ref T a2Column = ref Unsafe.Add(ref a1Column, stride);
        ref T a3Column = ref Unsafe.Add(ref a2Column, stride);
        for (nuint n = 0; n < (nuint)b; n += (nuint)TLanes.Count)
        {
            var b0 = Centred<TLanes, TVector>(ref b0Column, n, shift0);
            var b1 = Centred<TLanes, TVector>(ref b1Column, n, shift1);
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
            // The weights (unless the responsibilities serve as they are), then each component's shift origin − μ in T
            // with zeros for the padding columns.
            int padded = _padded;
            var buffer = ComponentParameters(k * (b + padded));
            var weights = Weights(rows, responsibilities, k, buffer[..(k * b)]);
            var shifts = buffer.Slice(k * b, k * padded);
            ComponentShifts(means, padded, shifts);

            switch (KernelPath.Bits)
            {
                case 512:
                    AddDiagonalMomentsRegisters<Lanes512<T>, Vector512<T>>(weights, shifts, firstMoments, scatter);
                    break;
                case 256:
                    AddDiagonalMomentsRegisters<Lanes256<T>, Vector256<T>>(weights, shifts, firstMoments, scatter);
                    break;
                default:
                    AddDiagonalMomentsRegisters<Lanes128<T>, Vector128<T>>(weights, shifts, firstMoments, scatter);
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
    /// any width; <paramref name="shifts"/> holds each component's shift origin − μ over the padded columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddDiagonalMomentsRegisters<TLanes, TVector>(ReadOnlySpan<T> weights, ReadOnlySpan<T> shifts, Span<double> firstMoments, Span<double> scatter)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
    {
        int b = Rows, width = TLanes.Count, stride = _stride, d = Dimension, padded = _padded, k = shifts.Length / padded;
        int scatterEach = scatter.Length / k;
        ref T columns = ref _columns.Start;
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
                var shift = TLanes.Broadcast(shifts[(j * padded) + c]);
                var nextShift = TLanes.Broadcast(shifts[(j * padded) + c + 1]);
                ref T weight = ref Unsafe.Add(ref allWeights, j * b);
                for (nuint n = 0; n < (nuint)b; n += (nuint)(2 * width))
                {
                    var w0 = TLanes.Load(ref weight, n);
                    var w1 = TLanes.Load(ref weight, n + (nuint)width);
                    var v0 = Centred<TLanes, TVector>(ref column, n, shift);
                    var v1 = Centred<TLanes, TVector>(ref column, n + (nuint)width, shift);
                    var wv0 = TLanes.Multiply(v0, w0);
                    var wv1 = TLanes.Multiply(v1, w1);
                    first0 = TLanes.Add(first0, wv0);
                    first1 = TLanes.Add(first1, wv1);
                    second0 = TLanes.MultiplyAdd(wv0, v0, second0);
                    second1 = TLanes.MultiplyAdd(wv1, v1, second1);
                    var u0 = Centred<TLanes, TVector>(ref next, n, nextShift);
                    var u1 = Centred<TLanes, TVector>(ref next, n + (nuint)width, nextShift);
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
