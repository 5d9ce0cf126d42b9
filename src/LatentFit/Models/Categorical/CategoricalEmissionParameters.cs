namespace LatentFit.Models.Categorical;

/// <summary>
/// Immutable emission parameters of K categorical components (or states) over C categories: K rows of C
/// probabilities p_kc ≥ 0 that sum to 1, row-major. A zero is a category the component never emits.
/// </summary>
public sealed class CategoricalEmissionParameters
{
    private readonly double[] _probabilities;

    private CategoricalEmissionParameters(int categories, double[] probabilities)
    {
        Categories = categories;
        _probabilities = probabilities;
    }

    /// <summary>K.</summary>
    public int Components => _probabilities.Length / Categories;

    /// <summary>C.</summary>
    public int Categories { get; }

    /// <summary>p_kc, row-major: component k's row is [k·C, (k + 1)·C).</summary>
    public ReadOnlySpan<double> Probabilities => _probabilities;

    /// <summary>Component <paramref name="component"/>'s row p_k· (0-based).</summary>
    public ReadOnlySpan<double> Row(int component) => _probabilities.AsSpan(component * Categories, Categories);

    /// <summary>
    /// Parameters from K rows of <paramref name="categories"/> probabilities, row-major: each row's entries non-negative
    /// and finite with a positive sum, normalised to sum to 1 (as <c>HmmParameters.Create</c> treats its rows).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two categories, a length that is not a positive multiple of C, an entry negative or not finite, or a row that sums to 0.</exception>
    public static CategoricalEmissionParameters Create(int categories, ReadOnlySpan<double> probabilities)
    {
        if (categories < 2)
        {
            throw new ArgumentException($"a categorical emission needs at least 2 categories, got {categories}", nameof(categories));
        }

        if (probabilities.Length == 0 || probabilities.Length % categories != 0)
        {
            throw new ArgumentException($"expected K rows of {categories} probabilities, got {probabilities.Length} values", nameof(probabilities));
        }

        var rows = probabilities.ToArray();
        for (int k = 0; k < rows.Length / categories; k++)
        {
            var row = rows.AsSpan(k * categories, categories);
            double sum = 0;
            foreach (double p in row)
            {
                if (!(p >= 0) || !double.IsFinite(p))
                {
                    throw new ArgumentException($"row {k + 1} of the probabilities has an entry {p}; probabilities are finite and non-negative", nameof(probabilities));
                }

                sum += p;
            }

            if (!(sum > 0))
            {
                throw new ArgumentException($"row {k + 1} of the probabilities sums to 0; it must be a probability distribution", nameof(probabilities));
            }

            for (int c = 0; c < categories; c++)
            {
                row[c] /= sum;
            }
        }

        return new CategoricalEmissionParameters(categories, rows);
    }

    /// <summary>Takes ownership of rows that are already valid probability vectors.</summary>
    internal static CategoricalEmissionParameters Own(int categories, double[] probabilities) => new(categories, probabilities);
}
