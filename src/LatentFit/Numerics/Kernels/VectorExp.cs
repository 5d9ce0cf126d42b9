using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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
    private const double Ln2High = 6.93147180369123816490e-01;
    private const double Ln2Low = 1.90821492927058770002e-10;

    /// <summary>
    /// eˣ per lane for −708 ≤ x ≤ 0 (outside it, wrong: no overflow, underflow or NaN handling). On x86 without FMA
    /// (the 128-bit path with AVX2 switched off), whose lanes multiply and add apart, the polynomial was slower than
    /// the runtime's exponential (the diagonal E-step 90.5 ms against 76.8), so there it is the runtime's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector OfNonPositive<TLanes, TVector>(TVector x)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        if (!Fma.IsSupported && !AdvSimd.IsSupported)
        {
            return TLanes.Exp(x);
        }

        var shifter = TLanes.Broadcast(Shifter);
        var shifted = TLanes.MultiplyAdd(x, TLanes.Broadcast(Log2E), shifter);
        var k = TLanes.Subtract(shifted, shifter);
        var r = TLanes.MultiplyAdd(k, TLanes.Broadcast(-Ln2High), x);
        r = TLanes.MultiplyAdd(k, TLanes.Broadcast(-Ln2Low), r);

        // Horner from 1/13! down to 1.
        var p = TLanes.Broadcast(1.0 / 6227020800.0);
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 479001600.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 39916800.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 3628800.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 362880.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 40320.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 5040.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 720.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 120.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 24.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0 / 6.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(0.5));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1.0));
        return TLanes.Multiply(p, TLanes.PowerOfTwo(shifted));
    }

    /// <summary>
    /// eˣ per float32 lane for −87 ≤ x ≤ 0 (outside it, wrong), for the float32 posterior. The runtime's float32
    /// exponential widens each vector into two float64 vectors, takes a float64 exponential of each and narrows the
    /// results, and is a call across which every vector register is saved: 3.8 % of the samples of a float32 fit at
    /// D = 16 (perf). The same reduction as <see cref="OfNonPositive{TLanes, TVector}"/> in float32, and eʳ by its
    /// Taylor polynomial of degree 7 on |r| ≤ ½ln 2 (truncation below 6e-9 relative, a tenth of an ulp). e⁰ = 1
    /// exactly. Within one ulp of the correctly rounded value, and unbiased (tested on every path). On x86 without
    /// FMA, the runtime's, as in float64.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector OfNonPositiveSingle<TLanes, TVector>(TVector x)
        where TLanes : struct, ILanes<TVector, float>
        where TVector : unmanaged
    {
        if (!Fma.IsSupported && !AdvSimd.IsSupported)
        {
            return TLanes.Exp(x);
        }

        var shifter = TLanes.Broadcast(ShifterSingle);
        var shifted = TLanes.MultiplyAdd(x, TLanes.Broadcast((float)Log2E), shifter);
        var k = TLanes.Subtract(shifted, shifter);
        var r = TLanes.MultiplyAdd(k, TLanes.Broadcast(-Ln2HighSingle), x);
        r = TLanes.MultiplyAdd(k, TLanes.Broadcast(-Ln2LowSingle), r);

        // Horner from 1/7! down to 1.
        var p = TLanes.Broadcast(1f / 5040f);
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1f / 720f));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1f / 120f));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1f / 24f));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1f / 6f));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(0.5f));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1f));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1f));
        return TLanes.Multiply(p, TLanes.PowerOfTwo(shifted));
    }
}
