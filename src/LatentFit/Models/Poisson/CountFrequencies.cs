using LatentFit.Numerics;

namespace LatentFit.Models.Poisson;

/// <summary>
/// The weighted frequency of each distinct count among a set of rows: what a pass accumulates to find weighted
/// quantiles of counts without sorting the rows. Adding another set of rows adds its weights value by value; the flat
/// form is the (count, weight) pairs in ascending order of count, one pair per count seen.
/// </summary>
/// <remarks>
/// Weighted quantiles from the table equal those from sorting the rows whenever the weights' partial sums are exact,
/// as they are for unit or integer frequency weights (integers below 2⁵³ add without rounding).
/// </remarks>
public sealed class CountFrequencies : IAdditive<CountFrequencies>
{
    private readonly Dictionary<double, double> _weights = [];

    /// <summary>Adds a row with count <paramref name="count"/> and weight <paramref name="weight"/> (a weight of 0 still enters the count).</summary>
    public void Add(double count, double weight) =>
        _weights[count] = _weights.TryGetValue(count, out double sum) ? sum + weight : weight;

    /// <summary>The counts seen, ascending, with their summed weights.</summary>
    public IReadOnlyList<(double Count, double Weight)> Ascending() =>
        [.. _weights.OrderBy(pair => pair.Key).Select(pair => (pair.Key, pair.Value))];

    /// <summary>
    /// The weighted quantiles <paramref name="probabilities"/>: for each p, the smallest count whose cumulative weight
    /// reaches p times the total weight. The total is summed in the same order as the cumulative weights, so for
    /// p &lt; 1 the last count always reaches it.
    /// </summary>
    public double[] Quantiles(IReadOnlyList<double> probabilities)
    {
        var table = Ascending();
        double total = 0;
        foreach (var (_, weight) in table)
        {
            total += weight;
        }

        var quantiles = new double[probabilities.Count];
        for (int j = 0; j < quantiles.Length; j++)
        {
            double target = probabilities[j] * total, cumulative = 0;
            foreach (var (count, weight) in table)
            {
                cumulative += weight;
                if (cumulative >= target)
                {
                    quantiles[j] = count;
                    break;
                }
            }
        }

        return quantiles;
    }

    /// <inheritdoc/>
    public int FlatLength => 2 * _weights.Count;

    /// <inheritdoc/>
    public void Clear() => _weights.Clear();

    /// <inheritdoc/>
    public void Add(CountFrequencies other)
    {
        foreach (var (count, weight) in other.Ascending())
        {
            Add(count, weight);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The destination's length is not <see cref="FlatLength"/>.</exception>
    public void WriteFlat(Span<double> destination)
    {
        if (destination.Length != FlatLength)
        {
            throw new ArgumentException($"the table of {_weights.Count} counts is {FlatLength} values, got room for {destination.Length}", nameof(destination));
        }

        int at = 0;
        foreach (var (count, weight) in Ascending())
        {
            destination[at++] = count;
            destination[at++] = weight;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">An odd number of values.</exception>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        if (source.Length % 2 != 0)
        {
            throw new ArgumentException($"a table of counts is (count, weight) pairs, got {source.Length} values", nameof(source));
        }

        _weights.Clear();
        for (int at = 0; at < source.Length; at += 2)
        {
            _weights[source[at]] = source[at + 1];
        }
    }
}
