namespace LatentFit.Data;

/// <summary>
/// Plain decimal numbers (<c>-7.2308777979353867</c>, <c>1.5e-3</c>) read to the correctly rounded double without
/// the general parser, for the CSV reader's hot loop; anything else is left to <see cref="double.TryParse(ReadOnlySpan{byte}, System.Globalization.NumberStyles, IFormatProvider?, out double)"/>.
/// </summary>
/// <remarks>
/// The text is w·10^q with an integer w of at most 18 digits (below 2^60) and |q| ≤ 22, so that 10^|q| is exact in
/// double (Clinger 1990, "How to read floating point numbers accurately", the fast path). w may exceed 2^53, so
/// w = w_hi + w_lo with w_hi = RN(w) and w_lo exact; the candidate h = RN(w_hi·10^q) or RN(w_hi/10^|q|) then
/// leaves an exactly representable remainder (w_hi·10^q − h for a product, w_hi − h·10^|q| for a quotient: Boldo &amp;
/// Daumas 2003, "Representable correcting terms for possibly underflowing floating point operations"), computed
/// exactly by one fused multiply-add. With w_lo added, δ = w·10^q − h is known to a relative 2^-51, and the
/// correctly rounded result is h, or its neighbour when |δ| is more than half the gap to it. Where |δ| is within a
/// relative 2^-30 of that half (a near-tie), the general parser decides.
/// </remarks>
internal static class DecimalText
{
    private const int MaximumDigits = 18;

    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>
    /// True with the correctly rounded value when <paramref name="text"/> (white space around it allowed, as the
    /// general parser allows it) is a decimal this route reads; false when the general parser must decide, which
    /// includes every malformed text.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        int i = 0, end = text.Length;
        while (i < end && IsWhite(text[i]))
        {
            i++;
        }

        while (end > i && IsWhite(text[end - 1]))
        {
            end--;
        }

        bool negative = false;
        if (i < end && (text[i] == (byte)'-' || text[i] == (byte)'+'))
        {
            negative = text[i++] == (byte)'-';
        }

        ulong w = 0;
        int digits = 0, exponent = 0;
        bool anyDigit = false, point = false;
        for (; i < end; i++)
        {
            uint digit = (uint)(text[i] - '0');
            if (digit <= 9)
            {
                anyDigit = true;
                exponent -= point ? 1 : 0;
                if (w != 0 || digit != 0)
                {
                    if (++digits > MaximumDigits)
                    {
                        return false;
                    }

                    w = (10 * w) + digit;
                }
            }
            else if (text[i] == (byte)'.' && !point)
            {
                point = true;
            }
            else
            {
                break;
            }
        }

        if (!anyDigit)
        {
            return false;
        }

        if (i < end && (text[i] | 0x20) == (byte)'e')
        {
            i++;
            bool negativeExponent = false;
            if (i < end && (text[i] == (byte)'-' || text[i] == (byte)'+'))
            {
                negativeExponent = text[i++] == (byte)'-';
            }

            int written = 0, start = i;
            for (; i < end && (uint)(text[i] - '0') <= 9; i++)
            {
                written = Math.Min((10 * written) + (text[i] - '0'), 100_000);
            }

            if (i == start)
            {
                return false;
            }

            exponent += negativeExponent ? -written : written;
        }

        if (i != end)
        {
            return false;
        }

        if (w == 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }

        if (exponent < -22 || exponent > 22)
        {
            return false;
        }

        double power = PowersOfTen[Math.Abs(exponent)];
        double high = (long)w;
        double low = (long)w - (long)high;
        double candidate, delta;
        if (exponent >= 0)
        {
            candidate = high * power;
            delta = Math.FusedMultiplyAdd(high, power, -candidate) + (low * power);
        }
        else
        {
            candidate = high / power;
            delta = (Math.FusedMultiplyAdd(-candidate, power, high) + low) / power;
        }

        double neighbour = delta >= 0 ? Math.BitIncrement(candidate) : Math.BitDecrement(candidate);
        double half = Math.Abs(neighbour - candidate) / 2, distance = Math.Abs(delta);
        const double nearTie = 1.0 / (1L << 30);
        if (distance < half * (1 - nearTie))
        {
            value = negative ? -candidate : candidate;
            return true;
        }

        if (distance > half * (1 + nearTie) && distance < 3 * half)
        {
            value = negative ? -neighbour : neighbour;
            return true;
        }

        return false;
    }

    /// <summary>White space as the general parser skips it around a number: space and \t to \r.</summary>
    private static bool IsWhite(byte c) => c == (byte)' ' || (uint)(c - '\t') <= '\r' - '\t';
}
