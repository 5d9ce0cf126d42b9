using LatentFit.Models.Abstractions;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tracing;

namespace LatentFit.Fitting;

/// <summary>One start of a fit.</summary>
/// <param name="Seed">The seed of this start.</param>
/// <param name="Method">How the start was made (e.g. kmeans++, random, quantiles, file).</param>
/// <param name="ShortLogLikelihood">ℓ at the end of the start's short EM run, or NaN without one (a single start, or a failure).</param>
/// <param name="ShortIterations">EM iterations of the short run (0 without one).</param>
/// <param name="LogLikelihood">Final ℓ of the run to convergence, or NaN when the start was not carried on or failed.</param>
/// <param name="Failure">Why the start failed, or null.</param>
public sealed record RestartSummary(int Seed, string Method, double ShortLogLikelihood, int ShortIterations, double LogLikelihood, string? Failure)
{
    /// <summary>Whether the requested optimiser ran from this start to the end.</summary>
    public bool Carried => !double.IsNaN(LogLikelihood);
}

/// <summary>
/// The "small EM" strategy for R restarts (Biernacki, Celeux &amp; Govaert 2003, sect. 3.2): a short EM run from each of
/// <see cref="StartsPerRestart"/>·R starts, then the requested optimiser to convergence from the end of R short runs:
/// the best of each kind of start (k-means++, hc, …), then the best of the others.
/// </summary>
public sealed record SmallEmOptions
{
    /// <summary>
    /// Most EM iterations of a short run. On well-separated data a start's basin shows within a few iterations; 20
    /// lets a slow start (e.g. random responsibilities) make up most of its early ground before it is judged.
    /// </summary>
    public int Iterations { get; init; } = 20;

    /// <summary>A short run stops earlier when |ℓₜ − ℓₜ₋₁| ≤ this·|ℓₜ|: the start has settled in its basin.</summary>
    public double RelativeTolerance { get; init; } = 1e-5;

    /// <summary>
    /// Short runs per restart. A short run costs a fraction of a run to convergence, so more starts explore more basins
    /// for about the same work; their order after 20 iterations is not always the final one, so R of them, not one, are
    /// carried on. On the restart-target table of tests/LatentFit.Tests/References (88 fits of data sets that mclust
    /// ships, R = 10) the better of mclust and scikit-learn's n_init = 10 was missed in 7 cases by 10 starts all run to
    /// convergence, in 4 with 3 short runs per restart, in 2 with 5, in 1 with 8, 10, 12 or 15, and in 2 again with 20,
    /// whose larger field of short runs carries on other starts (bench/restart-targets.sh); 10 is in the middle of the
    /// range that does best.
    /// </summary>
    public int StartsPerRestart
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(StartsPerRestart), value, "small EM needs at least one start per restart");
    } = 10;

    /// <summary>Short runs for <paramref name="restarts"/> restarts.</summary>
    public int StartsFor(int restarts) => restarts * StartsPerRestart;
}

/// <summary>The best fit over the starts.</summary>
/// <param name="Problem">The problem of the best start (its η maps to parameters, its counters are that run's).</param>
/// <param name="Initial">η the best start began from (before its short run, if any).</param>
/// <param name="Result">The optimiser's result for the best start: the run to convergence from the end of its short run.</param>
/// <param name="Restarts">Every start, in order.</param>
/// <param name="SmallEm">The short-run settings when there were several starts; null for one start.</param>
public sealed record ModelFit(FitProblem Problem, double[] Initial, FitResult Result, IReadOnlyList<RestartSummary> Restarts, SmallEmOptions? SmallEm = null)
{
    /// <summary>Index in <see cref="Restarts"/> of the start that was kept.</summary>
    public int BestStart { get; init; }
}

/// <summary>An optimiser that could not finish in a comparison, and why.</summary>
/// <param name="Algorithm">The optimiser's name.</param>
/// <param name="Reason">The failure's message.</param>
/// <param name="Skipped">True when it did not run because it needs a gradient of ℓ the model does not have; false when it failed numerically.</param>
public sealed record AlgorithmFailure(string Algorithm, string Reason, bool Skipped = false)
{
    /// <summary>"skipped: …" or "failed: …", for the tables.</summary>
    public string Outcome => $"{(Skipped ? "skipped" : "failed")}: {Reason}";
}

/// <summary>The runs of several optimisers from one initial η.</summary>
/// <param name="Initial">The common start.</param>
/// <param name="Results">One result per optimiser that finished, in the order given.</param>
/// <param name="Failures">The optimisers that failed numerically (a collapsed component, a singular covariance) or were skipped (no gradient), with why.</param>
public sealed record AlgorithmComparisonResult(double[] Initial, IReadOnlyList<FitResult> Results, IReadOnlyList<AlgorithmFailure> Failures)
{
    /// <summary>The highest final ℓ over the runs.</summary>
    public double BestLogLikelihood => Results.Max(r => r.LogLikelihood);
}

/// <summary>Fits any model through its <see cref="ModelSpecification"/>: starts, restarts, comparisons.</summary>
public static class ModelFitter
{
    /// <summary>
    /// With one start, runs the optimiser from it. With R &gt; 1 restarts, "small EM" (<see cref="SmallEmOptions"/>): a
    /// short EM run from each of <see cref="SmallEmOptions.StartsPerRestart"/>·R starts (seeds seed, seed + 1, …), then
    /// the optimiser to convergence from the end of R short runs (the best of each kind of start, then the best of the
    /// rest), keeping the highest final ℓ.
    /// </summary>
    /// <exception cref="ModelFailureException">Every start failed; the message is that of the last failure.</exception>
    public static ModelFit Fit(ModelSpecification specification, IOptimizer optimizer, FitOptions options, Func<int, ITraceSink?>? sinkForRestart = null, CancellationToken cancellationToken = default, SmallEmOptions? smallEm = null)
    {
        int restarts = specification.Starts;
        smallEm = restarts > 1 ? smallEm ?? new SmallEmOptions() : null;
        int starts = smallEm?.StartsFor(restarts) ?? 1;
        var summaries = new RestartSummary[starts];
        var runs = new (FitProblem Problem, double[] Initial, double[] Point)?[starts];
        ModelFailureException? lastFailure = null;
        for (int restart = 0; restart < starts; restart++)
        {
            var summary = new RestartSummary(specification.Seed + restart, specification.StartMethod(restart), double.NaN, 0, double.NaN, null);
            try
            {
                var problem = specification.CreateProblem();
                var initial = specification.InitialParameters(problem, restart);
                runs[restart] = (problem, initial, initial);
                if (smallEm is not null)
                {
                    var shortOptions = new FitOptions { RelativeTolerance = smallEm.RelativeTolerance, MaxIterations = Math.Min(smallEm.Iterations, options.MaxIterations) };
                    var shortRun = new ExpectationMaximizationOptimizer().Run(problem, initial, shortOptions, sinkForRestart?.Invoke(restart), cancellationToken);
                    runs[restart] = (problem, initial, shortRun.Parameters);
                    summary = summary with { ShortLogLikelihood = shortRun.LogLikelihood, ShortIterations = shortRun.Iterations };
                }
            }
            catch (ModelFailureException failure)
            {
                // A start that collapses is reported and the other starts go on; only if all fail is the fit an error.
                lastFailure = failure;
                runs[restart] = null;
                summary = summary with { Failure = failure.Message };
            }

            summaries[restart] = summary;
        }

        // The best short run of each kind of start first, then the other short runs, each group best first (ties in
        // start order); a carried start that fails gives its place to the next. A kind's best start is always run on
        // because kinds reach different maxima and the order after a short run is not the final one: on banknote with
        // K = 4 (restart-target table) mclust's hierarchical start ends its short run below several k-means starts,
        // then climbs to the highest maximum of all.
        var byShortRun = Enumerable.Range(0, starts).Where(r => runs[r] is not null).OrderByDescending(r => summaries[r].ShortLogLikelihood).ToArray();
        var bestOfEachKind = byShortRun.DistinctBy(r => summaries[r].Method).ToArray();
        var order = bestOfEachKind.Concat(byShortRun.Except(bestOfEachKind)).ToArray();
        int wanted = restarts, finished = 0;
        ModelFit? best = null;
        foreach (int restart in order)
        {
            if (finished == wanted)
            {
                break;
            }

            var (problem, initial, point) = runs[restart]!.Value;
            try
            {
                var result = optimizer.Run(problem, point, options, sinkForRestart?.Invoke(restart), cancellationToken);
                summaries[restart] = summaries[restart] with { LogLikelihood = result.LogLikelihood };
                finished++;
                if (best is null || result.LogLikelihood > best.Result.LogLikelihood)
                {
                    best = new ModelFit(problem, initial, result, summaries, smallEm) { BestStart = restart };
                }
            }
            catch (ModelFailureException failure)
            {
                lastFailure = failure;
                summaries[restart] = summaries[restart] with { Failure = failure.Message };
            }
        }

        if (best is null)
        {
            throw new ModelFailureException(starts == 1 ? lastFailure!.Message : $"all {starts} starts failed; the last: {lastFailure!.Message}", [.. lastFailure.Settings]);
        }

        return best with { Restarts = summaries };
    }

    /// <summary>
    /// A fit from one start that can be checkpointed and resumed (docs/checkpoints.md): the same as <see cref="Fit"/>
    /// with one start, except that with <paramref name="resume"/> the start is not made again (its η is the
    /// checkpoint's) and the optimiser continues from the state. <paramref name="checkpointsFor"/> is given the start η
    /// and returns where the optimiser's states go.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The specification has several starts: small EM's short runs and the choice among them are not checkpointed, so
    /// only a fit from one start (or a fixed start) is.
    /// </exception>
    public static ModelFit FitResumable(ModelSpecification specification, IResumableOptimizer optimizer, FitOptions options, (double[] Initial, OptimizerState State)? resume, Func<double[], ICheckpointSink?>? checkpointsFor, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        if (specification.Starts != 1)
        {
            throw new ArgumentException($"a checkpointed fit has one start, but {specification.Starts} restarts were asked for: small EM's short runs and the choice among them are not checkpointed; fit with one restart, or give the chosen start as the start file");
        }

        var problem = specification.CreateProblem();
        var initial = resume?.Initial ?? specification.InitialParameters(problem, 0);
        if (initial.Length != problem.ParameterCount)
        {
            throw new ArgumentException($"the checkpoint's start has {initial.Length} parameters, but this model has {problem.ParameterCount}");
        }

        var result = optimizer.Run(problem, initial, resume?.State, checkpointsFor?.Invoke(initial), options, sink, cancellationToken);
        var summary = new RestartSummary(specification.Seed, specification.StartMethod(0), double.NaN, 0, result.LogLikelihood, null);
        return new ModelFit(problem, initial, result, [summary]) { BestStart = 0 };
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
            catch (GradientNotDefinedException)
            {
                // A model whose support depends on θ has no gradient of ℓ: the methods that need one are skipped, with
                // the model's reason, and the others compared.
                failures.Add(new AlgorithmFailure(optimizer.Name, $"it needs the gradient of the log-likelihood, and {problem.GradientSupport.Reason}", Skipped: true));
            }
        }

        if (results.Count == 0)
        {
            throw new ModelFailureException($"every algorithm failed: {string.Join("; ", failures.Select(f => $"{f.Algorithm}: {f.Reason}"))}");
        }

        return new AlgorithmComparisonResult(initial, results, failures);
    }
}
