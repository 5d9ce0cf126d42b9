using System.Numerics;
using System.Runtime.CompilerServices;

namespace LatentFit.Numerics.Kernels;

/// <summary>
/// log x for lanes with normal x ≥ √½, inlined: the mixture posterior's logarithm of each row's sum of exponentials
/// (in [1, K] in float64, where the largest term is e⁰ = 1; within [e^−1/256, 1.004·K] in float32, see
/// <c>MixturePosterior.SinglePrecisionShifts</c>). The runtime's <c>Vector512.Log</c> and the others are calls that
/// handle every input (zero, subnormals, negative numbers, NaN), across which every vector register is saved; on x86
/// without AVX2 the process starts with CoreLib's precompiled code for them, software fallbacks per element until the
/// runtime recompiles them (the 128-bit path's first one to three iterations took 60–124 ms against 12–20 ms after).
/// Written here because no library offers an inlinable vector logarithm.
/// <para>
/// The reduction and polynomial of fdlibm's <c>e_log.c</c> (Sun Microsystems, 1993; the same in glibc and the BSDs'
/// libm): x = 2ᵉ·m with m ∈ [√½, √2), f = m − 1, s = f/(2 + f), so that log m = 2 atanh s = f − f²/2 + s(f²/2 + R(s²)),
/// with R a minimax polynomial of degree 7 in s² (error below 2⁻⁵⁸·⁴⁵ on that range), and e·ln 2 added in two parts
/// (ln 2's high part has 32 significant bits, so e·high is exact). Within one ulp of <see cref="Math.Log(double)"/>. In float32
/// the same steps with the float64 coefficients rounded to float32 (more terms than float32 needs; a single division
/// and a few multiply-adds a row, whatever K) and ln 2 split after 15 significant bits.
/// </para>
/// </summary>
internal static class VectorLog
{
    /// <summary>The bits of √½ in float64: subtracted from x's bits, they leave e in the exponent field and m − √½'s offset in the mantissa.</summary>
    public const long SqrtHalfBits = 0x3FE6A09E667F3BCD;

    /// <summary>The bits of √½ rounded down to float32.</summary>
    public const int SqrtHalfBitsSingle = 0x3F3504F3;

    /// <summary>2⁵², whose low mantissa bits take a small integer exactly: (bits of 2⁵² | e) − 2⁵² = e.</summary>
    public const double TwoTo52 = 4503599627370496.0;

    /// <summary>The bits of <see cref="TwoTo52"/>.</summary>
    public const long TwoTo52Bits = 0x4330000000000000;

    /// <summary>2²³ in float32, likewise.</summary>
    public const float TwoTo23 = 8388608f;

    /// <summary>The bits of <see cref="TwoTo23"/>.</summary>
    public const int TwoTo23Bits = 0x4B000000;

    /// <summary>The mantissa field of a float64.</summary>
    public const long MantissaMask = 0x000FFFFFFFFFFFFF;

    /// <summary>The mantissa field of a float32.</summary>
    public const int MantissaMaskSingle = 0x007FFFFF;

    // fdlibm's e_log.c: Lg1..Lg7, the minimax R(z) = Lg1·z + … + Lg7·z⁷ on z = s² ∈ [0, 0.1716²].
    private const double Lg1 = 6.666666666666735130e-01;
    private const double Lg2 = 3.999999999940941908e-01;
    private const double Lg3 = 2.857142874366239149e-01;
    private const double Lg4 = 2.222219843214978396e-01;
    private const double Lg5 = 1.818357216161805012e-01;
    private const double Lg6 = 1.531383769920937332e-01;
    private const double Lg7 = 1.479819860511658591e-01;

    // ln 2 in float32: 22713/2¹⁵ high (15 significant bits, so e·high is exact for |e| < 2⁹), and the rest.
    private const float Ln2HighSingle = 0.693145751953125f;
    private const float Ln2LowSingle = 1.428606765330187e-06f;

    /// <summary>log x per lane for normal x ≥ √½ (outside that, wrong: no handling of zero, subnormals, ∞ or NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector OfAtLeastSqrtHalf<TLanes, TVector, T>(TVector x)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool wide = typeof(T) == typeof(double);
        var m = TLanes.Decompose(x, out var e);
        var f = TLanes.Subtract(m, TLanes.Broadcast(T.One));
        var s = TLanes.Divide(f, TLanes.Add(TLanes.Broadcast(T.CreateTruncating(2.0)), f));
        var z = TLanes.Multiply(s, s);
        var w = TLanes.Multiply(z, z);

        // R = z·(Lg1 + w(Lg3 + w(Lg5 + w·Lg7))) + w·(Lg2 + w(Lg4 + w·Lg6)): the odd and even terms as two chains.
        var odd = TLanes.MultiplyAdd(w, TLanes.Broadcast(T.CreateTruncating(Lg7)), TLanes.Broadcast(T.CreateTruncating(Lg5)));
        odd = TLanes.MultiplyAdd(odd, w, TLanes.Broadcast(T.CreateTruncating(Lg3)));
        odd = TLanes.MultiplyAdd(odd, w, TLanes.Broadcast(T.CreateTruncating(Lg1)));
        var even = TLanes.MultiplyAdd(w, TLanes.Broadcast(T.CreateTruncating(Lg6)), TLanes.Broadcast(T.CreateTruncating(Lg4)));
        even = TLanes.MultiplyAdd(even, w, TLanes.Broadcast(T.CreateTruncating(Lg2)));
        var r = TLanes.Add(TLanes.Multiply(z, odd), TLanes.Multiply(w, even));

        // log x = e·high − ((f²/2 − (s(f²/2 + R) + e·low)) − f), fdlibm's order of operations.
        var halfSquare = TLanes.Multiply(TLanes.Multiply(TLanes.Broadcast(T.CreateTruncating(0.5)), f), f);
        var high = TLanes.Broadcast(wide ? T.CreateTruncating(VectorExp.Ln2High) : T.CreateTruncating(Ln2HighSingle));
        var low = TLanes.Broadcast(wide ? T.CreateTruncating(VectorExp.Ln2Low) : T.CreateTruncating(Ln2LowSingle));
        var tail = TLanes.MultiplyAdd(s, TLanes.Add(halfSquare, r), TLanes.Multiply(e, low));
        return TLanes.Subtract(TLanes.Multiply(e, high), TLanes.Subtract(TLanes.Subtract(halfSquare, tail), f));
    }
}
