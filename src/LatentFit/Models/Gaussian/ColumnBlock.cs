using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LatentFit.Data;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// A block of rows held column by column (D columns of B values), with the E-step kernels that run over it; the
/// parameters come in and the results go out in float64, whatever precision the block computes in.
/// </summary>
internal abstract class ColumnBlock : IDisposable
{
    /// <summary>
    /// Buffers for blocks of up to <paramref name="capacityRows"/> rows of D columns in <paramref name="precision"/>:
    /// float64, or float32 for <see cref="Precision.Single"/> data. One serves every block of a chunk (see <see cref="Load"/>).
    /// </summary>
    public static ColumnBlock Create(int capacityRows, int dimension, Precision precision) =>
        precision == Precision.Single ? new ColumnBlock<float>(capacityRows, dimension) : new ColumnBlock<double>(capacityRows, dimension);

    /// <summary>Buffers for one block, with the block loaded.</summary>
    public static ColumnBlock Create(DataBlock rows)
    {
        var block = Create(rows.Rows, rows.Dimension, rows.Precision);
        block.Load(rows);
        return block;
    }

    /// <summary>Transposes the block's rows (at most the capacity, in the buffers' precision) into the columns.</summary>
    public abstract void Load(DataBlock rows);

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
    private readonly T[] _weighted;
    private readonly T[] _work;
    private readonly T[] _sum;
    private readonly T[] _parameters;
    private readonly double[] _origin;
    private readonly int _capacity;
    private int _stride;
    private int _padded;
    private bool _registers512;
    private int _rows;

    /// <summary>Rents buffers for blocks of up to <paramref name="capacityRows"/> rows.</summary>
    public ColumnBlock(int capacityRows, int dimension)
    {
        _capacity = capacityRows;
        Dimension = dimension;

        // The widest layout any block up to the capacity can take (the stride never shrinks as rows grow).
        int stride = Stride(capacityRows), padded = (dimension + 3) / 4 * 4;
        _columns = ArrayPool<T>.Shared.Rent(stride * dimension);
        _centred = ArrayPool<T>.Shared.Rent(stride * padded);
        _weighted = ArrayPool<T>.Shared.Rent(stride * padded);
        _work = ArrayPool<T>.Shared.Rent(capacityRows);
        _sum = ArrayPool<T>.Shared.Rent(capacityRows);
        _parameters = ArrayPool<T>.Shared.Rent(dimension * dimension);
        _origin = ArrayPool<double>.Shared.Rent(dimension);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Load(DataBlock rows)
    {
        if (rows.Rows > _capacity || rows.Dimension != Dimension)
        {
            throw new ArgumentException($"a block of {rows.Rows}×{rows.Dimension} does not fit buffers of {_capacity}×{Dimension}", nameof(rows));
        }

        _rows = rows.Rows;
        _stride = Stride(Rows);
        _registers512 = Vector512.IsHardwareAccelerated && Rows % (4 * Width) == 0;

        // The scatter tiles take four columns at a time; the register path pads D to a multiple of four with
        // columns of zeros (whose sums are never written) instead of finishing the edge with short calls.
        _padded = _registers512 ? (Dimension + 3) / 4 * 4 : Dimension;
        _centred.AsSpan(_stride * Dimension, _stride * (_padded - Dimension)).Clear();
        _weighted.AsSpan(_stride * Dimension, _stride * (_padded - Dimension)).Clear();
        _origin.AsSpan(0, Dimension).Clear();
        rows.Origin.CopyTo(_origin);
        ReadOnlySpan<T> values = typeof(T) == typeof(double) && rows.Precision == Precision.Double
            ? MemoryMarshal.Cast<double, T>(rows.Values)
            : typeof(T) == typeof(float) && rows.Precision == Precision.Single
                ? MemoryMarshal.Cast<float, T>(rows.SingleValues)
                : throw new ArgumentException($"a {typeof(T).Name} block cannot hold {rows.Precision}-precision rows", nameof(rows));
        int transposed = 0;
        if (typeof(T) == typeof(double) && Avx512F.IsSupported && Rows % 8 == 0)
        {
            transposed = TransposeDouble(MemoryMarshal.Cast<T, double>(values), MemoryMarshal.Cast<T, double>(_columns.AsSpan()));
        }
        else if (typeof(T) == typeof(float) && Avx512F.IsSupported && Rows % 16 == 0 && Dimension % 2 == 0)
        {
            transposed = TransposeSingle(MemoryMarshal.Cast<T, float>(values), MemoryMarshal.Cast<T, float>(_columns.AsSpan()));
        }

        for (int n = 0; n < Rows; n++)
        {
            for (int c = transposed; c < Dimension; c++)
            {
                _columns[c * _stride + n] = values[n * Dimension + c];
            }
        }
    }

    /// <summary>
    /// Rows into columns eight by eight with AVX-512 permutes instead of one scalar load and store per value; returns
    /// how many leading columns it did (whole groups of eight), the rest being left to the scalar loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int TransposeDouble(ReadOnlySpan<double> values, Span<double> columns)
    {
        int d = Dimension, groups = d / 8;
        ref double source = ref MemoryMarshal.GetReference(values);
        ref double target = ref MemoryMarshal.GetReference(columns);
        nuint column = (nuint)_stride;
        for (int g = 0; g < groups; g++)
        {
            int c = g * 8;
            for (int n = 0; n < Rows; n += 8)
            {
                Transpose8x8(ref source, (nuint)((n * d) + c), (nuint)d, out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
                nuint to = (nuint)((c * _stride) + n);
                c0.StoreUnsafe(ref target, to);
                c1.StoreUnsafe(ref target, to + column);
                c2.StoreUnsafe(ref target, to + (2 * column));
                c3.StoreUnsafe(ref target, to + (3 * column));
                c4.StoreUnsafe(ref target, to + (4 * column));
                c5.StoreUnsafe(ref target, to + (5 * column));
                c6.StoreUnsafe(ref target, to + (6 * column));
                c7.StoreUnsafe(ref target, to + (7 * column));
            }
        }

        return groups * 8;
    }

    /// <summary>
    /// The same for float32, sixteen by sixteen: each pair of adjacent floats moves as one float64 through two 8×8
    /// transpositions (rows n..n+7 and n+8..n+15), and one two-source permute per column then takes the even or odd
    /// floats of both halves. Needs an even D, so that every row starts on a whole pair.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int TransposeSingle(ReadOnlySpan<float> values, Span<float> columns)
    {
        int d = Dimension, groups = d / 16;
        ref double source = ref Unsafe.As<float, double>(ref MemoryMarshal.GetReference(values));
        ref float target = ref MemoryMarshal.GetReference(columns);
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = even + Vector512<int>.One;
        nuint column = (nuint)_stride;
        Span<Vector512<double>> halves = stackalloc Vector512<double>[16];
        for (int g = 0; g < groups; g++)
        {
            int c = g * 16;
            for (int n = 0; n < Rows; n += 16)
            {
                // In units of float64 pairs: a row is d/2 pairs long and the group starts c/2 pairs in.
                nuint at = (nuint)(((n * d) + c) / 2), step = (nuint)(d / 2);
                Transpose8x8(ref source, at, step, out halves[0], out halves[1], out halves[2], out halves[3], out halves[4], out halves[5], out halves[6], out halves[7]);
                Transpose8x8(ref source, at + (8 * step), step, out halves[8], out halves[9], out halves[10], out halves[11], out halves[12], out halves[13], out halves[14], out halves[15]);
                nuint to = (nuint)((c * _stride) + n);
                for (int pair = 0; pair < 8; pair++)
                {
                    var upper = halves[pair].AsSingle();
                    var lower = halves[pair + 8].AsSingle();
                    Avx512F.PermuteVar16x32x2(upper, even, lower).StoreUnsafe(ref target, to + ((nuint)(2 * pair) * column));
                    Avx512F.PermuteVar16x32x2(upper, odd, lower).StoreUnsafe(ref target, to + ((nuint)((2 * pair) + 1) * column));
                }
            }
        }

        return groups * 16;
    }

    /// <summary>
    /// The eight horizontal sums (Σ of the lanes of each of a..h) as one vector, by a reduction tree: adjacent lanes
    /// of pairs, then 128-bit lanes of pairs of those, then 256-bit halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> SumEach(
        Vector512<double> a,
        Vector512<double> b,
        Vector512<double> c,
        Vector512<double> d,
        Vector512<double> e,
        Vector512<double> f,
        Vector512<double> g,
        Vector512<double> h)
    {
        // (a0+a1, b0+b1, a2+a3, b2+b3, …): each 128-bit lane holds one partial sum of each of the pair.
        var ab = Avx512F.UnpackLow(a, b) + Avx512F.UnpackHigh(a, b);
        var cd = Avx512F.UnpackLow(c, d) + Avx512F.UnpackHigh(c, d);
        var ef = Avx512F.UnpackLow(e, f) + Avx512F.UnpackHigh(e, f);
        var gh = Avx512F.UnpackLow(g, h) + Avx512F.UnpackHigh(g, h);

        // (a, b, c, d partial sums of lanes 0+1, then of lanes 2+3): 128-bit lanes 0 and 2, plus 1 and 3.
        var abcd = Avx512F.Shuffle4x128(ab, cd, 0x88) + Avx512F.Shuffle4x128(ab, cd, 0xDD);
        var efgh = Avx512F.Shuffle4x128(ef, gh, 0x88) + Avx512F.Shuffle4x128(ef, gh, 0xDD);
        return Avx512F.Shuffle4x128(abcd, efgh, 0x88) + Avx512F.Shuffle4x128(abcd, efgh, 0xDD);
    }

    /// <summary>
    /// Transposes the 8×8 float64 tile whose row r starts at source[at + r·step]: three rounds of eight permutes
    /// (pairs, 128-bit lanes, 256-bit halves); c_j is column j of the tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(
        ref double source,
        nuint at,
        nuint step,
        out Vector512<double> c0,
        out Vector512<double> c1,
        out Vector512<double> c2,
        out Vector512<double> c3,
        out Vector512<double> c4,
        out Vector512<double> c5,
        out Vector512<double> c6,
        out Vector512<double> c7)
    {
        var r0 = Vector512.LoadUnsafe(ref source, at);
        var r1 = Vector512.LoadUnsafe(ref source, at + step);
        var r2 = Vector512.LoadUnsafe(ref source, at + (2 * step));
        var r3 = Vector512.LoadUnsafe(ref source, at + (3 * step));
        var r4 = Vector512.LoadUnsafe(ref source, at + (4 * step));
        var r5 = Vector512.LoadUnsafe(ref source, at + (5 * step));
        var r6 = Vector512.LoadUnsafe(ref source, at + (6 * step));
        var r7 = Vector512.LoadUnsafe(ref source, at + (7 * step));

        // Pairs: t0 = (r0[0] r1[0] r0[2] r1[2] …), t1 = (r0[1] r1[1] r0[3] r1[3] …), and so on.
        var t0 = Avx512F.UnpackLow(r0, r1);
        var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5);
        var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7);
        var t7 = Avx512F.UnpackHigh(r6, r7);

        // 128-bit lanes 0 and 2 (0x88) or 1 and 3 (0xDD) of each of two vectors.
        var u0 = Avx512F.Shuffle4x128(t0, t2, 0x88);
        var u1 = Avx512F.Shuffle4x128(t1, t3, 0x88);
        var u2 = Avx512F.Shuffle4x128(t0, t2, 0xDD);
        var u3 = Avx512F.Shuffle4x128(t1, t3, 0xDD);
        var u4 = Avx512F.Shuffle4x128(t4, t6, 0x88);
        var u5 = Avx512F.Shuffle4x128(t5, t7, 0x88);
        var u6 = Avx512F.Shuffle4x128(t4, t6, 0xDD);
        var u7 = Avx512F.Shuffle4x128(t5, t7, 0xDD);

        c0 = Avx512F.Shuffle4x128(u0, u4, 0x88);
        c1 = Avx512F.Shuffle4x128(u1, u5, 0x88);
        c2 = Avx512F.Shuffle4x128(u2, u6, 0x88);
        c3 = Avx512F.Shuffle4x128(u3, u7, 0x88);
        c4 = Avx512F.Shuffle4x128(u0, u4, 0xDD);
        c5 = Avx512F.Shuffle4x128(u1, u5, 0xDD);
        c6 = Avx512F.Shuffle4x128(u2, u6, 0xDD);
        c7 = Avx512F.Shuffle4x128(u3, u7, 0xDD);
    }

    /// <inheritdoc/>
    public override int Rows => _rows;

    /// <inheritdoc/>
    public override int Dimension { get; }

    private static int Width => Vector512<T>.Count;

    // The register kernels take four register-widths of rows at a time; ragged blocks take the SIMD-library path.
    private bool Registers512 => _registers512;

    private Span<T> Column(T[] buffer, int c) => buffer.AsSpan(c * _stride, Rows);

    /// <summary>
    /// Distance between columns: the rows rounded up to whole cache lines plus one more line when that is an even
    /// number of lines. A stride of 2 KiB (256 float64 rows) would put every column's first line in the same few L1
    /// sets, so the slices a register kernel reuses across columns would evict each other; an odd number of lines
    /// spreads them over all sets.
    /// </summary>
    private static int Stride(int rows)
    {
        int perLine = 64 / Unsafe.SizeOf<T>();
        int lines = (rows + perLine - 1) / perLine;
        return (lines % 2 == 0 ? lines + 1 : lines) * perLine;
    }

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

    /// <inheritdoc/>
    public override void Dispose()
    {
        ArrayPool<T>.Shared.Return(_columns);
        ArrayPool<T>.Shared.Return(_centred);
        ArrayPool<T>.Shared.Return(_weighted);
        ArrayPool<T>.Shared.Return(_work);
        ArrayPool<T>.Shared.Return(_sum);
        ArrayPool<T>.Shared.Return(_parameters);
        ArrayPool<double>.Shared.Return(_origin);
    }
}
