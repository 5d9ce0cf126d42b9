using LatentFit.Models.Gaussian;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Fitting;

/// <summary>The runs of several optimisers from one initial θ.</summary>
/// <param name="Initial">The common start.</param>
/// <param name="Results">One result per optimiser, in the order given.</param>
public sealed record AlgorithmComparisonResult(GaussianMixtureParameters Initial, IReadOnlyList<FitResult> Results)
{
    /// <summary>The highest final ℓ over the runs.</summary>
    public double BestLogLikelihood => Results.Max(r => r.LogLikelihood);
}

/// <summary>Runs every optimiser from the same initial parameters, each with a fresh pass counter.</summary>
public static class AlgorithmComparison
{
    /// <summary>Initialises once (start 0 of <paramref name="settings"/>) and runs each optimiser from there.</summary>
    public static AlgorithmComparisonResult Run(GaussianMixtureFitSettings settings, IReadOnlyList<IOptimizer> optimizers, FitOptions options, CancellationToken cancellationToken = default)
    {
        var model = settings.CreateModel();
        var initial = GaussianMixtureFitter.InitialParameters(settings, model);
        var results = new List<FitResult>();
        foreach (var optimizer in optimizers)
        {
            var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, settings.Data, settings.Execution);
            results.Add(optimizer.Run(problem, problem.ToUnconstrained(initial), options, sink: null, cancellationToken));
        }

        return new AlgorithmComparisonResult(initial, results);
    }
}
