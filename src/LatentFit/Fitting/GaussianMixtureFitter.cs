using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Gaussian;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Fitting;

/// <summary>What to fit: a Gaussian mixture of <see cref="Components"/> components to <see cref="Data"/>.</summary>
public sealed record GaussianMixtureFitSettings
{
    /// <summary>The data.</summary>
    public required DataSet Data { get; init; }

    /// <summary>K.</summary>
    public required int Components { get; init; }

    /// <summary>Covariance structure.</summary>
    public CovarianceStructure Structure { get; init; } = FullCovariance.Instance;

    /// <summary>Added to the variances in the M-step (scikit-learn's <c>reg_covar</c>).</summary>
    public double Regularization { get; init; } = 1e-6;

    /// <summary>
    /// Initialisation of every start when <see cref="Start"/> is null; null for the default sequence
    /// <see cref="DefaultStartMethods"/>.
    /// </summary>
    public InitializationMethod? Initialization { get; init; }

    /// <summary>
    /// The methods of the default starts in order, the last repeating for the starts beyond the list: start 0 (the only
    /// one of a fit without restarts) is greedy k-means++, as scikit-learn's default; start 1 is mclust's hierarchical
    /// start, which finds maxima that no k-means start does on data of the kind mclust ships (in the restart-target
    /// table of tests/LatentFit.Tests/References, one hc start beats ten k-means++ starts in 5 of 88 cases and loses in
    /// 26); the rest are k-means++ with further seeds. The hc start is deterministic for N ≤ 2,000 rows, so one is enough.
    /// </summary>
    public static IReadOnlyList<InitializationMethod> DefaultStartMethods { get; } =
        [InitializationMethod.KMeansPlusPlus, InitializationMethod.Hierarchical, InitializationMethod.KMeansPlusPlus];

    /// <summary>Seed of the first start; restart r uses <c>Seed + r</c>.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Number of runs to convergence; with R &gt; 1, small EM: short EM runs from <see cref="SmallEmOptions.StartsPerRestart"/>·R
    /// starts and the optimiser to convergence from R of them (<see cref="SmallEmOptions"/>). Ignored (one start) when
    /// <see cref="Start"/> is given.
    /// </summary>
    public int Restarts { get; init; } = 1;

    /// <summary>Fixed initial parameters, e.g. from a previous fit.</summary>
    public GaussianMixtureParameters? Start { get; init; }

    /// <summary>E-step execution.</summary>
    public ExecutionOptions Execution { get; init; } = ExecutionOptions.Default;

    /// <summary>The initialisation of start <paramref name="restart"/>: <see cref="Initialization"/>, or the default sequence.</summary>
    public InitializationMethod MethodOfStart(int restart) =>
        Initialization ?? DefaultStartMethods[Math.Min(restart, DefaultStartMethods.Count - 1)];

    /// <summary>Checks the settings against the data and throws <see cref="ArgumentException"/> with a message a user can act on.</summary>
    public GaussianMixtureModel CreateModel() => new GaussianMixtureSpecification(this).Model;
}

/// <summary>The best fit over the starts, with its natural parameters.</summary>
/// <param name="Parameters">θ at the best fit.</param>
/// <param name="Initial">θ the best fit started from.</param>
/// <param name="Result">The optimiser's result for the best start.</param>
/// <param name="Restarts">Every start, in order.</param>
public sealed record GaussianMixtureFit(GaussianMixtureParameters Parameters, GaussianMixtureParameters Initial, FitResult Result, IReadOnlyList<RestartSummary> Restarts);

/// <summary>Fits Gaussian mixtures: initialisation, restarts by small EM, and the optimiser run (through <see cref="ModelFitter"/>).</summary>
public static class GaussianMixtureFitter
{
    /// <summary>
    /// Initial parameters for start <paramref name="restart"/>: the fixed start, or the initialiser with seed + restart.
    /// A k-means start after the first is one greedy k-means++ seeding with Lloyd's iterations (scikit-learn's start for
    /// each of its n_init runs) rather than the best of several: the best-inertia clustering is the same for nearly every
    /// seed, so restarts made that way would all land in one basin, while single runs spread over the k-means local
    /// minima, some of which lead EM to higher maxima (measured on the restart-target table in
    /// tests/LatentFit.Tests/References, 10 starts with hc all run to convergence: 18 of 88 cases missed with best-of-8
    /// restarts, 7 with single runs).
    /// </summary>
    public static GaussianMixtureParameters InitialParameters(GaussianMixtureFitSettings settings, GaussianMixtureModel model, int restart = 0)
    {
        if (settings.Start is { } start)
        {
            return start;
        }

        var method = settings.MethodOfStart(restart);
        int seed = settings.Seed + restart;
        return method == InitializationMethod.KMeansPlusPlus && restart > 0
            ? GaussianMixtureInitializer.KMeansPlusPlus(model, settings.Data, seed, settings.Execution, new KMeansOptions { Runs = 1 })
            : GaussianMixtureInitializer.Initialize(model, settings.Data, method, seed, settings.Execution);
    }

    /// <summary>The fit from one start, or the best of several by small EM (see <see cref="ModelFitter.Fit"/>).</summary>
    /// <exception cref="ArgumentException">The settings do not fit the data.</exception>
    /// <exception cref="ModelFailureException">Every start failed; the message is that of the last failure.</exception>
    public static GaussianMixtureFit Fit(GaussianMixtureFitSettings settings, IOptimizer optimizer, FitOptions options, Func<int, ITraceSink?>? sinkForRestart = null, CancellationToken cancellationToken = default, SmallEmOptions? smallEm = null)
    {
        var fit = ModelFitter.Fit(new GaussianMixtureSpecification(settings), optimizer, options, sinkForRestart, cancellationToken, smallEm);
        var problem = (FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>)fit.Problem;
        return new GaussianMixtureFit(problem.ToParameters(fit.Result.Parameters), problem.ToParameters(fit.Initial), fit.Result, fit.Restarts);
    }
}
