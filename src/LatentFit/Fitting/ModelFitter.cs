using LatentFit.Models.Abstractions;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Fitting;

/// <summary>One start of a fit with restarts.</summary>
/// <param name="Seed">The seed of this start.</param>
/// <param name="LogLikelihood">Final ℓ, or NaN when the start failed.</param>
/// <param name="Failure">Why the start failed, or null.</param>
public sealed record RestartSummary(int Seed, double LogLikelihood, string? Failure);

/// <summary>The best fit over the starts.</summary>
/// <param name="Problem">The problem of the best start (its η maps to parameters, its counters are that run's).</param>
/// <param name="Initial">η the best start began from.</param>
/// <param name="Result">The optimiser's result for the best start.</param>
/// <param name="Restarts">Every start, in order.</param>
public sealed record ModelFit(FitProblem Problem, double[] Initial, FitResult Result, IReadOnlyList<RestartSummary> Restarts);

/// <summary>An optimiser that could not finish in a comparison, and why.</summary>
/// <param name="Algorithm">The optimiser's name.</param>
/// <param name="Reason">The failure's message.</param>
public sealed record AlgorithmFailure(string Algorithm, string Reason);

/// <summary>The runs of several optimisers from one initial η.</summary>
/// <param name="Initial">The common start.</param>
/// <param name="Results">One result per optimiser that finished, in the order given.</param>
/// <param name="Failures">The optimisers that failed numerically (a collapsed component, a singular covariance), with why.</param>
public sealed record AlgorithmComparisonResult(double[] Initial, IReadOnlyList<FitResult> Results, IReadOnlyList<AlgorithmFailure> Failures)
{
    /// <summary>The highest final ℓ over the runs.</summary>
    public double BestLogLikelihood => Results.Max(r => r.LogLikelihood);
}

/// <summary>Fits any model through its <see cref="ModelSpecification"/>: starts, restarts, comparisons.</summary>
public static class ModelFitter
{
    /// <summary>Runs the optimiser from every start and keeps the highest ℓ.</summary>
    /// <exception cref="ModelFailureException">Every start failed; the message is that of the last failure.</exception>
    public static ModelFit Fit(ModelSpecification specification, IOptimizer optimizer, FitOptions options, Func<int, ITraceSink?>? sinkForRestart = null, CancellationToken cancellationToken = default)
    {
        var summaries = new List<RestartSummary>();
        ModelFit? best = null;
        ModelFailureException? lastFailure = null;
        for (int restart = 0; restart < specification.Starts; restart++)
        {
            int seed = specification.Seed + restart;
            try
            {
                var problem = specification.CreateProblem();
                var initial = specification.InitialParameters(problem, restart);
                var result = optimizer.Run(problem, initial, options, sinkForRestart?.Invoke(restart), cancellationToken);
                summaries.Add(new RestartSummary(seed, result.LogLikelihood, null));
                if (best is null || result.LogLikelihood > best.Result.LogLikelihood)
                {
                    best = new ModelFit(problem, initial, result, summaries);
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
            throw new ModelFailureException(specification.Starts == 1 ? lastFailure!.Message : $"all {specification.Starts} starts failed; the last: {lastFailure!.Message}");
        }

        return best with { Restarts = summaries.ToArray() };
    }

    /// <summary>
    /// Runs each optimiser from start 0, each on a fresh problem (its own pass counter). An optimiser that fails
    /// numerically is reported among the failures and the others go on.
    /// </summary>
    /// <exception cref="ModelFailureException">Every optimiser failed; the message lists why.</exception>
    public static AlgorithmComparisonResult Compare(ModelSpecification specification, IReadOnlyList<IOptimizer> optimizers, FitOptions options, Func<string, ITraceSink?>? sinkForAlgorithm = null, CancellationToken cancellationToken = default)
    {
        var initial = specification.InitialParameters(specification.CreateProblem(), 0);
        var results = new List<FitResult>();
        var failures = new List<AlgorithmFailure>();
        foreach (var optimizer in optimizers)
        {
            var problem = specification.CreateProblem();
            try
            {
                results.Add(optimizer.Run(problem, initial, options, sinkForAlgorithm?.Invoke(optimizer.Name), cancellationToken));
            }
            catch (ModelFailureException failure)
            {
                failures.Add(new AlgorithmFailure(optimizer.Name, failure.Message));
            }
        }

        if (results.Count == 0)
        {
            throw new ModelFailureException($"every algorithm failed: {string.Join("; ", failures.Select(f => $"{f.Algorithm}: {f.Reason}"))}");
        }

        return new AlgorithmComparisonResult(initial, results, failures);
    }
}
