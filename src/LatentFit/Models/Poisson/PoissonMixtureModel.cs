using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Poisson;

/// <summary>
/// A K-component Poisson mixture p(x) = Σₖ πₖ e^{−λₖ} λₖˣ / x! for counts x ∈ {0, 1, 2, …}: mixing weights and a
/// <see cref="PoissonEmissionFamily"/>, composed by <see cref="MixtureOfEmissions{TEmission, TStatistics}"/>, with optional row
/// frequency weights (a frequency table). η = (a₁..a_{K−1}, log λ₁..log λ_K) with aₖ = log πₖ − log π_K.
/// </summary>
/// <remarks>
/// Statistics nₖ = Σwₙrₙₖ, sₖ = Σwₙrₙₖxₙ; M-step πₖ = nₖ/N, λₖ = sₖ/nₖ; Fisher gradient ∂ℓ/∂aₖ = nₖ − Nπₖ,
/// ∂ℓ/∂log λₖ = sₖ − nₖλₖ. ℓ includes the −log x! terms.
/// </remarks>
public sealed class PoissonMixtureModel :
    ILatentVariableModel<PoissonMixtureParameters, PoissonMixtureStatistics>,
    IObservedInformationModel<PoissonMixtureParameters>,
    INaturalParameterization<PoissonMixtureParameters>,
    ICompleteDataModel<PoissonMixtureParameters, PoissonMixtureStatistics>,
    IPortableModel<PoissonMixtureParameters>
{
    private readonly MixtureOfEmissions<PoissonEmissionParameters, PoissonEmissionStatistics> _mixture;

    /// <summary>A model with K components.</summary>
    public PoissonMixtureModel(int components)
    {
        Emission = new PoissonEmissionFamily(components);
        _mixture = new(Emission);
    }

    /// <summary>The components' emission family.</summary>
    public PoissonEmissionFamily Emission { get; }

    /// <summary>K.</summary>
    public int Components => Emission.Components;

    /// <inheritdoc/>
    public int ParameterCount => 2 * Components - 1;

    /// <inheritdoc/>
    public GradientSupport GradientSupport => GradientSupport.Exact;

    /// <inheritdoc/>
    public IReadOnlyList<string> NaturalParameterNames => _mixture.NaturalParameterNames;

    /// <inheritdoc/>
    /// <remarks>Kind <c>mixture</c>, with the emission family's recipe as <c>emission</c>.</remarks>
    public ModelRecipe Recipe => _mixture.Recipe;

    /// <inheritdoc/>
    /// <remarks>The K weights, then the emission family's values.</remarks>
    public double[] WriteParameters(PoissonMixtureParameters theta) => _mixture.WriteParameters(theta.Weights, theta.Emission);

    /// <inheritdoc/>
    public PoissonMixtureParameters ReadParameters(ReadOnlySpan<double> values)
    {
        var (weights, emission) = _mixture.ReadParameters(values);
        return PoissonMixtureParameters.Own(weights, emission);
    }

    /// <summary>Checks that the data are one column of non-negative integer counts.</summary>
    /// <exception cref="DataFormatException">Not one column, or a value that is not a count, naming its row and column.</exception>
    public static void ValidateData(DataSet data)
    {
        if (data.Dimension != 1)
        {
            throw new DataFormatException($"{data.Source}: a Poisson mixture needs one column of counts, got {data.Dimension} ({string.Join(", ", data.ColumnNames)}); select one column", data.Source)
            {
                Settings = [FitSetting.Columns],
            };
        }

        for (int n = 0; n < data.Rows; n++)
        {
            double x = data[n, 0];
            // Counts above 2⁵³ are no longer exact integers in a double.
            if (x < 0 || x != Math.Floor(x) || x > 9007199254740992.0)
            {
                throw new DataFormatException($"{data.Source}: data row {n + 1}, column \"{data.ColumnNames[0]}\": {x} is not a count (a non-negative integer, at most 2^53)", data.Source, null, 1, data.ColumnNames[0]);
            }
        }
    }

    /// <inheritdoc/>
    public PoissonMixtureStatistics CreateStatistics() => new(Components);

    /// <inheritdoc/>
    public void Accumulate(PoissonMixtureParameters theta, DataBlock rows, PoissonMixtureStatistics into) =>
        _mixture.Accumulate(theta.Weights, theta.Emission, rows, into);

    /// <inheritdoc/>
    public PoissonMixtureParameters Maximize(PoissonMixtureParameters current, PoissonMixtureStatistics stats)
    {
        var (weights, emission) = _mixture.Maximize(current.Emission, stats);
        return PoissonMixtureParameters.Own(weights, emission);
    }

    /// <inheritdoc/>
    public void Gradient(PoissonMixtureParameters current, PoissonMixtureStatistics stats, Span<double> gradient) =>
        _mixture.Gradient(current.Weights, current.Emission, stats, gradient);

    /// <inheritdoc/>
    public double CompleteDataLogLikelihood(PoissonMixtureParameters theta, PoissonMixtureParameters at, PoissonMixtureStatistics stats, Span<double> gradient) =>
        _mixture.CompleteDataLogLikelihood(theta.Weights, theta.Emission, at.Emission, stats, gradient);

    /// <inheritdoc/>
    public void AccumulateHessian(PoissonMixtureParameters theta, DataBlock rows, Span<double> hessian)
    {
        // The responsibilities come from the shared posterior, a block at a time; its statistics are not needed.
        var hessianArray = new double[hessian.Length];
        _mixture.Accumulate(theta.Weights, theta.Emission, rows, CreateStatistics(), (block, posteriors) => AddHessian(theta, block, posteriors, hessianArray));
        for (int i = 0; i < hessian.Length; i++)
        {
            hessian[i] += hessianArray[i];
        }
    }

    /// <summary>Adds the block's rows' terms of the observed information, given their responsibilities (K×B, component-major).</summary>
    private void AddHessian(PoissonMixtureParameters theta, DataBlock block, ReadOnlySpan<double> posteriors, Span<double> hessian)
    {
        int k = Components, p = ParameterCount, b = block.Rows;
        Span<double> responsibilities = stackalloc double[k];
        Span<double> meanScore = stackalloc double[p];
        var weights = theta.Weights;
        var rates = theta.Rates;

        for (int n = 0; n < b; n++)
        {
            double x = block[n, 0];
            double weight = block.RowWeight(n);
            for (int j = 0; j < k; j++)
            {
                responsibilities[j] = posteriors[j * b + n];
            }

            // The complete-data score for z = j is S = (e_j − π, (x − λⱼ)e_j) in (logits, log-rates), so each block of
            // E[SSᵀ | x] has a closed form and the row costs O(P²), not O(K·P²):
            //   logits × logits    diag(r′) − r′πᵀ − πr′ᵀ + ππᵀ        (r′: the first K−1 responsibilities)
            //   logits × log λₘ    rₘ(x − λₘ)(e_m − π)
            //   log λₘ × log λₘ    rₘ(x − λₘ)²  (zero off the diagonal)
            for (int a = 0; a < k - 1; a++)
            {
                meanScore[a] = responsibilities[a] - weights[a];
            }

            for (int m = 0; m < k; m++)
            {
                meanScore[k - 1 + m] = responsibilities[m] * (x - rates[m]);
            }

            for (int a = 0; a < k - 1; a++)
            {
                var row = hessian.Slice(a * p, p);
                for (int b2 = 0; b2 < k - 1; b2++)
                {
                    double second = (a == b2 ? responsibilities[a] : 0) - responsibilities[a] * weights[b2] - weights[a] * responsibilities[b2] + weights[a] * weights[b2];

                    // E[∇² log p(x,z) | x] for the logits: −(diag π − ππᵀ).
                    double curvature = (a == b2 ? weights[a] : 0) - weights[a] * weights[b2];
                    row[b2] += weight * (second - meanScore[a] * meanScore[b2] - curvature);
                }

                for (int m = 0; m < k; m++)
                {
                    double second = responsibilities[m] * (x - rates[m]) * ((a == m ? 1 : 0) - weights[a]);
                    double value = weight * (second - meanScore[a] * meanScore[k - 1 + m]);
                    row[k - 1 + m] += value;
                    hessian[(k - 1 + m) * p + a] += value;
                }
            }

            for (int m = 0; m < k; m++)
            {
                var row = hessian.Slice((k - 1 + m) * p, p);
                double centred = x - rates[m];
                for (int m2 = 0; m2 < k; m2++)
                {
                    double second = m == m2 ? responsibilities[m] * centred * centred : 0;

                    // E[∇² log p(x,z) | x] for the log-rates: −rₘλₘ on the diagonal.
                    double curvature = m == m2 ? responsibilities[m] * rates[m] : 0;
                    row[k - 1 + m2] += weight * (second - meanScore[k - 1 + m] * meanScore[k - 1 + m2] - curvature);
                }
            }
        }
    }

    /// <inheritdoc/>
    public void ToUnconstrained(PoissonMixtureParameters theta, Span<double> eta) =>
        _mixture.ToUnconstrained(theta.Weights, theta.Emission, eta);

    /// <inheritdoc/>
    public PoissonMixtureParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        var (weights, emission) = _mixture.FromUnconstrained(eta);
        return PoissonMixtureParameters.Own(weights, emission);
    }

    /// <inheritdoc/>
    public void ToNatural(PoissonMixtureParameters theta, Span<double> natural) =>
        _mixture.ToNatural(theta.Weights, theta.Emission, natural);

    /// <inheritdoc/>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out PoissonMixtureParameters theta)
    {
        bool valid = _mixture.TryFromNatural(natural, out var weights, out var emission);
        theta = valid ? PoissonMixtureParameters.Own(weights, emission) : null!;
        return valid;
    }
}
