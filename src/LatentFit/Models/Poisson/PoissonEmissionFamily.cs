using System.Text.Json.Nodes;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;
using LatentFit.Numerics;

namespace LatentFit.Models.Poisson;

/// <summary>
/// K Poisson emissions p(x | λₖ) = e^{−λₖ} λₖˣ / x! for counts x ∈ {0, 1, 2, …} in the first column. η = log λₖ; the
/// weighted MLE is λₖ = sₖ / nₖ and ∂ℓ/∂log λₖ = sₖ − nₖλₖ (Fisher's identity). The log-densities include the −log x! terms.
/// </summary>
public sealed class PoissonEmissionFamily : IEmissionFamily<PoissonEmissionParameters, PoissonEmissionStatistics>, IPortableEmissionFamily<PoissonEmissionParameters>
{
    /// <summary>The kind of <see cref="Recipe"/>.</summary>
    public const string RecipeKind = "poisson";

    private const int Rows = 256;

    /// <summary>K emissions.</summary>
    public PoissonEmissionFamily(int components)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        Components = components;
        NaturalParameterNames = [.. Enumerable.Range(1, components).Select(k => $"rate[{k}]")];
    }

    /// <inheritdoc/>
    public int Components { get; }

    /// <inheritdoc/>
    public int ParameterCount => Components;

    /// <inheritdoc/>
    public IReadOnlyList<string> NaturalParameterNames { get; }

    /// <inheritdoc/>
    public PoissonEmissionStatistics CreateStatistics() => new(Components);

    /// <inheritdoc/>
    /// <remarks>Kind <c>poisson</c>: components.</remarks>
    public ModelRecipe Recipe => PortableRecipes.Create(RecipeKind, new JsonObject { ["components"] = Components });

    /// <inheritdoc/>
    /// <remarks>The K rates, which is all θₑ holds (the workspace takes their logarithms per E-step).</remarks>
    public double[] WriteParameters(PoissonEmissionParameters emission)
    {
        PortableRecipes.RequireLength(emission.Rates, Components, "Poisson rates");
        return emission.Rates.ToArray();
    }

    /// <inheritdoc/>
    public PoissonEmissionParameters ReadParameters(ReadOnlySpan<double> values)
    {
        PortableRecipes.RequireLength(values, Components, "Poisson rates");
        return PoissonEmissionParameters.Own(values.ToArray());
    }

    /// <inheritdoc/>
    public int BlockRows(Precision precision) => Rows;

    /// <inheritdoc/>
    public IEmissionWorkspace CreateWorkspace(PoissonEmissionParameters emission, PoissonEmissionStatistics into, int capacityRows, Precision precision) =>
        new Workspace(emission, into, capacityRows);

    /// <inheritdoc/>
    /// <exception cref="ModelFailureException">A rate fell to 0 (only zero counts were assigned to its component).</exception>
    public PoissonEmissionParameters Maximize(PoissonEmissionParameters current, PoissonEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight)
    {
        var rates = new double[Components];
        for (int j = 0; j < Components; j++)
        {
            rates[j] = statistics.WeightedSums[j] / occupancies[j];
            if (!(rates[j] > 0))
            {
                // Only zeros were assigned to this component: λ = 0 is a boundary the η parameterisation cannot hold.
                throw new ModelFailureException($"component {j + 1}'s rate fell to 0: it holds only zero counts. Reduce the number of components or choose another start.");
            }
        }

        return PoissonEmissionParameters.Own(rates);
    }

    /// <inheritdoc/>
    public void Gradient(PoissonEmissionParameters current, PoissonEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient)
    {
        for (int j = 0; j < Components; j++)
        {
            gradient[j] = statistics.WeightedSums[j] - occupancies[j] * current.Rates[j];
        }
    }

    /// <inheritdoc/>
    /// <remarks>Σₖ sₖ log λₖ − nₖλₖ (the −log x! terms are constant in θ); ∂/∂log λₖ = sₖ − nₖλₖ at any λ. The statistics are raw sums, so θₜ is not needed.</remarks>
    public double CompleteDataLogLikelihood(PoissonEmissionParameters theta, PoissonEmissionParameters at, PoissonEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient)
    {
        double value = 0;
        for (int j = 0; j < Components; j++)
        {
            double rate = theta.Rates[j], sum = statistics.WeightedSums[j];
            value += (sum != 0 ? sum * Math.Log(rate) : 0) - occupancies[j] * rate;
            gradient[j] = sum - occupancies[j] * rate;
        }

        return value;
    }

    /// <inheritdoc/>
    public void ToUnconstrained(PoissonEmissionParameters emission, Span<double> eta)
    {
        for (int j = 0; j < Components; j++)
        {
            eta[j] = Math.Log(emission.Rates[j]);
        }
    }

    /// <inheritdoc/>
    public PoissonEmissionParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        var rates = new double[Components];
        for (int j = 0; j < Components; j++)
        {
            rates[j] = Math.Exp(eta[j]);
        }

        return PoissonEmissionParameters.Own(rates);
    }

    /// <inheritdoc/>
    public void ToNatural(PoissonEmissionParameters emission, Span<double> natural) => emission.Rates.CopyTo(natural);

    /// <inheritdoc/>
    /// <remarks>False where a rate is not positive and finite.</remarks>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out PoissonEmissionParameters emission)
    {
        var rates = natural[..Components].ToArray();
        foreach (double rate in rates)
        {
            if (!(rate > 0) || !double.IsFinite(rate))
            {
                emission = null!;
                return false;
            }
        }

        emission = PoissonEmissionParameters.Own(rates);
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>log λ is dimensionless: 1.</remarks>
    public void Scales(PoissonEmissionParameters emission, Span<double> scales) => scales.Fill(1);

    /// <summary>log λₖ once per chunk, log x! once per row of a block.</summary>
    private sealed class Workspace : IEmissionWorkspace
    {
        private readonly PoissonEmissionParameters _emission;
        private readonly PoissonEmissionStatistics _into;
        private readonly double[] _logRates;
        private readonly double[] _logFactorials;

        public Workspace(PoissonEmissionParameters emission, PoissonEmissionStatistics into, int capacityRows)
        {
            _emission = emission;
            _into = into;
            _logRates = new double[emission.Components];
            for (int j = 0; j < _logRates.Length; j++)
            {
                _logRates[j] = Math.Log(emission.Rates[j]);
            }

            _logFactorials = new double[capacityRows];
        }

        public void Load(DataBlock block)
        {
            for (int n = 0; n < block.Rows; n++)
            {
                _logFactorials[n] = SpecialFunctions.LogFactorial(block[n, 0]);
            }
        }

        public void LogDensities(DataBlock block, Span<double> logDensities)
        {
            int b = block.Rows;
            var rates = _emission.Rates;
            for (int j = 0; j < _logRates.Length; j++)
            {
                var column = logDensities.Slice(j * b, b);
                for (int n = 0; n < b; n++)
                {
                    column[n] = -rates[j] + block[n, 0] * _logRates[j] - _logFactorials[n];
                }
            }
        }

        public void Accumulate(DataBlock block, ReadOnlySpan<double> posteriors)
        {
            int b = block.Rows;
            for (int j = 0; j < _logRates.Length; j++)
            {
                double sum = _into.WeightedSums[j];
                for (int n = 0; n < b; n++)
                {
                    sum += block.RowWeight(n) * posteriors[j * b + n] * block[n, 0];
                }

                _into.WeightedSums[j] = sum;
            }
        }

        public void Dispose()
        {
        }
    }
}
