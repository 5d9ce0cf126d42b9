namespace LatentFit.Models.Uniform;

/// <summary>Immutable emission parameters of K uniform components U(aₖ, bₖ), aₖ &lt; bₖ finite.</summary>
public sealed class UniformEmissionParameters
{
    private readonly double[] _lower;
    private readonly double[] _upper;

    private UniformEmissionParameters(double[] lower, double[] upper)
    {
        _lower = lower;
        _upper = upper;
    }

    /// <summary>K.</summary>
    public int Components => _lower.Length;

    /// <summary>Lower endpoints aₖ.</summary>
    public ReadOnlySpan<double> Lower => _lower;

    /// <summary>Upper endpoints bₖ.</summary>
    public ReadOnlySpan<double> Upper => _upper;

    /// <summary>Why <paramref name="lower"/> and <paramref name="upper"/> are not K valid intervals, or null when they are.</summary>
    internal static string? Invalid(ReadOnlySpan<double> lower, ReadOnlySpan<double> upper)
    {
        if (lower.Length < 1 || lower.Length != upper.Length)
        {
            return $"lower and upper: expected the same number (≥ 1) of each, got {lower.Length} and {upper.Length}";
        }

        for (int k = 0; k < lower.Length; k++)
        {
            if (!double.IsFinite(lower[k]) || !double.IsFinite(upper[k]) || !(upper[k] - lower[k] > 0))
            {
                // U(a, a) has unbounded density: the likelihood has no maximum there (see UniformEmissionFamily).
                return $"component {k + 1}: the interval [{lower[k]}, {upper[k]}] must have finite endpoints and positive width";
            }
        }

        return null;
    }

    /// <summary>Takes ownership of endpoints that are already valid.</summary>
    internal static UniformEmissionParameters Own(double[] lower, double[] upper) => new(lower, upper);
}
