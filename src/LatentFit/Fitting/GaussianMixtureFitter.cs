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

    /// <summary>Initialisation when <see cref="Start"/> is null.</summary>
    public InitializationMethod Initialization { get; init; } = InitializationMethod.KMeansPlusPlus;

    /// <summary>Seed of the first start; restart r uses <c>Seed + r</c>.</summary>
    public int Seed { get; init; }

    /// <summary>Number of starts; the fit with the highest ℓ is kept. Ignored (one start) when <see cref="Start"/> is given.</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>Fixed initial parameters, e.g. from a previous fit.</summary>
    public GaussianMixtureParameters? Start { get; init; }

    /// <summary>E-step execution.</summary>
    public ExecutionOptions Execution { get; init; } = ExecutionOptions.Default;

    /// <summary>Checks the settings against the data and throws <see cref="ArgumentException"/> with a message a user can act on.</summary>
    public GaussianMixtureModel CreateModel()
    {
        if (Components < 1)
        {
            throw new ArgumentException($"the number of components must be at least 1, got {Components}");
        }

        if (Components > Data.Rows)
        {
            throw new ArgumentException($"{Components} components need at least {Components} rows, but {Data.Source} has {Data.Rows}");
        }

        if (Restarts < 1)
        {
            throw new ArgumentException($"the number of restarts must be at least 1, got {Restarts}");
        }

        if (Start is { } start && (start.Components != Components || start.Dimension != Data.Dimension || start.Structure != Structure))
        {
            throw new ArgumentException(
                $"the initial parameters have K={start.Components}, D={start.Dimension}, {start.Structure.Name} covariances, but the fit asks for K={Components}, D={Data.Dimension}, {Structure.Name}");
        }

        return new GaussianMixtureModel(Components, Data.Dimension, Structure, Regularization);
    }
}

/// <summary>One start of a fit with restarts.</summary>
/// <param name="Seed">The seed of this start.</param>
/// <param name="LogLikelihood">Final ℓ, or NaN when the start failed.</param>
/// <param name="Failure">Why the start failed, or null.</param>
public sealed record RestartSummary(int Seed, double LogLikelihood, string? Failure);

/// <summary>The best fit over the starts, with its natural parameters.</summary>
/// <param name="Parameters">θ at the best fit.</param>
/// <param name="Initial">θ the best fit started from.</param>
/// <param name="Result">The optimiser's result for the best start.</param>
/// <param name="Restarts">Every start, in order.</param>
public sealed record GaussianMixtureFit(GaussianMixtureParameters Parameters, GaussianMixtureParameters Initial, FitResult Result, IReadOnlyList<RestartSummary> Restarts);

/// <summary>Fits Gaussian mixtures: initialisation, restarts, and one optimiser run per start.</summary>
public static class GaussianMixtureFitter
{
    /// <summary>Initial parameters for start <paramref name="restart"/>: the fixed start, or the initialiser with seed + restart.</summary>
    public static GaussianMixtureParameters InitialParameters(GaussianMixtureFitSettings settings, GaussianMixtureModel model, int restart = 0) =>
        settings.Start ?? GaussianMixtureInitializer.Initialize(model, settings.Data, settings.Initialization, settings.Seed + restart);

    /// <summary>Runs the optimiser from every start and keeps the highest ℓ.</summary>
    /// <exception cref="ArgumentException">The settings do not fit the data.</exception>
    /// <exception cref="ModelFailureException">Every start failed; the message is that of the last failure.</exception>
    public static GaussianMixtureFit Fit(GaussianMixtureFitSettings settings, IOptimizer optimizer, FitOptions options, Func<int, ITraceSink?>? sinkForRestart = null, CancellationToken cancellationToken = default)
    {
        var model = settings.CreateModel();
        int starts = settings.Start is null ? settings.Restarts : 1;
        var summaries = new List<RestartSummary>();
        GaussianMixtureFit? best = null;
        ModelFailureException? lastFailure = null;
        for (int restart = 0; restart < starts; restart++)
        {
            int seed = settings.Seed + restart;
            try
            {
                var initial = InitialParameters(settings, model, restart);
                var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, settings.Data, settings.Execution);
                var result = optimizer.Run(problem, problem.ToUnconstrained(initial), options, sinkForRestart?.Invoke(restart), cancellationToken);
                summaries.Add(new RestartSummary(seed, result.LogLikelihood, null));
                if (best is null || result.LogLikelihood > best.Result.LogLikelihood)
                {
                    best = new GaussianMixtureFit(problem.ToParameters(result.Parameters), initial, result, summaries);
                }
            }
            catch (ModelFailureException failure)
            {
                // A start that collapses is reported and the other starts go on; only if all fail is the fit an error.
                lastFailure = failure;
                summaries.Add(new RestartSummary(seed, double.NaN, failure.Message));
            }
        }

        if (best is null)
        {
            throw new ModelFailureException(starts == 1 ? lastFailure!.Message : $"all {starts} starts failed; the last: {lastFailure!.Message}");
        }

        return best with { Restarts = summaries.ToArray() };
    }
}
