using System.Text.Json;
using LatentFit.Fitting;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Gaussian;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using Xunit.Abstractions;

namespace LatentFit.Tests.References;

/// <summary>
/// The --restarts target of issue 9: with 10 restarts, a log-likelihood at least as high as the better of mclust's
/// <c>Mclust(X, G, modelName)</c> and scikit-learn's <c>GaussianMixture(n_init=10)</c>, within 0.01, on data sets that
/// mclust ships. The numbers are in restart_targets.json, made by restart_targets.R and restart_targets.py (see
/// README.md there). The default run takes the hard cases already met (DefaultCases); with the environment variable
/// LATENTFIT_RESTART_TARGETS=all it takes all 88, <see cref="KnownShortfalls"/> included (bench/restart-targets.sh).
/// </summary>
public sealed class RestartTargetTests(ITestOutputHelper output)
{
    /// <summary>Allowed shortfall in ℓ, the 0.01.</summary>
    private const double Slack = 0.01;

    // The hardest cases that 10 restarts meet (small EM: 100 short runs from greedy k-means++ starts and mclust's hc
    // start, the best 10 carried on, the best of each kind among them): mclust's start beats scikit-learn's best of 10
    // in the first six (faithful/4/full by 3.4, banknote/4/full by 0.9, thyroid/3/spherical by 72.0), scikit-learn
    // beats mclust in the others (by up to 181); the four before the last were missed by best-of-10 plain k-means++
    // restarts, the last by 5 short runs per restart.
    private static readonly string[] DefaultCases =
    [
        "faithful/4/full", "banknote/4/full", "thyroid/3/spherical", "cross/4/spherical", "thyroid/5/spherical",
        "diabetes/3/full", "thyroid/5/full", "ex4_4_2/5/diag", "ex4_4_2/5/spherical", "wreath/8/tied", "wreath/8/full",
    ];

    // Not met by 10 restarts from seed 0; run with LATENTFIT_RESTART_TARGETS=all. scikit-learn's n_init = 10
    // (random_state 0) finds a higher maximum (by 5.4) from one of its k-means starts that none of LatentFit's 100 short
    // runs from seeds 0..99 reaches. About one k-means start in 80 leads there, in scikit-learn and in LatentFit alike
    // (restart_seeds.json), so a fixed seed makes this a draw: RareMaximum_FoundAtLeastAsOftenAsScikitLearn compares
    // the chances instead. Move a case to DefaultCases once it passes.
    public static readonly string[] KnownShortfalls = ["diabetes/5/tied"];
    private static readonly Lazy<JsonElement[]> References = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "References", "restart_targets.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    });

    public static TheoryData<string, int, string> Cases()
    {
        bool all = Environment.GetEnvironmentVariable("LATENTFIT_RESTART_TARGETS") == "all";
        var data = new TheoryData<string, int, string>();
        foreach (var reference in References.Value)
        {
            string dataset = reference.GetProperty("dataset").GetString()!, covariance = reference.GetProperty("covariance").GetString()!;
            int k = reference.GetProperty("k").GetInt32();
            if (all || DefaultCases.Contains($"{dataset}/{k}/{covariance}"))
            {
                data.Add(dataset, k, covariance);
            }
        }

        return data;
    }

    /// <summary>
    /// The known shortfall as a chance: over 40 seeds, `--restarts 10` reaches the diabetes G=5 EEE maximum that
    /// scikit-learn's n_init = 10 finds from random_state 0 at least as often as scikit-learn does over its
    /// random_state 0..39 (8 of 40, restart_seeds.json). LatentFit's seeds are 100 apart, since restart r of seed s
    /// draws from seed s + r and small EM makes 100 starts: no two fits share a start.
    /// </summary>
    [Fact]
    public void RareMaximum_FoundAtLeastAsOftenAsScikitLearn()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "References", "restart_seeds.json")));
        var reference = document.RootElement;
        int seeds = reference.GetProperty("seeds").GetInt32(), sklearnHits = reference.GetProperty("hits").GetInt32();
        double best = reference.GetProperty("best").GetDouble();
        Assert.True(CovarianceStructure.TryParse(reference.GetProperty("covariance").GetString()!, out var structure));
        var data = ReferenceData.Load(reference.GetProperty("dataset").GetString()!);
        var options = new FitOptions { RelativeTolerance = 1e-10, MaxIterations = 100_000 };

        int hits = 0;
        double highest = double.NegativeInfinity;
        for (int i = 0; i < seeds; i++)
        {
            var settings = new GaussianMixtureFitSettings { Data = data, Components = reference.GetProperty("k").GetInt32(), Structure = structure, Restarts = 10, Seed = 100 * i };
            double loglik = GaussianMixtureFitter.Fit(settings, new ExpectationMaximizationOptimizer(), options).Result.LogLikelihood;
            hits += loglik >= best - Slack ? 1 : 0;
            highest = Math.Max(highest, loglik);
        }

        output.WriteLine($"LatentFit reached {best:F4} from {hits} of {seeds} seeds, scikit-learn from {sklearnHits} of {seeds}; LatentFit's highest {highest:F4}");
        Assert.True(highest <= best + Slack, $"LatentFit found {highest:R}, above every scikit-learn run's {best:R}: the reference needs a look");
        Assert.True(hits >= sklearnHits, $"LatentFit reached the maximum from {hits} of {seeds} seeds, scikit-learn from {sklearnHits}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TenRestarts_ReachBetterOfMclustAndScikitLearn(string dataset, int k, string covariance)
    {
        var reference = References.Value.Single(c => c.GetProperty("dataset").GetString() == dataset && c.GetProperty("k").GetInt32() == k && c.GetProperty("covariance").GetString() == covariance);
        Assert.True(CovarianceStructure.TryParse(covariance, out var structure));
        var options = new FitOptions { RelativeTolerance = 1e-10, MaxIterations = 100_000 };

        // As `fit -k K --covariance C --restarts 10` with its defaults otherwise, reg_covar 1e-6 as scikit-learn's;
        // run to a tight tolerance, since the target is the maximum each start leads to, not the stopping rule.
        var settings = new GaussianMixtureFitSettings { Data = ReferenceData.Load(dataset), Components = k, Structure = structure, Restarts = 10 };
        var fit = GaussianMixtureFitter.Fit(settings, new ExpectationMaximizationOptimizer(), options);
        double withFloor = fit.Result.LogLikelihood;

        // mclust has no variance floor: its ℓ is compared with EM at reg_covar 0 continued from that fit (EM never
        // lowers ℓ, so this is at least withFloor; if it collapses a component, withFloor stands).
        double withoutFloor = withFloor;
        try
        {
            var polished = GaussianMixtureFitter.Fit(settings with { Regularization = 0, Start = fit.Parameters, Restarts = 1 }, new ExpectationMaximizationOptimizer(), options);
            withoutFloor = Math.Max(withFloor, polished.Result.LogLikelihood);
        }
        catch (ModelFailureException)
        {
        }

        double sklearn = reference.GetProperty("sklearnLoglik").GetDouble();
        double mclust = reference.GetProperty("mclustLoglik") is { ValueKind: JsonValueKind.Number } m ? m.GetDouble() : double.NegativeInfinity;
        output.WriteLine($"{dataset} k={k} {covariance}: mclust {mclust:F4}, scikit-learn {sklearn:F4}, LatentFit {withFloor:F4} (reg_covar 1e-6), {withoutFloor:F4} (then reg_covar 0)");
        Assert.True(withFloor >= sklearn - Slack && withoutFloor >= mclust - Slack,
            $"LatentFit {withFloor:R} at reg_covar 1e-6 (scikit-learn {sklearn:R}), {withoutFloor:R} at 0 (mclust {mclust:R})");
    }
}
