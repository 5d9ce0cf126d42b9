using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Tests.Support;

/// <summary>
/// The problems the optimiser tests share, each from one fixed start: faithful (Gaussian K = 2, full), iris (K = 3,
/// diagonal), both with the exact EM map (no regularisation) and the k-means++ start of seed 0; the death notices
/// (Poisson K = 2 from π = 0.3, λ = (1, 2.5), Varadhan &amp; Roland's start); and the earthquake counts as one sequence.
/// </summary>
internal static class TestProblems
{
    /// <summary>"faithful", "iris" or "death_notices", with its start.</summary>
    public static (FitProblem Problem, double[] Start) Mixture(string name)
    {
        if (name == "death_notices")
        {
            var poisson = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), TestData.DeathNotices);
            return (poisson, poisson.ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5])));
        }

        var data = TestData.ByName(name);
        var model = name == "faithful"
            ? new GaussianMixtureModel(2, data.Dimension, FullCovariance.Instance, regularization: 0)
            : new GaussianMixtureModel(3, data.Dimension, DiagonalCovariance.Instance, regularization: 0);
        var gaussian = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data);
        return (gaussian, gaussian.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus(model, data, 0)));
    }

    /// <summary>The earthquake counts (embedded) as one sequence: the CSV has no sequence column.</summary>
    public static DataSet EarthquakeSequence()
    {
        var counts = EmbeddedDatasets.Load("earthquakes");
        return new DataSet("earthquakes", ["count"], counts.Values.ToArray(), counts.Rows, layout: new DataSetLayout { SequenceStarts = [0] });
    }

    /// <summary>
    /// <paramref name="result"/> reached the reference maximum: ℓ within 1e-8 relative, the natural parameters within
    /// 1e-4·(1 + |θ|) (the death-notice likelihood is so flat, EM's rate 0.9957, that 10⁻⁹ in ℓ allows ~10⁻⁵ in θ), ℓ never
    /// falling by more than rounding along its trace, and the trace's passes those of the result.
    /// </summary>
    public static void AssertReachedMaximumMonotonically(string label, FitProblem problem, FitResult result, double referenceValue, double[] referenceNatural)
    {
        Assert.True(
            Math.Abs(result.LogLikelihood - referenceValue) <= 1e-8 * Math.Abs(referenceValue),
            $"{label}: ℓ = {result.LogLikelihood:R} ({result.Termination} after {result.Iterations}, {result.Passes} passes), reference {referenceValue:R}");
        var actual = problem.NaturalParameters(result.Parameters);
        for (int i = 0; i < referenceNatural.Length; i++)
        {
            Assert.True(Math.Abs(referenceNatural[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(referenceNatural[i])), $"{label}: parameter {i}: {actual[i]:R} vs the reference's {referenceNatural[i]:R}");
        }

        for (int t = 1; t < result.Trace.Count; t++)
        {
            double previous = result.Trace[t - 1].LogLikelihood;
            Assert.True(result.Trace[t].LogLikelihood >= previous - 1e-12 * Math.Abs(previous), $"{label}: ℓ fell at iteration {t}: {previous:R} → {result.Trace[t].LogLikelihood:R} ({result.Trace[t].Note})");
        }

        Assert.Equal(result.Passes, result.Trace[^1].Passes);
    }
}
