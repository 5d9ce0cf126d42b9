using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LatentFit.Numerics.Kernels;

/// <summary>
/// The operations the register kernels need from one vector width: a register-tiled kernel is written once as a
/// generic method over <c>TLanes : ILanes&lt;TVector, T&gt;</c> and instantiated for <see cref="Lanes128{T}"/>,
/// <see cref="Lanes256{T}"/> and <see cref="Lanes512{T}"/>; the JIT specialises each instantiation (all are structs)
/// and inlines these static members, so every width gets its own register code from one source.
/// </summary>
/// <remarks>
/// Our own small interface rather than the runtime's <c>ISimdVector&lt;TSelf, T&gt;</c>, which .NET 10 does not let
/// user code constrain on (Vector128&lt;T&gt; and the others do not satisfy the public interface; checked with
/// the 10.0.401 SDK), and which has no fused multiply-add for a generic T.
/// </remarks>
internal interface ILanes<TVector, T>
    where TVector : unmanaged
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Values of T per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether this width runs on the hardware (and is not switched off by the runtime's settings).</summary>
    static abstract bool IsAccelerated { get; }

    /// <summary>
    /// Whether the instruction set has 32 vector registers (AVX-512; NEON on ARM64) rather than 16 (x86 with AVX2 or
    /// SSE): room for tiles of sixteen accumulators.
    /// </summary>
    static abstract bool ThirtyTwoRegisters { get; }

    static abstract TVector Zero { get; }

    static abstract TVector Broadcast(T value);

    static abstract TVector Load(ref T source, nuint offset);

    static abstract void Store(TVector value, ref T target, nuint offset);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector Subtract(TVector left, TVector right);

    static abstract TVector Multiply(TVector left, TVector right);

    static abstract TVector Divide(TVector left, TVector right);

    static abstract TVector Max(TVector left, TVector right);

    /// <summary>
    /// The lanes' maximum for operands that are never NaN: the instruction's own (one, where <see cref="Max"/>'s IEEE
    /// semantics for NaN and signed zeros take eight on x86).
    /// </summary>
    static abstract TVector MaxOfNumbers(TVector left, TVector right);

    /// <summary>
    /// a·b + c, fused (one rounding) where the hardware has a fused multiply-add; x86 without FMA (the 128-bit path
    /// with AVX2 switched off) takes a multiply and an add instead of the runtime's slow software emulation.
    /// </summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>The sum of the lanes, in a fixed order.</summary>
    static abstract T Sum(TVector value);

    /// <summary>The sums of the lanes of each of a..h into <paramref name="sums"/>[0..8], in a fixed order.</summary>
    static abstract void SumEach(TVector a, TVector b, TVector c, TVector d, TVector e, TVector f, TVector g, TVector h, Span<T> sums);

    /// <summary>
    /// x = 2ᵉ·m per lane, with m ∈ [√½, √2) returned and the integer e (as T) in <paramref name="exponent"/>, for normal
    /// x ≥ √½ (the reduction of <see cref="VectorLog"/>): x's bits less √½'s leave e in the exponent field (never
    /// negative there) and m − √½'s offset in the mantissa; e is turned into T through the low bits of 2⁵² (2²³), which
    /// needs no integer-to-float conversion (AVX2 has none for 64-bit integers).
    /// </summary>
    static abstract TVector Decompose(TVector value, out TVector exponent);

    /// <summary>Lanes at or below <paramref name="threshold"/> set to 0.</summary>
    static abstract TVector ZeroAtOrBelow(TVector value, TVector threshold);

    /// <summary>Whether every lane is finite (x − x = 0 fails for ±∞ and NaN).</summary>
    static abstract bool AllFinite(TVector value);

    /// <summary>Whether some lane is NaN (x = x fails for NaN alone).</summary>
    static abstract bool AnyNaN(TVector value);

    /// <summary>
    /// Writes normalizer − ½·squared for the <see cref="Count"/> lanes to target[offset..] in float64 (a float32
    /// vector widens into two).
    /// </summary>
    static abstract void StoreLogDensities(TVector squared, double normalizer, ref double target, nuint offset);

    /// <summary>
    /// 2ᵏ per lane, from t = x·log₂e + <see cref="VectorExp.Shifter"/> (float64) or <see cref="VectorExp.ShifterSingle"/>
    /// (float32) whose low mantissa bits hold the integer k (−1022 ≤ k ≤ 0, or −126 ≤ k ≤ 0): the exponent field built
    /// from k's bits.
    /// </summary>
    static abstract TVector PowerOfTwo(TVector shifted);
}

/// <summary>128-bit vectors: SSE/AVX on x86 without AVX2, and NEON on ARM64.</summary>
internal readonly struct Lanes128<T> : ILanes<Vector128<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;

    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;

    public static bool ThirtyTwoRegisters => AdvSimd.IsSupported;

    public static Vector128<T> Zero => Vector128<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Broadcast(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(ref T source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, ref T target, nuint offset) => value.StoreUnsafe(ref target, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> left, Vector128<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Subtract(Vector128<T> left, Vector128<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> left, Vector128<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Divide(Vector128<T> left, Vector128<T> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Max(Vector128<T> left, Vector128<T> right) => Vector128.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MaxOfNumbers(Vector128<T> left, Vector128<T> right) => Vector128.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (!Fma.IsSupported && !AdvSimd.IsSupported)
        {
            return (a * b) + c;
        }

        if (typeof(T) == typeof(double))
        {
            return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> value) => Vector128.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumEach(Vector128<T> a, Vector128<T> b, Vector128<T> c, Vector128<T> d, Vector128<T> e, Vector128<T> f, Vector128<T> g, Vector128<T> h, Span<T> sums)
    {
        sums[0] = Vector128.Sum(a);
        sums[1] = Vector128.Sum(b);
        sums[2] = Vector128.Sum(c);
        sums[3] = Vector128.Sum(d);
        sums[4] = Vector128.Sum(e);
        sums[5] = Vector128.Sum(f);
        sums[6] = Vector128.Sum(g);
        sums[7] = Vector128.Sum(h);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Decompose(Vector128<T> value, out Vector128<T> exponent)
    {
        if (typeof(T) == typeof(double))
        {
            var bits = value.AsInt64() - Vector128.Create(VectorLog.SqrtHalfBits);
            exponent = ((Vector128.ShiftRightLogical(bits, 52) | Vector128.Create(VectorLog.TwoTo52Bits)).AsDouble() - Vector128.Create(VectorLog.TwoTo52)).As<double, T>();
            return ((bits & Vector128.Create(VectorLog.MantissaMask)) + Vector128.Create(VectorLog.SqrtHalfBits)).As<long, T>();
        }

        var single = value.AsInt32() - Vector128.Create(VectorLog.SqrtHalfBitsSingle);
        exponent = ((Vector128.ShiftRightLogical(single, 23) | Vector128.Create(VectorLog.TwoTo23Bits)).AsSingle() - Vector128.Create(VectorLog.TwoTo23)).As<float, T>();
        return ((single & Vector128.Create(VectorLog.MantissaMaskSingle)) + Vector128.Create(VectorLog.SqrtHalfBitsSingle)).As<int, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ZeroAtOrBelow(Vector128<T> value, Vector128<T> threshold) =>
        Vector128.ConditionalSelect(Vector128.LessThanOrEqual(value, threshold), Vector128<T>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllFinite(Vector128<T> value) => Vector128.EqualsAll(value - value, Vector128<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyNaN(Vector128<T> value) => !Vector128.EqualsAll(value, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> PowerOfTwo(Vector128<T> shifted) =>
        typeof(T) == typeof(double)
            ? ((shifted.AsInt64() - Vector128.Create(VectorExp.ShifterBits - 1023L)) << 52).As<long, T>()
            : ((shifted.AsInt32() - Vector128.Create(VectorExp.ShifterBitsSingle - 127)) << 23).As<int, T>();

    /// <summary>
    /// The low halves of two vectors interleaved, (a₀ b₀ a₁ b₁ …): one instruction on x86 (unpcklps/unpcklpd) and on
    /// ARM64 (zip1), the step of the 128-bit transpositions (ColumnBlock.Load) on machines without AVX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> InterleaveLow(Vector128<T> a, Vector128<T> b)
    {
        if (typeof(T) == typeof(double))
        {
            return (Sse2.IsSupported ? Sse2.UnpackLow(a.AsDouble(), b.AsDouble())
                : AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.ZipLow(a.AsDouble(), b.AsDouble())
                : Vector128.Create(a.AsDouble()[0], b.AsDouble()[0])).As<double, T>();
        }

        return (Sse.IsSupported ? Sse.UnpackLow(a.AsSingle(), b.AsSingle())
            : AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.ZipLow(a.AsSingle(), b.AsSingle())
            : Vector128.Create(a.AsSingle()[0], b.AsSingle()[0], a.AsSingle()[1], b.AsSingle()[1])).As<float, T>();
    }

    /// <summary>The high halves of two vectors interleaved, (aₘ bₘ aₘ₊₁ bₘ₊₁ …) with m half the count (unpckhps/unpckhpd, zip2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> InterleaveHigh(Vector128<T> a, Vector128<T> b)
    {
        if (typeof(T) == typeof(double))
        {
            return (Sse2.IsSupported ? Sse2.UnpackHigh(a.AsDouble(), b.AsDouble())
                : AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.ZipHigh(a.AsDouble(), b.AsDouble())
                : Vector128.Create(a.AsDouble()[1], b.AsDouble()[1])).As<double, T>();
        }

        return (Sse.IsSupported ? Sse.UnpackHigh(a.AsSingle(), b.AsSingle())
            : AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.ZipHigh(a.AsSingle(), b.AsSingle())
            : Vector128.Create(a.AsSingle()[2], b.AsSingle()[2], a.AsSingle()[3], b.AsSingle()[3])).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreLogDensities(Vector128<T> squared, double normalizer, ref double target, nuint offset)
    {
        var half = Vector128.Create(-0.5);
        var constant = Vector128.Create(normalizer);
        if (typeof(T) == typeof(double))
        {
            Lanes128<double>.MultiplyAdd(squared.AsDouble(), half, constant).StoreUnsafe(ref target, offset);
            return;
        }

        var single = squared.AsSingle();
        Lanes128<double>.MultiplyAdd(Vector128.WidenLower(single), half, constant).StoreUnsafe(ref target, offset);
        Lanes128<double>.MultiplyAdd(Vector128.WidenUpper(single), half, constant).StoreUnsafe(ref target, offset + (nuint)Vector128<double>.Count);
    }
}

/// <summary>256-bit vectors: x86 with AVX2 and FMA.</summary>
internal readonly struct Lanes256<T> : ILanes<Vector256<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;

    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;

    public static bool ThirtyTwoRegisters => false;

    public static Vector256<T> Zero => Vector256<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref T source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, ref T target, nuint offset) => value.StoreUnsafe(ref target, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> left, Vector256<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> left, Vector256<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> left, Vector256<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Divide(Vector256<T> left, Vector256<T> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Max(Vector256<T> left, Vector256<T> right) => Vector256.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MaxOfNumbers(Vector256<T> left, Vector256<T> right) => Vector256.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (!Fma.IsSupported)
        {
            return (a * b) + c;
        }

        if (typeof(T) == typeof(double))
        {
            return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> value) => Vector256.Sum(value);

    /// <summary>
    /// Eight horizontal sums by a tree of AVX horizontal adds and 128-bit lane swaps (in float64: (a0+a1)+(a2+a3)
    /// for each) instead of eight separate reductions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumEach(Vector256<T> a, Vector256<T> b, Vector256<T> c, Vector256<T> d, Vector256<T> e, Vector256<T> f, Vector256<T> g, Vector256<T> h, Span<T> sums)
    {
        if (typeof(T) == typeof(double) && Avx.IsSupported)
        {
            Quarter(a.AsDouble(), b.AsDouble(), c.AsDouble(), d.AsDouble()).As<double, T>().CopyTo(sums);
            Quarter(e.AsDouble(), f.AsDouble(), g.AsDouble(), h.AsDouble()).As<double, T>().CopyTo(sums[4..]);
            return;
        }

        if (typeof(T) == typeof(float) && Avx.IsSupported)
        {
            // (a, b, c, d partial sums of lanes 0..3 | of lanes 4..7), then the two halves added.
            var abcd = Avx.HorizontalAdd(Avx.HorizontalAdd(a.AsSingle(), b.AsSingle()), Avx.HorizontalAdd(c.AsSingle(), d.AsSingle()));
            var efgh = Avx.HorizontalAdd(Avx.HorizontalAdd(e.AsSingle(), f.AsSingle()), Avx.HorizontalAdd(g.AsSingle(), h.AsSingle()));
            var sum = Avx.Permute2x128(abcd, efgh, 0x20) + Avx.Permute2x128(abcd, efgh, 0x31);
            sum.As<float, T>().CopyTo(sums);
            return;
        }

        sums[0] = Vector256.Sum(a);
        sums[1] = Vector256.Sum(b);
        sums[2] = Vector256.Sum(c);
        sums[3] = Vector256.Sum(d);
        sums[4] = Vector256.Sum(e);
        sums[5] = Vector256.Sum(f);
        sums[6] = Vector256.Sum(g);
        sums[7] = Vector256.Sum(h);
    }

    /// <summary>(Σa, Σb, Σc, Σd) for four float64 vectors: horizontal adds of pairs, then the 128-bit halves added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Quarter(Vector256<double> a, Vector256<double> b, Vector256<double> c, Vector256<double> d)
    {
        // (a0+a1, b0+b1, a2+a3, b2+b3) and the same for c, d.
        var ab = Avx.HorizontalAdd(a, b);
        var cd = Avx.HorizontalAdd(c, d);
        return Avx.Permute2x128(ab, cd, 0x20) + Avx.Permute2x128(ab, cd, 0x31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Decompose(Vector256<T> value, out Vector256<T> exponent)
    {
        if (typeof(T) == typeof(double))
        {
            var bits = value.AsInt64() - Vector256.Create(VectorLog.SqrtHalfBits);
            exponent = ((Vector256.ShiftRightLogical(bits, 52) | Vector256.Create(VectorLog.TwoTo52Bits)).AsDouble() - Vector256.Create(VectorLog.TwoTo52)).As<double, T>();
            return ((bits & Vector256.Create(VectorLog.MantissaMask)) + Vector256.Create(VectorLog.SqrtHalfBits)).As<long, T>();
        }

        var single = value.AsInt32() - Vector256.Create(VectorLog.SqrtHalfBitsSingle);
        exponent = ((Vector256.ShiftRightLogical(single, 23) | Vector256.Create(VectorLog.TwoTo23Bits)).AsSingle() - Vector256.Create(VectorLog.TwoTo23)).As<float, T>();
        return ((single & Vector256.Create(VectorLog.MantissaMaskSingle)) + Vector256.Create(VectorLog.SqrtHalfBitsSingle)).As<int, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ZeroAtOrBelow(Vector256<T> value, Vector256<T> threshold) =>
        Vector256.ConditionalSelect(Vector256.LessThanOrEqual(value, threshold), Vector256<T>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllFinite(Vector256<T> value) => Vector256.EqualsAll(value - value, Vector256<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyNaN(Vector256<T> value) => !Vector256.EqualsAll(value, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> PowerOfTwo(Vector256<T> shifted) =>
        typeof(T) == typeof(double)
            ? ((shifted.AsInt64() - Vector256.Create(VectorExp.ShifterBits - 1023L)) << 52).As<long, T>()
            : ((shifted.AsInt32() - Vector256.Create(VectorExp.ShifterBitsSingle - 127)) << 23).As<int, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreLogDensities(Vector256<T> squared, double normalizer, ref double target, nuint offset)
    {
        var half = Vector256.Create(-0.5);
        var constant = Vector256.Create(normalizer);
        if (typeof(T) == typeof(double))
        {
            Lanes256<double>.MultiplyAdd(squared.AsDouble(), half, constant).StoreUnsafe(ref target, offset);
            return;
        }

        var single = squared.AsSingle();
        Lanes256<double>.MultiplyAdd(Vector256.WidenLower(single), half, constant).StoreUnsafe(ref target, offset);
        Lanes256<double>.MultiplyAdd(Vector256.WidenUpper(single), half, constant).StoreUnsafe(ref target, offset + (nuint)Vector256<double>.Count);
    }
}

/// <summary>512-bit vectors: x86 with AVX-512F.</summary>
internal readonly struct Lanes512<T> : ILanes<Vector512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;

    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    public static bool ThirtyTwoRegisters => true;

    public static Vector512<T> Zero => Vector512<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref T source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T target, nuint offset) => value.StoreUnsafe(ref target, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> left, Vector512<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> left, Vector512<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> left, Vector512<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Divide(Vector512<T> left, Vector512<T> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Max(Vector512<T> left, Vector512<T> right) => Vector512.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MaxOfNumbers(Vector512<T> left, Vector512<T> right) => Vector512.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> value) => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumEach(Vector512<T> a, Vector512<T> b, Vector512<T> c, Vector512<T> d, Vector512<T> e, Vector512<T> f, Vector512<T> g, Vector512<T> h, Span<T> sums)
    {
        if (typeof(T) == typeof(double) && Avx512F.IsSupported)
        {
            // Eight horizontal sums as one reduction tree (21 permutes and adds, not 56).
            SumEachDouble(a.AsDouble(), b.AsDouble(), c.AsDouble(), d.AsDouble(), e.AsDouble(), f.AsDouble(), g.AsDouble(), h.AsDouble())
                .As<double, T>().CopyTo(sums);
            return;
        }

        if (typeof(T) == typeof(float) && Avx.IsSupported)
        {
            // The 256-bit halves added, then the 256-bit tree.
            Lanes256<T>.SumEach(
                a.GetLower() + a.GetUpper(),
                b.GetLower() + b.GetUpper(),
                c.GetLower() + c.GetUpper(),
                d.GetLower() + d.GetUpper(),
                e.GetLower() + e.GetUpper(),
                f.GetLower() + f.GetUpper(),
                g.GetLower() + g.GetUpper(),
                h.GetLower() + h.GetUpper(),
                sums);
            return;
        }

        sums[0] = Vector512.Sum(a);
        sums[1] = Vector512.Sum(b);
        sums[2] = Vector512.Sum(c);
        sums[3] = Vector512.Sum(d);
        sums[4] = Vector512.Sum(e);
        sums[5] = Vector512.Sum(f);
        sums[6] = Vector512.Sum(g);
        sums[7] = Vector512.Sum(h);
    }

    /// <summary>
    /// The eight horizontal sums (Σ of the lanes of each of a..h) as one vector, by a reduction tree: adjacent lanes
    /// of pairs, then 128-bit lanes of pairs of those, then 256-bit halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> SumEachDouble(
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Decompose(Vector512<T> value, out Vector512<T> exponent)
    {
        if (typeof(T) == typeof(double))
        {
            var bits = value.AsInt64() - Vector512.Create(VectorLog.SqrtHalfBits);
            exponent = ((Vector512.ShiftRightLogical(bits, 52) | Vector512.Create(VectorLog.TwoTo52Bits)).AsDouble() - Vector512.Create(VectorLog.TwoTo52)).As<double, T>();
            return ((bits & Vector512.Create(VectorLog.MantissaMask)) + Vector512.Create(VectorLog.SqrtHalfBits)).As<long, T>();
        }

        var single = value.AsInt32() - Vector512.Create(VectorLog.SqrtHalfBitsSingle);
        exponent = ((Vector512.ShiftRightLogical(single, 23) | Vector512.Create(VectorLog.TwoTo23Bits)).AsSingle() - Vector512.Create(VectorLog.TwoTo23)).As<float, T>();
        return ((single & Vector512.Create(VectorLog.MantissaMaskSingle)) + Vector512.Create(VectorLog.SqrtHalfBitsSingle)).As<int, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ZeroAtOrBelow(Vector512<T> value, Vector512<T> threshold) =>
        Vector512.ConditionalSelect(Vector512.LessThanOrEqual(value, threshold), Vector512<T>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllFinite(Vector512<T> value) => Vector512.EqualsAll(value - value, Vector512<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyNaN(Vector512<T> value) => !Vector512.EqualsAll(value, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> PowerOfTwo(Vector512<T> shifted) =>
        typeof(T) == typeof(double)
            ? ((shifted.AsInt64() - Vector512.Create(VectorExp.ShifterBits - 1023L)) << 52).As<long, T>()
            : ((shifted.AsInt32() - Vector512.Create(VectorExp.ShifterBitsSingle - 127)) << 23).As<int, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreLogDensities(Vector512<T> squared, double normalizer, ref double target, nuint offset)
    {
        var half = Vector512.Create(-0.5);
        var constant = Vector512.Create(normalizer);
        if (typeof(T) == typeof(double))
        {
            Vector512.FusedMultiplyAdd(squared.AsDouble(), half, constant).StoreUnsafe(ref target, offset);
            return;
        }

        var single = squared.AsSingle();
        Vector512.FusedMultiplyAdd(Vector512.WidenLower(single), half, constant).StoreUnsafe(ref target, offset);
        Vector512.FusedMultiplyAdd(Vector512.WidenUpper(single), half, constant).StoreUnsafe(ref target, offset + (nuint)Vector512<double>.Count);
    }
}
