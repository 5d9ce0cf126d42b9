using LatentFit.Data;
using LatentFit.Models.Categorical;
using LatentFit.Models.Emissions;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Emissions;

/// <summary>
/// The emission contract, the same checks for every family: log-densities against a density written here, additivity
/// of the weighted accumulation over a split of the rows, the M-step against the weighted MLE computed here, and the
/// Fisher gradient against central differences of Q(η) = Σₙ wₙ Σₖ γₙₖ log pₖ(xₙ) with the density written here. The
/// posteriors γ are arbitrary (neither responsibilities nor state posteriors), as an HMM's would be to the family.
/// </summary>
public sealed class EmissionFamilyContractTests
{
    public static TheoryData<string> Families => new() { "full", "tied", "diag", "spherical", "poisson", "categorical" };

    [Theory]
    [MemberData(nameof(Families))]
    public void LogDensities_RandomParameters_MatchDensityWrittenInTest(string family) => ContractCase.For(family).CheckLogDensities();

    [Theory]
    [MemberData(nameof(Families))]
    public void Accumulate_SplitRows_AddsUpToAllRows(string family) => ContractCase.For(family).CheckAdditivity();

    [Theory]
    [MemberData(nameof(Families))]
    public void Maximize_ArbitraryPosteriors_IsWeightedMle(string family) => ContractCase.For(family).CheckMaximize();

    [Theory]
    [MemberData(nameof(Families))]
    public void Gradient_ArbitraryPosteriors_MatchesCentralDifferencesOfQ(string family) => ContractCase.For(family).CheckGradient();
}

/// <summary>One family under the contract: data, parameters, posteriors, and the reference computations written here.</summary>
internal abstract class ContractCase
{
    public const int Components = 3;

    public abstract void CheckLogDensities();

    public abstract void CheckAdditivity();

    public abstract void CheckMaximize();

    public abstract void CheckGradient();

    public static ContractCase For(string family)
    {
        var random = new Random(20261202);
        if (family == "poisson")
        {
            var data = ReferenceDensities.Counts(random, 300);
            var emission = PoissonMixtureParameters.Create([0.2, 0.3, 0.5], [0.7, 3.0, 9.5]).Emission;
            return new ContractCase<PoissonEmissionParameters, PoissonEmissionStatistics>(
                new PoissonEmissionFamily(Components), data, emission, Posteriors(random, data.Rows),
                (e, row, k) => ReferenceDensities.PoissonLog(row[0], e.Rates[k]),
                e => e.Rates.ToArray(),
                ReferenceDensities.PoissonMle);
        }

        if (family == "categorical")
        {
            var data = ReferenceDensities.Categories(random, 300, 4);
            var emission = CategoricalEmissionParameters.Create(4, [0.1, 0.2, 0.3, 0.4, 0.05, 0.05, 0.6, 0.3, 0.25, 0.25, 0.25, 0.25]);
            return new ContractCase<CategoricalEmissionParameters, CategoricalEmissionStatistics>(
                new CategoricalEmissionFamily(Components, 4), data, emission, Posteriors(random, data.Rows),
                (e, row, k) => Math.Log(e.Probabilities[k * 4 + (int)row[0]]),
                e => e.Probabilities.ToArray(),
                (data, posteriors) => ReferenceDensities.CategoricalMle(data, posteriors, 4));
        }

        CovarianceStructure.TryParse(family, out var structure);
        var gaussian = ReferenceDensities.Gaussian(random, 300, 3);
        var parameters = ReferenceDensities.GaussianParameters(random, structure, 3);
        return new ContractCase<GaussianEmissionParameters, GaussianEmissionStatistics>(
            new GaussianEmissionFamily(Components, 3, structure, 1e-6), gaussian, parameters.Emission, Posteriors(random, gaussian.Rows),
            (e, row, k) => ReferenceGaussianMixture.LogDensity(row, e.Mean(k).ToArray(), e.FullCovariances().AsSpan(k * 9, 9).ToArray()),
            e => [.. e.Means.ToArray(), .. e.FullCovariances()],
            (data, posteriors) => ReferenceDensities.GaussianMle(data, posteriors, structure, 1e-6));
    }

    /// <summary>γₙₖ &gt; 0 with Σₖ γₙₖ = 1, drawn at random, K×N component-major.</summary>
    private static double[] Posteriors(Random random, int rows)
    {
        var posteriors = new double[Components * rows];
        for (int n = 0; n < rows; n++)
        {
            double sum = 0;
            for (int k = 0; k < Components; k++)
            {
                sum += posteriors[k * rows + n] = 0.05 + random.NextDouble();
            }

            for (int k = 0; k < Components; k++)
            {
                posteriors[k * rows + n] /= sum;
            }
        }

        return posteriors;
    }
}

/// <summary>The contract checks, generic over the family's parameter and statistics types.</summary>
internal sealed class ContractCase<TEmission, TStatistics>(
    IEmissionFamily<TEmission, TStatistics> family,
    DataSet data,
    TEmission emission,
    double[] posteriors,
    Func<TEmission, double[], int, double> referenceLogDensity,
    Func<TEmission, double[]> comparable,
    Func<DataSet, double[], double[]> referenceMle) : ContractCase
    where TStatistics : IEmissionStatistics<TStatistics>
{
    private int K => family.Components;

    /// <summary>The posteriors of rows start..start+count, K×count.</summary>
    private double[] PosteriorsOf(int start, int count)
    {
        var slice = new double[K * count];
        for (int k = 0; k < K; k++)
        {
            Array.Copy(posteriors, k * data.Rows + start, slice, k * count, count);
        }

        return slice;
    }

    private TStatistics Accumulated(TEmission at, int start, int count)
    {
        var statistics = family.CreateStatistics();
        var block = data.Block(start, count);
        using var workspace = family.CreateWorkspace(at, statistics, count, block.Precision);
        workspace.Load(block);
        workspace.Accumulate(block, PosteriorsOf(start, count));
        return statistics;
    }

    private static double[] Flat(TStatistics statistics)
    {
        var flat = new double[statistics.FlatLength];
        statistics.WriteFlat(flat);
        return flat;
    }

    /// <summary>nₖ = Σₙ wₙγₙₖ.</summary>
    private double[] Occupancies()
    {
        var occupancies = new double[K];
        for (int k = 0; k < K; k++)
        {
            for (int n = 0; n < data.Rows; n++)
            {
                occupancies[k] += (data.RowWeights?.Span[n] ?? 1) * posteriors[k * data.Rows + n];
            }
        }

        return occupancies;
    }

    public override void CheckLogDensities()
    {
        var block = data.Block(0, data.Rows);
        var logDensities = new double[K * data.Rows];
        using (var workspace = family.CreateWorkspace(emission, family.CreateStatistics(), data.Rows, block.Precision))
        {
            workspace.Load(block);
            workspace.LogDensities(block, logDensities);
        }

        for (int n = 0; n < data.Rows; n++)
        {
            for (int k = 0; k < K; k++)
            {
                double expected = referenceLogDensity(emission, data.Row(n).ToArray(), k);
                Assert.True(Math.Abs(logDensities[k * data.Rows + n] - expected) <= 1e-10 * Math.Max(1, Math.Abs(expected)), $"row {n}, component {k}: {logDensities[k * data.Rows + n]} vs {expected}");
            }
        }
    }

    public override void CheckAdditivity()
    {
        var whole = Flat(Accumulated(emission, 0, data.Rows));
        var head = Accumulated(emission, 0, 113);
        head.AddScaled(Accumulated(emission, 113, data.Rows - 113), 1.0);
        var merged = Flat(head);
        Assert.Equal(whole.Length, merged.Length);
        Assert.Contains(whole, value => value != 0);
        for (int i = 0; i < whole.Length; i++)
        {
            Assert.True(Math.Abs(merged[i] - whole[i]) <= 1e-12 * Math.Max(1, Math.Abs(whole[i])), $"value {i}: {merged[i]} vs {whole[i]}");
        }
    }

    public override void CheckMaximize()
    {
        var occupancies = Occupancies();
        var next = family.Maximize(emission, Accumulated(emission, 0, data.Rows), occupancies, occupancies.Sum());
        var actual = comparable(next);
        var expected = referenceMle(data, posteriors);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-10 * Math.Max(1, Math.Abs(expected[i])), $"value {i}: {actual[i]} vs {expected[i]}");
        }
    }

    /// <summary>Q(η) = Σₙ wₙ Σₖ γₙₖ log pₖ(xₙ | θₑ(η)), with the density written in the test.</summary>
    private double Q(ReadOnlySpan<double> eta)
    {
        var at = family.FromUnconstrained(eta);
        double total = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            var row = data.Row(n).ToArray();
            for (int k = 0; k < K; k++)
            {
                total += (data.RowWeights?.Span[n] ?? 1) * posteriors[k * data.Rows + n] * referenceLogDensity(at, row, k);
            }
        }

        return total;
    }

    public override void CheckGradient()
    {
        var occupancies = Occupancies();
        var eta = new double[family.ParameterCount];
        family.ToUnconstrained(emission, eta);
        var gradient = new double[eta.Length];
        family.Gradient(emission, Accumulated(emission, 0, data.Rows), occupancies, occupancies.Sum(), gradient);
        for (int i = 0; i < eta.Length; i++)
        {
            // Central differences with Richardson's extrapolation, (4D(h/2) − D(h))/3, error O(h⁴): a step large enough
            // that the rounding of Q (hundreds of rows with far-off components) stays below the tolerance.
            double expected = CentralDifference.Richardson(x => Q(x), eta, i);
            Assert.True(Math.Abs(gradient[i] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"η[{i}]: {gradient[i]} vs central difference {expected}");
        }
    }
}
