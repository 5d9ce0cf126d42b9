using System.Text.Json;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Fitting;
using LatentFit.Models.Gaussian;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;

namespace LatentFit.Tests.References;

/// <summary>
/// The default start and small-EM restarts against scikit-learn's default fit (issue 9): five clusters of unequal spread in four dimensions,
/// separated_5000x4.csv, and scikit-learn 1.2.1's fits of them in sklearn_default_fit.json (both written by
/// sklearn_default_fit.py; see README.md here).
/// </summary>
public sealed class DefaultStartReferenceTests
{
    private const int Components = 5;

    private static readonly Lazy<DataSet> Separated = new(() => CsvDataReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "References", "separated_5000x4.csv")));

    private static readonly Lazy<JsonElement> Reference = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "References", "sklearn_default_fit.json")));
        return document.RootElement.Clone();
    });

    /// <summary>scikit-learn's best default fit, run on to convergence: the maximum a good start reaches.</summary>
    private static double Maximum => Reference.Value.GetProperty("bestTight").GetDouble();

    [Fact]
    public void KMeansPlusPlus_GreedyOnUnequalSpread_FindsEveryClusterFromEverySeed()
    {
        var model = new GaussianMixtureModel(Components, 4, FullCovariance.Instance);
        bool Finds(int seed, int? candidates) => FindsEveryCluster(GaussianMixtureInitializer.KMeansPlusPlus(model, Separated.Value, seed, new ExecutionOptions(2), new KMeansOptions { CandidatesPerCentre = candidates, Runs = 1 }));

        // One run each (no best of several): the seeding alone must find the clusters.
        var greedy = Enumerable.Range(0, 20).Where(seed => !Finds(seed, null)).ToArray();
        Assert.True(greedy.Length == 0, $"greedy k-means++ missed a cluster from seeds {string.Join(", ", greedy)}");

        // The data discriminate: plain k-means++ (one draw per centre) puts two centres in one cluster for some seed.
        Assert.Contains(Enumerable.Range(0, 20), seed => !Finds(seed, 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Fit_DefaultSettings_ReachesScikitLearnMaximum(int seed)
    {
        var settings = new GaussianMixtureFitSettings { Data = Separated.Value, Components = Components, Seed = seed };
        var fit = GaussianMixtureFitter.Fit(settings, new ExpectationMaximizationOptimizer(), new FitOptions());
        Assert.True(fit.Result.LogLikelihood >= Reference.Value.GetProperty("best").GetDouble(), $"ℓ {fit.Result.LogLikelihood:R} below scikit-learn's default fit");
        Assert.True(Math.Abs(fit.Result.LogLikelihood - Maximum) <= 0.01, $"ℓ {fit.Result.LogLikelihood:R}, scikit-learn's maximum {Maximum:R}");
    }

    [Fact]
    public void Fit_SmallEmRestarts_CarriesTheBestShortRunToTheBestMaximum()
    {
        // Random-responsibility starts end their short runs at different heights, and not every one of them climbs to
        // the maximum when run on: with 2 restarts of 3 short runs each, the two best short runs must be the ones
        // carried on, and the kept start the better of them, finished, at the best of the full runs.
        var settings = new GaussianMixtureFitSettings { Data = Separated.Value, Components = Components, Initialization = InitializationMethod.RandomResponsibilities, Restarts = 2, Seed = 3 };
        var options = new FitOptions();
        var fit = GaussianMixtureFitter.Fit(settings, new ExpectationMaximizationOptimizer(), options, smallEm: new SmallEmOptions { StartsPerRestart = 3 });

        Assert.Equal(6, fit.Restarts.Count);
        var bestTwo = Enumerable.Range(0, 6).OrderByDescending(r => fit.Restarts[r].ShortLogLikelihood).Take(2).Order().ToArray();
        Assert.Equal(bestTwo, Enumerable.Range(0, 6).Where(r => fit.Restarts[r].Carried).ToArray());
        Assert.Equal(bestTwo.Max(r => fit.Restarts[r].LogLikelihood), fit.Result.LogLikelihood);
        Assert.All(bestTwo, r => Assert.True(fit.Restarts[r].LogLikelihood >= fit.Restarts[r].ShortLogLikelihood));
        Assert.All(fit.Restarts, r => Assert.InRange(r.ShortIterations, 1, 20));

        // Each start on its own, run to convergence: small EM's choice must be as good as the best of them.
        var full = Enumerable.Range(0, 6).Select(r => GaussianMixtureFitter.Fit(settings with { Restarts = 1, Seed = settings.Seed + r }, new ExpectationMaximizationOptimizer(), options).Result.LogLikelihood).ToArray();
        Assert.True(fit.Result.LogLikelihood >= full.Max() - 0.01, $"small EM {fit.Result.LogLikelihood:R}, full runs {string.Join(", ", full)}, short runs {string.Join(", ", fit.Restarts.Select(r => r.ShortLogLikelihood))}");
        Assert.True(Math.Abs(fit.Result.LogLikelihood - Maximum) <= 0.01, $"ℓ {fit.Result.LogLikelihood:R}, scikit-learn's maximum {Maximum:R}");
    }

    [Fact]
    public void Fit_SmallEmOnPoissonMixture_ReachesSquaremOptimum()
    {
        // Small EM is generic over models: the death-notice Poisson mixture from twenty short runs (2 restarts), two carried on, to the SQUAREM R
        // package's optimum (squarem_poisson.json).
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "References", "squarem_poisson.json")));
        var squarem = document.RootElement;
        double optimum = -squarem.GetProperty("squarem").GetProperty("negLogLikNoFactorial").GetDouble() - squarem.GetProperty("logFactorialTerm").GetDouble();
        var specification = new PoissonMixtureSpecification(Support.TestData.DeathNotices, 2, seed: 0, restarts: 2);
        var fit = ModelFitter.Fit(specification, new ExpectationMaximizationOptimizer(), new FitOptions { RelativeTolerance = 0, ParameterTolerance = 1e-8, MaxIterations = 100_000 });

        Assert.Equal(["quantiles", .. Enumerable.Repeat("perturbed quantiles", 19)], fit.Restarts.Select(r => r.Method));
        Assert.All(fit.Restarts, r => Assert.InRange(r.ShortIterations, 1, 20));
        Assert.Equal(2, fit.Restarts.Count(r => r.Carried));
        Assert.Equal(optimum, fit.Result.LogLikelihood, 1e-6);
    }

    /// <summary>Whether every mean of scikit-learn's fit has its own start mean within 1 (the clusters are about 10 apart).</summary>
    private static bool FindsEveryCluster(GaussianMixtureParameters start)
    {
        var means = Reference.Value.GetProperty("bestMeans").EnumerateArray().Select(m => m.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var matched = new HashSet<int>();
        foreach (var mean in means)
        {
            int nearest = Enumerable.Range(0, Components).MinBy(j => Distance(start.Mean(j), mean));
            if (Distance(start.Mean(nearest), mean) > 1 || !matched.Add(nearest))
            {
                return false;
            }
        }

        return true;
    }

    private static double Distance(ReadOnlySpan<double> a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < b.Length; i++)
        {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }

        return Math.Sqrt(sum);
    }
}
