using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics;
using LatentFit.Transforms;

namespace LatentFit.Models.Poisson;

/// <summary>
/// A K-component Poisson mixture p(x) = Σₖ πₖ e^{−λₖ} λₖˣ / x! for counts x ∈ {0, 1, 2, …}, with optional row
/// frequency weights (a frequency table). η = (a₁..a_{K−1}, log λ₁..log λ_K) with aₖ = log πₖ − log π_K.
/// </summary>
/// <remarks>
/// Statistics nₖ = Σwₙrₙₖ, sₖ = Σwₙrₙₖxₙ; M-step πₖ = nₖ/N, λₖ = sₖ/nₖ; Fisher gradient ∂ℓ/∂aₖ = nₖ − Nπₖ,
/// ∂ℓ/∂log λₖ = sₖ − nₖλₖ. ℓ includes the −log x! terms.
/// </remarks>
public sealed class PoissonMixtureModel :
    ILatentVariableModel<PoissonMixtureParameters, PoissonMixtureStatistics>,
    IObservedInformationModel<PoissonMixtureParameters>,
    INaturalParameterization<PoissonMixtureParameters>
{
    /// <summary>A model with K components.</summary>
    public PoissonMixtureModel(int components)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        Components = components;
        NaturalParameterNames = [
            .. Enumerable.Range(1, components).Select(k => $"weight[{k}]"),
            .. Enumerable.Range(1, components).Select(k => $"rate[{k}]")];
    }

    /// <summary>K.</summary>
    public int Components { get; }

    /// <inheritdoc/>
    public int ParameterCount => 2 * Components - 1;

    /// <inheritdoc/>
    public GradientSupport GradientSupport => GradientSupport.Exact;

    /// <inheritdoc/>
    public IReadOnlyList<string> NaturalParameterNames { get; }

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
    public void Accumulate(PoissonMixtureParameters theta, DataBlock rows, PoissonMixtureStatistics into)
    {
        int k = Components;
        var logTerms = new double[k];
        var (logWeights, logRates) = Logarithms(theta);
        for (int n = 0; n < rows.Rows; n++)
        {
            double x = rows[n, 0];
            double weight = rows.RowWeight(n);
            double logMarginal = Posterior(theta, x, logWeights, logRates, logTerms);
            if (!double.IsFinite(logMarginal))
            {
                into.LogLikelihood = double.NegativeInfinity;
                continue;
            }

            into.LogLikelihood += weight * logMarginal;
            into.Weight += weight;
            for (int j = 0; j < k; j++)
            {
                double w = weight * logTerms[j];
                into.ComponentWeights[j] += w;
                into.WeightedSums[j] += w * x;
            }
        }
    }

    /// <summary>log πₖ and log λₖ, computed once per chunk rather than per row.</summary>
    private static (double[] LogWeights, double[] LogRates) Logarithms(PoissonMixtureParameters theta)
    {
        var logWeights = new double[theta.Components];
        var logRates = new double[theta.Components];
        for (int j = 0; j < theta.Components; j++)
        {
            logWeights[j] = Math.Log(theta.Weights[j]);
            logRates[j] = Math.Log(theta.Rates[j]);
        }

        return (logWeights, logRates);
    }

    /// <summary>Writes rₖ(x) to <paramref name="responsibilities"/> and returns log p(x).</summary>
    private double Posterior(PoissonMixtureParameters theta, double x, ReadOnlySpan<double> logWeights, ReadOnlySpan<double> logRates, Span<double> responsibilities)
    {
        double logFactorial = SpecialFunctions.LogFactorial(x);
        for (int j = 0; j < Components; j++)
        {
            responsibilities[j] = logWeights[j] - theta.Rates[j] + x * logRates[j] - logFactorial;
        }

        double logMarginal = LogSpace.LogSumExp(responsibilities);
        for (int j = 0; j < Components; j++)
        {
            responsibilities[j] = Math.Exp(responsibilities[j] - logMarginal);
        }

        return logMarginal;
    }

    /// <inheritdoc/>
    public PoissonMixtureParameters Maximize(PoissonMixtureParameters current, PoissonMixtureStatistics stats)
    {
        int k = Components;
        if (!double.IsFinite(stats.LogLikelihood))
        {
            throw new ModelFailureException("the log-likelihood at the current parameters is not finite, so there is no M-step from them; start from other parameters.");
        }

        var weights = new double[k];
        var rates = new double[k];
        for (int j = 0; j < k; j++)
        {
            if (!(stats.ComponentWeights[j] > 1e-10 * stats.Weight))
            {
                throw new ComponentCollapsedException(j, stats.ComponentWeights[j], stats.Weight);
            }

            weights[j] = stats.ComponentWeights[j] / stats.Weight;
            rates[j] = stats.WeightedSums[j] / stats.ComponentWeights[j];
            if (!(rates[j] > 0))
            {
                // Only zeros were assigned to this component: λ = 0 is a boundary the η parameterisation cannot hold.
                throw new ModelFailureException($"component {j + 1}'s rate fell to 0: it holds only zero counts. Reduce the number of components or choose another start.");
            }
        }

        return PoissonMixtureParameters.Own(weights, rates);
    }

    /// <inheritdoc/>
    public void Gradient(PoissonMixtureParameters current, PoissonMixtureStatistics stats, Span<double> gradient)
    {
        int k = Components;
        SimplexTransform.Gradient(stats.ComponentWeights, stats.Weight, current.Weights, gradient);
        for (int j = 0; j < k; j++)
        {
            gradient[k - 1 + j] = stats.WeightedSums[j] - stats.ComponentWeights[j] * current.Rates[j];
        }
    }

    /// <inheritdoc/>
    public void AccumulateHessian(PoissonMixtureParameters theta, DataBlock rows, Span<double> hessian)
    {
        int k = Components, p = ParameterCount;
        var responsibilities = new double[k];
        var meanScore = new double[p];
        var (logWeights, logRates) = Logarithms(theta);
        var weights = theta.Weights;
        var rates = theta.Rates;

        for (int n = 0; n < rows.Rows; n++)
        {
            double x = rows[n, 0];
            double weight = rows.RowWeight(n);
            Posterior(theta, x, logWeights, logRates, responsibilities);

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
    public void ToUnconstrained(PoissonMixtureParameters theta, Span<double> eta)
    {
        int k = Components;
        SimplexTransform.ToLogRatios(theta.Weights, eta);
        for (int j = 0; j < k; j++)
        {
            eta[k - 1 + j] = Math.Log(theta.Rates[j]);
        }
    }

    /// <inheritdoc/>
    public PoissonMixtureParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        int k = Components;
        var weights = new double[k];
        SimplexTransform.FromLogRatios(eta, weights);
        var rates = new double[k];
        for (int j = 0; j < k; j++)
        {
            rates[j] = Math.Exp(eta[k - 1 + j]);
        }

        return PoissonMixtureParameters.Own(weights, rates);
    }

    /// <inheritdoc/>
    public void ToNatural(PoissonMixtureParameters theta, Span<double> natural)
    {
        theta.Weights.CopyTo(natural);
        theta.Rates.CopyTo(natural[Components..]);
    }

    /// <inheritdoc/>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out PoissonMixtureParameters theta)
    {
        int k = Components;
        var weights = natural[..k].ToArray();
        var rates = natural.Slice(k, k).ToArray();
        double sum = 0;
        for (int j = 0; j < k; j++)
        {
            if (!(weights[j] > 0) || !(rates[j] > 0) || !double.IsFinite(rates[j]))
            {
                theta = null!;
                return false;
            }

            sum += weights[j];
        }

        for (int j = 0; j < k; j++)
        {
            weights[j] /= sum;
        }

        theta = PoissonMixtureParameters.Own(weights, rates);
        return true;
    }
}
