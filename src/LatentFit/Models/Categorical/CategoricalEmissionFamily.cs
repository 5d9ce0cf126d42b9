using System.Text.Json.Nodes;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;
using LatentFit.Transforms;

namespace LatentFit.Models.Categorical;

/// <summary>
/// K categorical emissions p(x = c | k) = p_kc over C categories, for category codes x ∈ {0, …, C − 1} in the first
/// column (a CSV column read as categories, <see cref="DataSet.Categories"/>). From the expected counts
/// n_kc = Σₙ wₙγₙₖ[xₙ = c] the weighted MLE is p_kc = n_kc / n_k, n_k = Σ_c n_kc, and Fisher's identity gives
/// ∂ℓ/∂a_kc = n_kc − n_k p_kc for the log-ratios a_kc = log p_kc − log p_kC (the softmax coordinates Baldi &amp;
/// Chauvin (1994) use for an HMM's emission rows).
/// </summary>
/// <remarks>
/// <para>
/// Zero probabilities are normal here: a category a component never emits gets p_kc = 0 from the M-step, and its
/// log-density log 0 = −∞ makes that component impossible for the rows of that category (the posterior gives it 0).
/// In η a zero is held as the log floor <see cref="SimplexTransform.LogFloor"/> (the one the hidden Markov model uses
/// for its initial and transition probabilities), so η stays finite and maps back to a probability of about 10⁻³⁰⁴.
/// </para>
/// <para>
/// A missing cell is marginalised: its log-density is 0 for every component (p(missing | k) = 1) and it adds no count,
/// so n_k is summed over the categories rather than taken from the occupancies, which count rows with missing cells too.
/// </para>
/// </remarks>
public sealed class CategoricalEmissionFamily : IEmissionFamily<CategoricalEmissionParameters, CategoricalEmissionStatistics>, IPortableEmissionFamily<CategoricalEmissionParameters>
{
    /// <summary>The kind of <see cref="Recipe"/>.</summary>
    public const string RecipeKind = "categorical";

    private const int Rows = 256;

    /// <summary>K emissions over <paramref name="categories"/> categories; <paramref name="labels"/>, when given, name them in <see cref="NaturalParameterNames"/>.</summary>
    /// <exception cref="ArgumentException">Fewer than one component or two categories, or labels that are not C.</exception>
    public CategoricalEmissionFamily(int components, int categories, IReadOnlyList<string>? labels = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(categories, 2);
        if (labels is not null && labels.Count != categories)
        {
            throw new ArgumentException($"expected {categories} category labels, got {labels.Count}", nameof(labels));
        }

        Components = components;
        Categories = categories;
        Labels = labels?.ToArray();
        NaturalParameterNames = [.. Enumerable.Range(1, components).SelectMany(k => Enumerable.Range(0, categories).Select(c => $"probability[{k}][{labels?[c] ?? (c + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}]"))];
    }

    /// <inheritdoc/>
    public int Components { get; }

    /// <summary>C, the number of categories.</summary>
    public int Categories { get; }

    /// <inheritdoc/>
    /// <remarks>K·(C − 1): each row's log-ratios against its last category.</remarks>
    public int ParameterCount => Components * (Categories - 1);

    /// <inheritdoc/>
    /// <remarks>probability[k][c], K·C names, row by row; c is the label where the family was given labels, else 1..C.</remarks>
    public IReadOnlyList<string> NaturalParameterNames { get; }

    /// <summary>The categories' labels the family was given (they name the parameters), or null.</summary>
    public IReadOnlyList<string>? Labels { get; }

    /// <inheritdoc/>
    /// <remarks>Kind <c>categorical</c>: components, categories and the labels (null when the family has none).</remarks>
    public ModelRecipe Recipe => PortableRecipes.Create(RecipeKind, new JsonObject
    {
        ["components"] = Components,
        ["categories"] = Categories,
        ["labels"] = Labels is null ? null : new JsonArray([.. Labels.Select(label => (JsonNode?)JsonValue.Create(label))]),
    });

    /// <inheritdoc/>
    /// <remarks>The K·C probabilities, row by row.</remarks>
    public double[] WriteParameters(CategoricalEmissionParameters emission)
    {
        if (emission.Categories != Categories)
        {
            throw new ArgumentException($"parameters over {emission.Categories} categories; the family has {Categories}", nameof(emission));
        }

        PortableRecipes.RequireLength(emission.Probabilities, Components * Categories, "categorical probabilities");
        return emission.Probabilities.ToArray();
    }

    /// <inheritdoc/>
    public CategoricalEmissionParameters ReadParameters(ReadOnlySpan<double> values)
    {
        PortableRecipes.RequireLength(values, Components * Categories, "categorical probabilities");
        return CategoricalEmissionParameters.Own(Categories, values.ToArray());
    }

    /// <summary>Checks that the data are one column of category codes 0..C − 1 (or missing cells).</summary>
    /// <exception cref="DataFormatException">Not one column, or a value that is not a code, naming its row and column.</exception>
    public void ValidateData(DataSet data)
    {
        if (data.Dimension != 1)
        {
            throw new DataFormatException($"{data.Source}: a categorical emission needs one column of categories, got {data.Dimension} ({string.Join(", ", data.ColumnNames)}); select one column", data.Source)
            {
                Settings = [FitSetting.Columns],
            };
        }

        for (int n = 0; n < data.Rows; n++)
        {
            if (!data.IsMissing(n, 0) && Code(data[n, 0]) < 0)
            {
                throw new DataFormatException($"{data.Source}: data row {n + 1}, column \"{data.ColumnNames[0]}\": {data[n, 0]} is not a category code (an integer from 0 to {Categories - 1}); read the column as categories", data.Source, null, 1, data.ColumnNames[0]);
            }
        }
    }

    /// <inheritdoc/>
    public CategoricalEmissionStatistics CreateStatistics() => new(Components, Categories);

    /// <inheritdoc/>
    public int BlockRows(Precision precision) => Rows;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The parameters are not K rows of C probabilities.</exception>
    public IEmissionWorkspace CreateWorkspace(CategoricalEmissionParameters emission, CategoricalEmissionStatistics into, int capacityRows, Precision precision)
    {
        CheckShape(emission);
        return new Workspace(emission, into, capacityRows, this);
    }

    /// <inheritdoc/>
    /// <exception cref="ModelFailureException">A component has no observed (non-missing) weight left.</exception>
    public CategoricalEmissionParameters Maximize(CategoricalEmissionParameters current, CategoricalEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight)
    {
        int c = Categories;
        var probabilities = new double[Components * c];
        for (int k = 0; k < Components; k++)
        {
            var counts = statistics.Counts.AsSpan(k * c, c);
            double total = RowTotal(counts);
            if (!(total > 0))
            {
                throw new ModelFailureException($"component {k + 1} has no observed categories assigned to it (only missing cells); reduce the number of components or choose another start.");
            }

            for (int j = 0; j < c; j++)
            {
                probabilities[k * c + j] = counts[j] / total;
            }
        }

        return CategoricalEmissionParameters.Own(c, probabilities);
    }

    /// <inheritdoc/>
    /// <remarks>Σₖ Σ_c n_kc log p_kc; each row's gradient in its log-ratios is n_kc − nₖ p_kc at any p. The counts are raw, so θₜ is not needed.</remarks>
    public double CompleteDataLogLikelihood(CategoricalEmissionParameters theta, CategoricalEmissionParameters at, CategoricalEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient)
    {
        int c = Categories;
        double value = 0;
        for (int k = 0; k < Components; k++)
        {
            var counts = statistics.Counts.AsSpan(k * c, c);
            value += SimplexTransform.ExpectedLogLikelihood(counts, theta.Row(k));
            SimplexTransform.Gradient(counts, RowTotal(counts), theta.Row(k), gradient.Slice(k * (c - 1), c - 1));
        }

        return value;
    }

    /// <inheritdoc/>
    public void Gradient(CategoricalEmissionParameters current, CategoricalEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient)
    {
        int c = Categories;
        for (int k = 0; k < Components; k++)
        {
            var counts = statistics.Counts.AsSpan(k * c, c);
            SimplexTransform.Gradient(counts, RowTotal(counts), current.Row(k), gradient.Slice(k * (c - 1), c - 1));
        }
    }

    /// <inheritdoc/>
    public void ToUnconstrained(CategoricalEmissionParameters emission, Span<double> eta)
    {
        CheckShape(emission);
        int c = Categories;
        for (int k = 0; k < Components; k++)
        {
            SimplexTransform.ToFlooredLogRatios(emission.Row(k), eta.Slice(k * (c - 1), c - 1));
        }
    }

    /// <inheritdoc/>
    public CategoricalEmissionParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        int c = Categories;
        var probabilities = new double[Components * c];
        for (int k = 0; k < Components; k++)
        {
            SimplexTransform.FromLogRatios(eta.Slice(k * (c - 1), c - 1), probabilities.AsSpan(k * c, c));
        }

        return CategoricalEmissionParameters.Own(c, probabilities);
    }

    /// <inheritdoc/>
    public void ToNatural(CategoricalEmissionParameters emission, Span<double> natural) => emission.Probabilities.CopyTo(natural);

    /// <inheritdoc/>
    /// <remarks>False where an entry is negative or not finite or a row sums to 0; rows are normalised.</remarks>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out CategoricalEmissionParameters emission)
    {
        emission = null!;
        var rows = natural[..(Components * Categories)];
        foreach (double p in rows)
        {
            if (!(p >= 0) || !double.IsFinite(p))
            {
                return false;
            }
        }

        for (int k = 0; k < Components; k++)
        {
            if (!(RowTotal(rows.Slice(k * Categories, Categories)) > 0))
            {
                return false;
            }
        }

        emission = CategoricalEmissionParameters.Create(Categories, rows);
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>Log-ratios are dimensionless: 1.</remarks>
    public void Scales(CategoricalEmissionParameters emission, Span<double> scales) => scales.Fill(1);

    /// <summary>The category code that <paramref name="value"/> stands for, or −1 when it is not an integer in 0..C − 1.</summary>
    private int Code(double value) => value >= 0 && value < Categories && value == Math.Floor(value) ? (int)value : -1;

    private static double RowTotal(ReadOnlySpan<double> counts)
    {
        double total = 0;
        foreach (double count in counts)
        {
            total += count;
        }

        return total;
    }

    private void CheckShape(CategoricalEmissionParameters emission)
    {
        if (emission.Components != Components || emission.Categories != Categories)
        {
            throw new ArgumentException($"the family has {Components} components over {Categories} categories; the parameters have {emission.Components} over {emission.Categories}", nameof(emission));
        }
    }

    /// <summary>log p_kc once per chunk (log 0 = −∞); the block's codes once per block (−1 for a missing cell).</summary>
    private sealed class Workspace : IEmissionWorkspace
    {
        private readonly CategoricalEmissionStatistics _into;
        private readonly CategoricalEmissionFamily _family;
        private readonly double[] _logProbabilities;
        private readonly int[] _codes;

        public Workspace(CategoricalEmissionParameters emission, CategoricalEmissionStatistics into, int capacityRows, CategoricalEmissionFamily family)
        {
            _into = into;
            _family = family;
            _logProbabilities = new double[emission.Probabilities.Length];
            for (int i = 0; i < _logProbabilities.Length; i++)
            {
                _logProbabilities[i] = Math.Log(emission.Probabilities[i]);
            }

            _codes = new int[capacityRows];
        }

        /// <exception cref="ArgumentException">A value is not a category code (<see cref="ValidateData"/> names it in the data set's terms).</exception>
        public void Load(DataBlock block)
        {
            for (int n = 0; n < block.Rows; n++)
            {
                if (block.IsMissing(n, 0))
                {
                    _codes[n] = -1;
                    continue;
                }

                int code = _family.Code(block[n, 0]);
                if (code < 0)
                {
                    throw new ArgumentException($"data row {block.FirstRow + n + 1}: {block[n, 0]} is not a category code (an integer from 0 to {_family.Categories - 1})", nameof(block));
                }

                _codes[n] = code;
            }
        }

        public void LogDensities(DataBlock block, Span<double> logDensities)
        {
            int b = block.Rows, c = _family.Categories;
            for (int k = 0; k < _family.Components; k++)
            {
                var column = logDensities.Slice(k * b, b);
                var logRow = _logProbabilities.AsSpan(k * c, c);
                for (int n = 0; n < b; n++)
                {
                    int code = _codes[n];
                    column[n] = code < 0 ? 0 : logRow[code];
                }
            }
        }

        public void Accumulate(DataBlock block, ReadOnlySpan<double> posteriors)
        {
            int b = block.Rows, c = _family.Categories;
            var counts = _into.Counts;
            for (int k = 0; k < _family.Components; k++)
            {
                for (int n = 0; n < b; n++)
                {
                    int code = _codes[n];
                    if (code >= 0)
                    {
                        counts[k * c + code] += block.RowWeight(n) * posteriors[k * b + n];
                    }
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
