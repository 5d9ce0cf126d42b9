using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LatentFit.Data;

namespace LatentFit.Numerics.Kernels;

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

    /// <summary>
    /// Whether the loaded block runs the register kernels of <see cref="KernelPath.Current"/> (its rows a multiple of
    /// four vectors) rather than the System.Numerics.Tensors fallback: the tests check that a block meant for the
    /// register kernels gets them, so that a slip into the fallback cannot pass unseen as the same numbers.
    /// </summary>
    public abstract bool UsesRegisterKernels { get; }

    /// <summary>Centres every column at <paramref name="mean"/> into the working columns.</summary>
    public abstract void Centre(ReadOnlySpan<double> mean);

    /// <summary>
    /// After <see cref="Centre"/>: writes log N(xₙ | μ, Σ) = normalizer − ½‖L⁻¹(xₙ − μ)‖² to <paramref name="logDensities"/>[n]
    /// (one component's column of the block), with L⁻¹ lower triangular (D×D, row-major). <typeparamref name="TOut"/> is
    /// double, or float for a float32 block (the single-precision posterior, <see cref="Models.Mixtures.MixturePosterior"/>),
    /// which gets −½‖L⁻¹(xₙ − μ)‖² alone, exact in float32: the normaliser is the caller's to add in float64, because a
    /// constant added in float32 to values on their own grid rounds them all the same way and biases ℓ (by about 1e-8 of
    /// it at N = 200,000, where the float32 kernels' own rounding costs 1e-10).
    /// </summary>
    /// <exception cref="ArgumentException">float output from a float64 block.</exception>
    public void LogDensities<TOut>(ReadOnlySpan<double> inverseFactor, double normalizer, Span<TOut> logDensities)
        where TOut : unmanaged
    {
        // Generic methods are not virtual here, so that no call needs the runtime's generic virtual dispatch (0.3 % of
        // a fit at D = 16 when they were); the two precisions are the only subclasses.
        if (this is ColumnBlock<double> wide)
        {
            wide.LogDensitiesOf(inverseFactor, normalizer, logDensities);
        }
        else
        {
            ((ColumnBlock<float>)this).LogDensitiesOf(inverseFactor, normalizer, logDensities);
        }
    }

    /// <summary>Whether the block holds and computes in float32 (single-precision data).</summary>
    public bool ComputesInSingle => this is ColumnBlock<float>;

    /// <summary>
    /// As <see cref="LogDensities{TOut}(ReadOnlySpan{double}, double, Span{TOut})"/> for a float32 block, with L⁻¹ already
    /// rounded to float32 once for all the blocks (the per-call rounding of D² values was 0.7 % of a single-precision
    /// fit at D = 16).
    /// </summary>
    /// <exception cref="ArgumentException">A float64 block, or float output it cannot write.</exception>
    public void LogDensities<TOut>(ReadOnlySpan<float> inverseFactor, double normalizer, Span<TOut> logDensities)
        where TOut : unmanaged
    {
        if (this is not ColumnBlock<float> single)
        {
            throw new ArgumentException("a float64 block takes L⁻¹ in float64", nameof(inverseFactor));
        }

        single.LogDensitiesWith(inverseFactor, normalizer, logDensities);
    }

    /// <summary>
    /// After <see cref="Centre"/>: adds Σₙ wₙ(xₙ − μ) to <paramref name="firstMoment"/> and Σₙ wₙ (xₙ − μ)(xₙ − μ)ᵀ to the
    /// upper triangle of <paramref name="scatter"/>, with wₙ = <paramref name="responsibilities"/>[n] (one component's
    /// column) times the row weight; the responsibilities in double, or in float for a float32 block.
    /// The block comes by reference: a <see cref="DataBlock"/> is about 128 bytes, and copying it for each component's
    /// call (twice, through <see cref="ColumnBlock{T}.AddMomentsOf{TIn}"/>) was half of the caller's own samples.
    /// </summary>
    public void AddMoments<TIn>(in DataBlock rows, ReadOnlySpan<TIn> responsibilities, Span<double> firstMoment, Span<double> scatter)
        where TIn : unmanaged
    {
        if (this is ColumnBlock<double> wide)
        {
            wide.AddMomentsOf(in rows, responsibilities, firstMoment, scatter);
        }
        else
        {
            ((ColumnBlock<float>)this).AddMomentsOf(in rows, responsibilities, firstMoment, scatter);
        }
    }

    /// <summary>
    /// log N(xₙ | μ, diag(σ²)) = normalizer − ½Σ_c ((xₙc − μc)/σc)², with <paramref name="inverseScales"/> = 1/σ per
    /// coordinate (or one value, for a spherical covariance); in float32 without the normaliser, as
    /// <see cref="LogDensities{TOut}(ReadOnlySpan{double}, double, Span{TOut})"/>. One component: see the overload for K.
    /// </summary>
    public void DiagonalLogDensities<TOut>(ReadOnlySpan<double> mean, ReadOnlySpan<double> inverseScales, double normalizer, Span<TOut> logDensities)
        where TOut : unmanaged =>
        DiagonalLogDensities(mean, inverseScales, [normalizer], logDensities);

    /// <summary>
    /// The diagonal log-densities of K = <paramref name="normalizers"/>.Length components at once: component k's mean at
    /// <paramref name="means"/>[kD..], its inverse scales at <paramref name="inverseScales"/>[kD..] (or [k] alone, for
    /// spherical covariances), its B log-densities into <paramref name="logDensities"/>[kB..].
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit K components of this block.</exception>
    public void DiagonalLogDensities<TOut>(ReadOnlySpan<double> means, ReadOnlySpan<double> inverseScales, ReadOnlySpan<double> normalizers, Span<TOut> logDensities)
        where TOut : unmanaged
    {
        int k = normalizers.Length;
        if (k == 0 || means.Length != k * Dimension || (inverseScales.Length != k * Dimension && inverseScales.Length != k) || logDensities.Length < k * Rows)
        {
            throw new ArgumentException($"diagonal log-densities of {k} components of dimension {Dimension} over {Rows} rows: got {means.Length} mean values, {inverseScales.Length} scales and room for {logDensities.Length} results");
        }

        if (this is ColumnBlock<double> wide)
        {
            wide.DiagonalLogDensitiesOf(means, inverseScales, normalizers, logDensities);
        }
        else
        {
            ((ColumnBlock<float>)this).DiagonalLogDensitiesOf(means, inverseScales, normalizers, logDensities);
        }
    }

    /// <summary>
    /// For K = <paramref name="means"/>.Length / D components at once: adds Σₙ wₙ(xₙ − μ) to each component's D values
    /// of <paramref name="firstMoments"/> and Σₙ wₙ(xₙc − μc)² to its D values of <paramref name="scatter"/> (or, when
    /// that has one value a component, their sum over c, for spherical covariances), with wₙ the component's column of
    /// B <paramref name="responsibilities"/> times the row weight.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit K components of this block.</exception>
    public void AddDiagonalMoments<TIn>(DataBlock rows, ReadOnlySpan<TIn> responsibilities, ReadOnlySpan<double> means, Span<double> firstMoments, Span<double> scatter)
        where TIn : unmanaged
    {
        int k = means.Length / Dimension;
        if (k == 0 || means.Length != k * Dimension || firstMoments.Length != k * Dimension || (scatter.Length != k * Dimension && scatter.Length != k) || responsibilities.Length < k * Rows)
        {
            throw new ArgumentException($"diagonal moments of dimension {Dimension} over {Rows} rows: got {means.Length} mean values, {firstMoments.Length} first moments, {scatter.Length} scatter values and {responsibilities.Length} responsibilities");
        }

        if (this is ColumnBlock<double> wide)
        {
            wide.AddDiagonalMomentsOf(rows, responsibilities, means, firstMoments, scatter);
        }
        else
        {
            ((ColumnBlock<float>)this).AddDiagonalMomentsOf(rows, responsibilities, means, firstMoments, scatter);
        }
    }

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
internal sealed partial class ColumnBlock<T> : ColumnBlock
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CacheLineBuffer<T> _columns;
    private readonly CacheLineBuffer<T> _centred;
    private readonly T[] _shift;
    private readonly T[] _zeros;
    private readonly CacheLineBuffer<T> _weighted;
    private readonly CacheLineBuffer<T> _work;
    private readonly CacheLineBuffer<T> _sum;
    private readonly T[] _parameters;
    private readonly double[] _origin;
    private readonly int _capacity;
    private CacheLineBuffer<T> _components;
    private int _stride;
    private int _padded;
    private bool _registers;
    private int _rows;

    /// <summary>Rents buffers for blocks of up to <paramref name="capacityRows"/> rows.</summary>
    public ColumnBlock(int capacityRows, int dimension)
    {
        _capacity = capacityRows;
        Dimension = dimension;

        // The widest layout any block up to the capacity can take (the stride never shrinks as rows grow).
        int stride = Stride(capacityRows), padded = (dimension + 3) / 4 * 4;
        _columns = CacheLineBuffer<T>.Rent(stride * padded);
        // Only the fallback writes centred columns (the register kernels centre as they load), and it has no padding.
        _centred = CacheLineBuffer<T>.Rent(stride * dimension);
        _shift = ArrayPool<T>.Shared.Rent(padded);
        _zeros = new T[padded];
        // The weighted columns of one group of four at a time (see AddMomentsRegisters), so that they stay in L1.
        _weighted = CacheLineBuffer<T>.Rent(4 * stride);
        _work = CacheLineBuffer<T>.Rent(capacityRows);
        _sum = CacheLineBuffer<T>.Rent(capacityRows);
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
        _registers = KernelPath.Bits > 0 && Rows % (4 * LaneCount) == 0;

        // The scatter tiles take four columns at a time; the register path pads D to a multiple of four with
        // columns of zeros (whose sums are never written) instead of finishing the edge with short calls.
        _padded = _registers ? (Dimension + 3) / 4 * 4 : Dimension;
        _columns.AsSpan(_stride * Dimension, _stride * (_padded - Dimension)).Clear();
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

        if (typeof(T) == typeof(double) && Avx.IsSupported && Rows % 4 == 0)
        {
            // The columns the 8×8 tiles left (all of them without AVX-512), four at a time.
            transposed = TransposeDouble256(MemoryMarshal.Cast<T, double>(values), MemoryMarshal.Cast<T, double>(_columns.AsSpan()), transposed);
        }
        else if (typeof(T) == typeof(float) && Avx.IsSupported && Rows % 8 == 0)
        {
            // The columns the 16×16 tiles left (all of them without AVX-512), eight at a time.
            transposed = TransposeSingle256(MemoryMarshal.Cast<T, float>(values), MemoryMarshal.Cast<T, float>(_columns.AsSpan()), transposed);
        }

        if (Vector128.IsHardwareAccelerated && Rows % Vector128<T>.Count == 0)
        {
            // 128-bit tiles, 2×2 in float64 and 4×4 in float32: every column without AVX (ARM NEON, x86 with SSE
            // only), and with it the two or three the wider tiles left: all of them at D = 2, where the scalar loop
            // below took 15 % of a float64 fit's samples (N = 1M, K = 3, AVX2, Zen 3; loading and transposing now 8 %).
            transposed = Transpose128(values, transposed);
        }

        var columns = _columns.AsSpan();
        for (int n = 0; n < Rows; n++)
        {
            for (int c = transposed; c < Dimension; c++)
            {
                columns[c * _stride + n] = values[n * Dimension + c];
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
        if (groups == 0)
        {
            return 0;
        }

        ref double source = ref MemoryMarshal.GetReference(values);
        ref double target = ref MemoryMarshal.GetReference(columns);
        nuint column = (nuint)_stride;
        for (int n = 0; n < Rows; n += 8)
        {
            PrefetchNextBlock(ref source, Rows * d, n * d, 8 * d);
            for (int g = 0; g < groups; g++)
            {
                int c = g * 8;
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
    /// The same four by four with AVX from column <paramref name="from"/> on (the 256-bit path, and the columns left
    /// over by the 8×8 tiles): unpack pairs of rows, then swap 128-bit halves; returns the columns done. Like the other
    /// transpositions it takes the rows in order, all their column groups at once, so that the row-major data stream in
    /// once: with the column groups outer, each group walked the block at a stride of D values, and the diagonal fit at
    /// N = 500k, D = 32, K = 10 took 40.7–41.0 ms per iteration against 38.5–39.4 (Zen 3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int TransposeDouble256(ReadOnlySpan<double> values, Span<double> columns, int from)
    {
        int d = Dimension, groups = (d - from) / 4;
        if (groups == 0)
        {
            return from;
        }

        ref double source = ref MemoryMarshal.GetReference(values);
        ref double target = ref MemoryMarshal.GetReference(columns);
        nuint column = (nuint)_stride;
        for (int n = 0; n < Rows; n += 4)
        {
            if (from == 0)
            {
                PrefetchNextBlock(ref source, Rows * d, n * d, 4 * d);
            }

            for (int g = 0; g < groups; g++)
            {
                int c = from + (g * 4);
                nuint at = (nuint)((n * d) + c);
                var r0 = Vector256.LoadUnsafe(ref source, at);
                var r1 = Vector256.LoadUnsafe(ref source, at + (nuint)d);
                var r2 = Vector256.LoadUnsafe(ref source, at + (nuint)(2 * d));
                var r3 = Vector256.LoadUnsafe(ref source, at + (nuint)(3 * d));

                // (r0[0] r1[0] r0[2] r1[2]), (r0[1] r1[1] r0[3] r1[3]), and the same for rows 2 and 3.
                var t0 = Avx.UnpackLow(r0, r1);
                var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                nuint to = (nuint)((c * _stride) + n);
                Avx.Permute2x128(t0, t2, 0x20).StoreUnsafe(ref target, to);
                Avx.Permute2x128(t1, t3, 0x20).StoreUnsafe(ref target, to + column);
                Avx.Permute2x128(t0, t2, 0x31).StoreUnsafe(ref target, to + (2 * column));
                Avx.Permute2x128(t1, t3, 0x31).StoreUnsafe(ref target, to + (3 * column));
            }
        }

        return from + (groups * 4);
    }

    /// <summary>
    /// Rows into columns in 128-bit tiles from column <paramref name="from"/> on, on machines without AVX (ARM NEON, x86
    /// with SSE only), where the scalar loop was the only transposition: a tile of c = 2 (float64) or 4 (float32)
    /// rows and columns is c loads, c·log₂c interleaves (<see cref="Lanes128{T}.InterleaveLow"/>) and c stores. In
    /// float32 the second round interleaves pairs of floats as float64s. Returns the columns done. Measured with
    /// DOTNET_EnableAVX=0 on Zen 3 (SSE only), diagonal fit at N = 1M, D = 16, K = 8: 72.2–75.0 ms per iteration
    /// against 75.2–77.2 with the scalar loop (float64); the transposition's share of perf samples 7.7 % → 4.1 %
    /// (float64) and 8.5 % → 2.2 % (float32).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Transpose128(ReadOnlySpan<T> values, int from)
    {
        int d = Dimension, c = Vector128<T>.Count, groups = (d - from) / c;
        if (groups == 0)
        {
            return from;
        }

        ref T source = ref MemoryMarshal.GetReference(values);
        ref T target = ref _columns.Start;
        nuint column = (nuint)_stride, step = (nuint)d;
        for (int n = 0; n < Rows; n += c)
        {
            if (from == 0)
            {
                PrefetchNextBlock(ref source, Rows * d, n * d, c * d);
            }

            for (int g = 0; g < groups; g++)
            {
                int first = from + (g * c);
                nuint at = (nuint)((n * d) + first), to = (nuint)((first * _stride) + n);
                var r0 = Vector128.LoadUnsafe(ref source, at);
                var r1 = Vector128.LoadUnsafe(ref source, at + step);
                if (typeof(T) == typeof(double))
                {
                    Lanes128<T>.InterleaveLow(r0, r1).StoreUnsafe(ref target, to);
                    Lanes128<T>.InterleaveHigh(r0, r1).StoreUnsafe(ref target, to + column);
                    continue;
                }

                var r2 = Vector128.LoadUnsafe(ref source, at + (2 * step));
                var r3 = Vector128.LoadUnsafe(ref source, at + (3 * step));

                // (a0 b0 a1 b1), (a2 b2 a3 b3), (c0 d0 c1 d1), (c2 d2 c3 d3); then the pairs as float64s:
                // (a0 b0 c0 d0) is the low pair of the first and third.
                var t0 = Lanes128<T>.InterleaveLow(r0, r1).AsDouble();
                var t1 = Lanes128<T>.InterleaveHigh(r0, r1).AsDouble();
                var t2 = Lanes128<T>.InterleaveLow(r2, r3).AsDouble();
                var t3 = Lanes128<T>.InterleaveHigh(r2, r3).AsDouble();
                Lanes128<double>.InterleaveLow(t0, t2).As<double, T>().StoreUnsafe(ref target, to);
                Lanes128<double>.InterleaveHigh(t0, t2).As<double, T>().StoreUnsafe(ref target, to + column);
                Lanes128<double>.InterleaveLow(t1, t3).As<double, T>().StoreUnsafe(ref target, to + (2 * column));
                Lanes128<double>.InterleaveHigh(t1, t3).As<double, T>().StoreUnsafe(ref target, to + (3 * column));
            }
        }

        return from + (groups * c);
    }

    /// <summary>
    /// The float32 rows into columns eight by eight with AVX from column <paramref name="from"/> on: unpack pairs of
    /// rows, shuffle pairs of pairs, then swap 128-bit halves (24 permutes per 8×8 tile instead of 64 scalar moves);
    /// returns the columns done. On the 256-bit path the scalar loop was 4.6% of a float32 fit at D = 16 (perf); the
    /// fit's time per iteration did not change beyond this machine's noise (26.7–28.7 against 28.0–30.9 ms).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int TransposeSingle256(ReadOnlySpan<float> values, Span<float> columns, int from)
    {
        int d = Dimension, groups = (d - from) / 8;
        if (groups == 0)
        {
            return from;
        }

        ref float source = ref MemoryMarshal.GetReference(values);
        ref float target = ref MemoryMarshal.GetReference(columns);
        nuint column = (nuint)_stride, step = (nuint)d;
        for (int n = 0; n < Rows; n += 8)
        {
            if (from == 0)
            {
                PrefetchNextBlock(ref source, Rows * d, n * d, 8 * d);
            }

            for (int g = 0; g < groups; g++)
            {
                int c = from + (g * 8);
                nuint at = (nuint)((n * d) + c);
                var r0 = Vector256.LoadUnsafe(ref source, at);
                var r1 = Vector256.LoadUnsafe(ref source, at + step);
                var r2 = Vector256.LoadUnsafe(ref source, at + (2 * step));
                var r3 = Vector256.LoadUnsafe(ref source, at + (3 * step));
                var r4 = Vector256.LoadUnsafe(ref source, at + (4 * step));
                var r5 = Vector256.LoadUnsafe(ref source, at + (5 * step));
                var r6 = Vector256.LoadUnsafe(ref source, at + (6 * step));
                var r7 = Vector256.LoadUnsafe(ref source, at + (7 * step));

                // Per 128-bit lane: (a0 b0 a1 b1) and (a2 b2 a3 b3) of each pair of rows.
                var t0 = Avx.UnpackLow(r0, r1);
                var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                var t4 = Avx.UnpackLow(r4, r5);
                var t5 = Avx.UnpackHigh(r4, r5);
                var t6 = Avx.UnpackLow(r6, r7);
                var t7 = Avx.UnpackHigh(r6, r7);

                // Per lane, column j of four rows: 0x44 takes the low pair of each source, 0xEE the high pair.
                var u0 = Avx.Shuffle(t0, t2, 0x44);
                var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44);
                var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44);
                var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44);
                var u7 = Avx.Shuffle(t5, t7, 0xEE);

                // Rows 0–3 from the first source, 4–7 from the second: the low halves are columns 0–3, the high 4–7.
                nuint to = (nuint)((c * _stride) + n);
                Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref target, to);
                Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref target, to + column);
                Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref target, to + (2 * column));
                Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref target, to + (3 * column));
                Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref target, to + (4 * column));
                Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref target, to + (5 * column));
                Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref target, to + (6 * column));
                Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref target, to + (7 * column));
            }
        }

        return from + (groups * 8);
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
        if (groups == 0)
        {
            return 0;
        }

        ref double source = ref Unsafe.As<float, double>(ref MemoryMarshal.GetReference(values));
        ref float target = ref MemoryMarshal.GetReference(columns);
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = even + Vector512<int>.One;
        nuint column = (nuint)_stride;
        Span<Vector512<double>> halves = stackalloc Vector512<double>[16];
        for (int n = 0; n < Rows; n += 16)
        {
            PrefetchNextBlock(ref source, Rows * d / 2, n * d / 2, 8 * d);
            for (int g = 0; g < groups; g++)
            {
                int c = g * 16;
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
    /// Asks the core to bring the <paramref name="count"/> values from <paramref name="at"/> of the block that follows this
    /// one in memory (<paramref name="blockLength"/> values on) into the caches (PREFETCHT1) while this block is
    /// transposed: MixtureOfEmissions cuts each of a pass's chunks (4,096 rows) into consecutive blocks, so this is the
    /// next block the same thread loads but at a chunk's end (where the hint is wasted). Each block's rows are touched
    /// first by its transposition, which then waited on them: at D = 16 on the 512-bit path nine tenths of its samples fell
    /// on the instruction after a row's load, whether the data set was in L3 (20,000 rows) or not (200,000), and it took
    /// 4.8–5.2 % of a single-thread E-step (perf, Zen 4); with the hint, 3.3–3.4 %. The next block's lines arrive while
    /// this one's K components are computed (tens of microseconds). Spread over the transposition's steps, one line a
    /// prefetch; issued all at once after it, the burst stalled the load (1.8 % of the samples in Load itself). Only x86
    /// has the instruction in .NET (ARM's PRFM has no intrinsic outside SVE: dotnet/runtime#106860). The address may lie
    /// past the data set's end: a prefetch never faults, and nothing is read through the pointer. The first transposition
    /// with columns to do issues the hints (the others start past column 0, and one with none returns before its loop).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchNextBlock<TValue>(ref TValue source, int blockLength, int at, int count)
        where TValue : unmanaged
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        // The address from the block's start as a plain pointer: a managed reference past the array's end, even one
        // never dereferenced, is invalid to the garbage collector (dotnet/runtime#75792).
        byte* start = (byte*)Unsafe.AsPointer(ref source) + (((nuint)blockLength + (nuint)at) * (nuint)sizeof(TValue));
        int bytes = count * sizeof(TValue);
        for (int line = 0; line < bytes; line += 64)
        {
            Sse.Prefetch1(start + line);
        }
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

    /// <summary>Values of T per vector on this process's path (<see cref="KernelPath.Bits"/>).</summary>
    private static int LaneCount => KernelPath.Bits / 8 / Unsafe.SizeOf<T>();

    /// <inheritdoc/>
    /// <remarks>The register kernels take up to four register-widths of rows at a time; ragged blocks take the SIMD-library path.</remarks>
    public override bool UsesRegisterKernels => _registers;

    private Span<T> Column(in CacheLineBuffer<T> buffer, int c) => buffer.AsSpan(c * _stride, Rows);

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

    /// <summary>
    /// x − μ for the register of values at column[n] (held as x − origin), computed as shift + (x − origin) from the
    /// component's shift origin − μ (see ComponentShifts): the same value bit for bit, since IEEE 754 defines a − b as
    /// a + (−b) and origin − μ is exactly −(μ − origin), narrowed to float32 the same way; the one exception is a value
    /// of −0 at a centre equal to the origin, which becomes +0 where it was −0 (both shifts are +0), and no product or
    /// sum of the kernels tells the two apart unless all its terms are zero. An addition takes its memory
    /// operand on either side, so the JIT folds the column's load into it (<c>vaddpd ymm, ymm, [mem]</c>); a subtraction
    /// of the centre needed a load instruction of its own. The weighting pass (five loads, four stores and sixteen
    /// vector operations a step of four columns) was then bound by how many instructions a cycle the core takes in (28
    /// a step, six a cycle on Zen 3) as much as by its store port; one instruction fewer a column slice took 1.5–4.5 % off
    /// a single-thread E-step (full D = 16 float64 and float32, D = 50; docs/benchmarks.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Centred<TLanes, TVector>(ref T column, nuint n, TVector shift)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged =>
        TLanes.Add(shift, TLanes.Load(ref column, n));

    /// <summary>
    /// Each component's shift origin − μ in T (what its centred values add to the columns, see Centred),
    /// <paramref name="width"/> ≥ D values apart with zeros after the D (for padding columns): the same values as one
    /// subtraction and rounding at a time, four at a time in 128-bit vectors
    /// (two float64 differences a register, narrowed together to float32; <c>cvtpd2ps</c> and NEON's <c>fcvtn</c> round
    /// to nearest as the scalar conversion does). A scalar loop over K·D values a block took 1 % of a diagonal fit at
    /// D = 32, K = 10; two library calls a component (a subtraction, then a conversion) took 2.1 % of a float32 fit's
    /// iterations at D = 16, K = 16, most of it the calls' own fixed costs, against 0.8 % now (perf, Zen 3): the full
    /// structure centres twice per block and component.
    /// </summary>
    private void ComponentShifts(ReadOnlySpan<double> means, int width, Span<T> into)
    {
        int d = Dimension, k = into.Length / width;
        if (means.Length < k * d || width < d)
        {
            throw new ArgumentException($"Expected {k} centres of {d} values at most {width} apart.", nameof(means));
        }

        ref double origin = ref MemoryMarshal.GetArrayDataReference(_origin);
        for (int j = 0; j < k; j++)
        {
            ref double mean = ref Unsafe.Add(ref MemoryMarshal.GetReference(means), j * d);
            var target = into.Slice(j * width, width);
            ref T shift = ref MemoryMarshal.GetReference(target);
            int c = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                for (; c <= d - 4; c += 4)
                {
                    var low = Vector128.LoadUnsafe(ref origin, (nuint)c) - Vector128.LoadUnsafe(ref mean, (nuint)c);
                    var high = Vector128.LoadUnsafe(ref origin, (nuint)c + 2) - Vector128.LoadUnsafe(ref mean, (nuint)c + 2);
                    if (typeof(T) == typeof(double))
                    {
                        ref double shiftDouble = ref Unsafe.As<T, double>(ref shift);
                        low.StoreUnsafe(ref shiftDouble, (nuint)c);
                        high.StoreUnsafe(ref shiftDouble, (nuint)c + 2);
                    }
                    else
                    {
                        Vector128.Narrow(low, high).StoreUnsafe(ref Unsafe.As<T, float>(ref shift), (nuint)c);
                    }
                }
            }

            for (; c < d; c++)
            {
                Unsafe.Add(ref shift, c) = Of(Unsafe.Add(ref origin, c) - Unsafe.Add(ref mean, c));
            }

            target[d..].Clear();
        }
    }

    /// <summary>A buffer of at least <paramref name="length"/> values for all the components' parameters or weights, grown as needed.</summary>
    private Span<T> ComponentParameters(int length)
    {
        if (_components.Length < length)
        {
            _components.Return();
            _components = CacheLineBuffer<T>.Rent(length);
        }

        return _components.AsSpan(0, length);
    }

    private static double ToDouble(T value) => double.CreateTruncating(value);

    /// <inheritdoc/>
    public override void Dispose()
    {
        _columns.Return();
        _centred.Return();
        ArrayPool<T>.Shared.Return(_shift);
        _weighted.Return();
        _work.Return();
        _sum.Return();
        ArrayPool<T>.Shared.Return(_parameters);
        ArrayPool<double>.Shared.Return(_origin);
        _components.Return();
        _components = default;
    }
}
