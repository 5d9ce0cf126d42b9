using System.Numerics;
using System.Runtime.CompilerServices;

namespace LatentFit.Numerics.Kernels;

/// <summary>
/// eˣ for float64 lanes with x in [−708, 0], inlined: the mixture posterior's exponentials of log-densities less their
/// row's maximum (clamped at −700). The runtime's <c>Vector256.Exp</c> is a call that handles every input (overflow,
/// subnormal results, NaN), across which every vector register is saved; this one needs none of that on its domain,
/// and with it the diagonal benchmark's E-step took 43.7–44.3 ms per iteration instead of 46.3–47.6 (the 2-D one
/// 11.9–12.6 instead of 13.8–14.5). Written here because no library offers an inlinable vector exponential.
/// <para>
/// The usual reduction (Cody and Waite; e.g. Muller, <i>Elementary Functions</i>, 3rd ed., § 11.1): k = round(x·log₂e),
/// r = x − k·ln 2 in two parts (ln 2's high part has 32 significant bits, so k·high is exact for |k| &lt; 2²¹),
/// eʳ by its Taylor polynomial of degree 13 on |r| ≤ ½ln 2 (truncation below 4e-18), and 2ᵏ built in the exponent
/// field. k comes from adding 1.5·2⁵² (which leaves round(x·log₂e) in the low mantissa bits, with no float-to-integer
/// conversion, which AVX2 lacks for 64-bit integers). Within one ulp of <see cref="Math.Exp"/>, and unbiased (tested
/// on every path).
/// </para>
/// <para>
/// In float32 (the float32 posterior, x in [−87, 0]) the same reduction with ln 2 split as in Cephes' <c>expf</c>, and
/// the Taylor polynomial of degree 7 (truncation below 6e-9 relative, a tenth of an ulp); within one float32 ulp of
/// the correctly rounded value. The runtime's float32 exponential widens each vector into two float64 vectors, takes
/// a float64 exponential of each and narrows the results, and is a call across which every vector register is
/// saved: 3.8 % of the samples of a float32 fit at D = 16 (perf).
/// </para>
/// </summary>
internal static class VectorExp
{
    /// <summary>1.5·2⁵²: added to x·log₂e, rounds it to an integer held in the low bits of the mantissa.</summary>
    public const double Shifter = 6755399441055744.0;

    /// <summary>The bits of <see cref="Shifter"/> as an integer.</summary>
    public const long ShifterBits = 0x4338000000000000;

    /// <summary>1.5·2²³: added to x·log₂e in float32, rounds it to an integer held in the low bits of the mantissa.</summary>
    public const float ShifterSingle = 12582912f;

    /// <summary>The bits of <see cref="ShifterSingle"/> as an integer.</summary>
    public const int ShifterBitsSingle = 0x4B400000;

    private const double Log2E = 1.4426950408889634;

    // ln 2 in two float32 parts: the high part has 9 significant bits, so k·high is exact for |k| < 2¹⁵ (Cephes' expf).
    private const float Ln2HighSingle = 0.693359375f;
    private const float Ln2LowSingle = -2.12194440e-4f;
    /// <summary>ln 2's high part in float64 (fdlibm's): 32 significant bits, so k·high is exact for |k| &lt; 2²¹.</summary>
    internal const double Ln2High = 6.93147180369123816490e-01;

    /// <summary>ln 2 − <see cref="Ln2High"/>.</summary>
    internal const double Ln2Low = 1.90821492927058770002e-10;

    /// <summary>
    /// eˣ per lane of four vectors at once, for −708 ≤ x ≤ 0 in float64 and −87 ≤ x ≤ 0 in float32 (outside them,
    /// wrong: no overflow, underflow or NaN handling). Each step is written for the four vectors in turn. The polynomial
    /// is a chain of dependent multiply-adds (thirteen in float64, about 85 cycles from x to eˣ on a Zen 3), and the JIT
    /// emits one exponential's instructions after the other's: with one vector a step, the waiting operations of two
    /// or three exponentials filled the out-of-order window, and by its share of the samples the float64 posterior's
    /// exponential loop took about 36 cycles a vector where its seventeen multiply-adds need 8.5. Interleaved, four
    /// chains fit the same window: the float64 posterior's samples against the log-densities' fell from 0.31–0.34 to
    /// 0.27–0.31 with two vectors a step and to 0.23–0.26 with four, the float32 posterior's from 0.29–0.30 to
    /// 0.19–0.26 (full D = 16, K = 16, perf, Zen 3, alternating builds). Each value takes the same operations as one
    /// vector at a time would, so a slot's results do not depend on the others' (tested), and the posterior's bits are
    /// unchanged.
    /// On x86 without FMA (the 128-bit path with AVX2 switched off) the lanes multiply and add apart. There the runtime's
    /// exponential served until 2026-12-04 (measured faster then, on a Zen 3, before the four chains were interleaved),
    /// but it is a call that starts as CoreLib's precompiled software fallback, and its float32 version widens each
    /// vector into two float64 vectors: with the inlined one instead, a single-thread E-step on a Zen 4 with AVX2 and
    /// AVX-512 switched off took 31.0–31.5 against 33.0–33.3 ms (float64, 1M/2/3), 101–107 against 110–112 (float64
    /// diag 1M/16/8), 18.6–19.0 against 22.2–22.5 (float32, 1M/2/3) and 52–56 against 61 (float32 diag), and the first
    /// iterations of a float32 fit no longer wait for the runtime to recompile its exponential. Without FMA the float64
    /// results stay within one ulp (tested) and the float32 ones within 1.04 ulp at worst seen (two allowed in the test).
    /// e⁰ = 1 exactly (tested), and eˣ ≤ 1 for x ≤ 0: above −½ln 2, k = 0 and r = x, so the last Horner step is 1 plus a
    /// non-positive value; below, 2ᵏ ≤ ½ and the polynomial is below √2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OfNonPositive<TLanes, TVector, T>(TVector x0, TVector x1, TVector x2, TVector x3, out TVector e0, out TVector e1, out TVector e2, out TVector e3)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool wide = typeof(T) == typeof(double);
        var shifter = TLanes.Broadcast(wide ? T.CreateTruncating(Shifter) : T.CreateTruncating(ShifterSingle));
        var log2E = TLanes.Broadcast(T.CreateTruncating(Log2E));
        var shifted0 = TLanes.MultiplyAdd(x0, log2E, shifter);
        var shifted1 = TLanes.MultiplyAdd(x1, log2E, shifter);
        var shifted2 = TLanes.MultiplyAdd(x2, log2E, shifter);
        var shifted3 = TLanes.MultiplyAdd(x3, log2E, shifter);
        var k0 = TLanes.Subtract(shifted0, shifter);
        var k1 = TLanes.Subtract(shifted1, shifter);
        var k2 = TLanes.Subtract(shifted2, shifter);
        var k3 = TLanes.Subtract(shifted3, shifter);

        // r = x − k·ln 2 in two parts.
        var high = TLanes.Broadcast(wide ? T.CreateTruncating(-Ln2High) : T.CreateTruncating(-Ln2HighSingle));
        var r0 = TLanes.MultiplyAdd(k0, high, x0);
        var r1 = TLanes.MultiplyAdd(k1, high, x1);
        var r2 = TLanes.MultiplyAdd(k2, high, x2);
        var r3 = TLanes.MultiplyAdd(k3, high, x3);
        var low = TLanes.Broadcast(wide ? T.CreateTruncating(-Ln2Low) : T.CreateTruncating(-Ln2LowSingle));
        r0 = TLanes.MultiplyAdd(k0, low, r0);
        r1 = TLanes.MultiplyAdd(k1, low, r1);
        r2 = TLanes.MultiplyAdd(k2, low, r2);
        r3 = TLanes.MultiplyAdd(k3, low, r3);

        // Horner from 1/13! (float64) or 1/7! (float32) down to 1, written out: as a loop over a table of
        // coefficients the JIT kept r₀..r₃ on the stack, storing and reloading them at every step.
        TVector p0, p1, p2, p3;
        if (wide)
        {
            p0 = p1 = p2 = p3 = TLanes.Broadcast(T.CreateTruncating(1.0 / 6227020800.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 479001600.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 39916800.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 3628800.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 362880.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 40320.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 5040.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 720.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 120.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 24.0));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1.0 / 6.0));
        }
        else
        {
            p0 = p1 = p2 = p3 = TLanes.Broadcast(T.CreateTruncating(1f / 5040f));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1f / 720f));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1f / 120f));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1f / 24f));
            Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(1f / 6f));
        }

        Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.CreateTruncating(0.5));
        Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.One);
        Step(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, T.One);
        e0 = TLanes.Multiply(p0, TLanes.PowerOfTwo(shifted0));
        e1 = TLanes.Multiply(p1, TLanes.PowerOfTwo(shifted1));
        e2 = TLanes.Multiply(p2, TLanes.PowerOfTwo(shifted2));
        e3 = TLanes.Multiply(p3, TLanes.PowerOfTwo(shifted3));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Step(ref TVector p0, ref TVector p1, ref TVector p2, ref TVector p3, TVector r0, TVector r1, TVector r2, TVector r3, T coefficient)
        {
            var c = TLanes.Broadcast(coefficient);
            p0 = TLanes.MultiplyAdd(p0, r0, c);
            p1 = TLanes.MultiplyAdd(p1, r1, c);
            p2 = TLanes.MultiplyAdd(p2, r2, c);
            p3 = TLanes.MultiplyAdd(p3, r3, c);
        }
    }
}
