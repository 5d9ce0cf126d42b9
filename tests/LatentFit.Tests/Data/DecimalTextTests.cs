using System.Globalization;
using System.Text;
using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary><see cref="DecimalText"/> against the runtime's own parser (double.Parse), bit for bit.</summary>
public sealed class DecimalTextTests
{
    private static void AssertSameAsRuntime(string text, ref int taken)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (DecimalText.TryParse(bytes, out double value))
        {
            taken++;
            Assert.True(double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double expected), text);
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(value), $"\"{text}\": {value:R}, runtime {expected:R}");
        }
    }

    [Fact]
    public void TryParse_RandomNumbersInManySpellings_SameBitsAsRuntime()
    {
        var random = new Random(20261202);
        int taken = 0, tried = 0;
        string[] formats = ["R", "G17", "G16", "G15", "E10", "F6", "F0"];
        for (int n = 0; n < 40_000; n++)
        {
            double x = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-12, 14));
            foreach (string format in formats)
            {
                AssertSameAsRuntime(x.ToString(format, CultureInfo.InvariantCulture), ref taken);
                tried++;
            }

            // Random digit strings: up to 19 significant digits, a point anywhere, an exponent, white space.
            var digits = new StringBuilder(random.Next(2) == 0 ? "-" : string.Empty);
            int count = random.Next(1, 20);
            int pointAt = random.Next(count + 1);
            for (int d = 0; d < count; d++)
            {
                digits.Append(d == pointAt ? "." : string.Empty).Append((char)('0' + random.Next(10)));
            }

            digits.Append(random.Next(3) == 0 ? $"e{random.Next(-25, 25)}" : string.Empty).Append(random.Next(5) == 0 ? " " : string.Empty);
            AssertSameAsRuntime(digits.ToString(), ref taken);
            tried++;
        }

        // Most of them take the fast route, so that this test checks it and not only the fallback.
        Assert.True(taken > tried * 0.8, $"{taken} of {tried}");
    }

    [Theory]
    [InlineData("9007199254740993")] // 2^53 + 1: a tie, to even
    [InlineData("9007199254740995")]
    [InlineData("9007199254740993.0000001")]
    [InlineData("0.1")]
    [InlineData("-0")]
    [InlineData("+.5")]
    [InlineData("5.")]
    [InlineData("1e22")]
    [InlineData("123456789012345678e-22")]
    [InlineData(" 2.5\t")]
    [InlineData("4503599627370497.5")] // 2^52 + 1.5: a tie between two integers
    public void TryParse_EdgeCases_SameBitsAsRuntimeOrDeclined(string text)
    {
        int taken = 0;
        AssertSameAsRuntime(text, ref taken);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1e")]
    [InlineData("1.2.3")]
    [InlineData("1,5")]
    [InlineData("NaN")]
    [InlineData("1e999")]
    [InlineData("0x10")]
    public void TryParse_NotAPlainDecimal_Declined(string text) =>
        Assert.False(DecimalText.TryParse(Encoding.ASCII.GetBytes(text), out _));
}
