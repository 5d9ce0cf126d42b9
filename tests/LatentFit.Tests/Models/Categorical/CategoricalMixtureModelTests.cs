using LatentFit.Data;
using LatentFit.Models.Categorical;
using LatentFit.Objectives;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Categorical;

/// <summary>The categorical mixture (the family composed by the shared mixture) against ℓ, responsibilities and the EM update written here.</summary>
public sealed class CategoricalMixtureModelTests
{
    internal const int Categories = 4;

    internal static readonly CategoricalMixtureParameters Theta = CategoricalMixtureParameters.Create(
        [0.3, 0.7],
        CategoricalEmissionParameters.Create(Categories, [0.1, 0.2, 0.3, 0.4, 0.5, 0.25, 0.15, 0.1]));

    /// <summary>Codes with frequency weights, one cell missing.</summary>
    internal static DataSet Data()
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 60).Select(_ => (double)random.Next(Categories)).ToArray();
        var weights = Enumerable.Range(0, 60).Select(_ => 1.0 + random.Next(3)).ToArray();
        values[9] = double.NaN;
        return new DataSet("codes", ["x"], values, 60, weights, new DataSetLayout
        {
            Categories = [["A", "C", "G", "T"]],
            MissingCells = values.Select(double.IsNaN).ToArray(),
        });
    }

    /// <summary>ℓ = Σₙ wₙ log Σₖ πₖ p_k(xₙ), p_k(missing) = 1.</summary>
    private static double ReferenceLogLikelihood(CategoricalMixtureParameters theta, DataSet data)
    {
        double total = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            double density = 0;
            for (int k = 0; k < theta.Components; k++)
            {
                density += theta.Weights[k] * (data.IsMissing(n, 0) ? 1 : theta.Emission.Probabilities[k * Categories + (int)data[n, 0]]);
            }

            total += data.RowWeights!.Value.Span[n] * Math.Log(density);
        }

        return total;
    }

    [Fact]
    public void ValueAndGradient_MatchReferenceAndItsCentralDifferences()
    {
        var data = Data();
        var model = new CategoricalMixtureModel(2, Categories);
        var problem = new FitProblem<CategoricalMixtureParameters, CategoricalMixtureStatistics>(model, data);
        var eta = problem.ToUnconstrained(Theta);
        var gradient = new double[eta.Length];
        Assert.Equal(ReferenceLogLikelihood(Theta, data), problem.ValueAndGradient(eta, gradient), 1e-11);
        for (int i = 0; i < eta.Length; i++)
        {
            double expected = CentralDifference.Richardson(x => ReferenceLogLikelihood(model.FromUnconstrained(x), data), eta, i);
            Assert.True(Math.Abs(gradient[i] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"η[{i}]: {gradient[i]} vs central difference {expected}");
        }
    }

    [Fact]
    public void EmMap_IsTheUpdateWrittenHere()
    {
        var data = Data();
        var model = new CategoricalMixtureModel(2, Categories);
        var problem = new FitProblem<CategoricalMixtureParameters, CategoricalMixtureStatistics>(model, data);
        var next = new double[model.ParameterCount];
        problem.EmMap(problem.ToUnconstrained(Theta), next);
        var updated = model.FromUnconstrained(next);

        // rₙₖ ∝ πₖ p_k(xₙ); πₖ' = Σ wₙrₙₖ / Σ wₙ over all rows; p_kc' = Σ wₙrₙₖ[xₙ = c] / Σ wₙrₙₖ over the rows with a category.
        var occupancy = new double[2];
        var counts = new double[2 * Categories];
        double total = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            double w = data.RowWeights!.Value.Span[n];
            total += w;
            var joint = new double[2];
            for (int k = 0; k < 2; k++)
            {
                joint[k] = Theta.Weights[k] * (data.IsMissing(n, 0) ? 1 : Theta.Emission.Probabilities[k * Categories + (int)data[n, 0]]);
            }

            for (int k = 0; k < 2; k++)
            {
                double r = joint[k] / joint.Sum();
                occupancy[k] += w * r;
                if (!data.IsMissing(n, 0))
                {
                    counts[k * Categories + (int)data[n, 0]] += w * r;
                }
            }
        }

        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(occupancy[k] / total, updated.Weights[k], 1e-12);
            double observed = counts.Skip(k * Categories).Take(Categories).Sum();
            for (int c = 0; c < Categories; c++)
            {
                Assert.Equal(counts[k * Categories + c] / observed, updated.Emission.Probabilities[k * Categories + c], 1e-12);
            }
        }
    }
}
