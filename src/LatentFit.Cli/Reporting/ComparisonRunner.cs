using LatentFit.Fitting;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;
using Spectre.Console;

namespace LatentFit.Cli.Reporting;

/// <summary>Runs a comparison with a live status line on a terminal; with output redirected it stays quiet.</summary>
internal static class ComparisonRunner
{
    public static AlgorithmComparisonResult Run(IAnsiConsole console, ModelSpecification specification, IReadOnlyList<IOptimizer> optimizers, FitOptions options)
    {
        if (!console.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            return ModelFitter.Compare(specification, optimizers, options);
        }

        AlgorithmComparisonResult? result = null;
        console.Status().Start($"{specification.Data.Source}: starting", context =>
        {
            result = ModelFitter.Compare(specification, optimizers, options, name => new StatusSink(context, $"{specification.Data.Source}: {name}"));
        });
        return result!;
    }

    /// <summary>Runs a fit with a live status line on a terminal; with output redirected it stays quiet.</summary>
    public static ModelFit Fit(IAnsiConsole console, ModelSpecification specification, IOptimizer optimizer, FitOptions options)
    {
        if (!console.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            return ModelFitter.Fit(specification, optimizer, options);
        }

        ModelFit? result = null;
        console.Status().Start($"{specification.Data.Source}: starting", context =>
        {
            // With restarts, small EM runs 10 short runs per restart before the carried ones, so a start's number says
            // which start runs, not how many are left.
            result = ModelFitter.Fit(specification, optimizer, options, restart => new StatusSink(context, specification.Starts == 1 ? $"{specification.Data.Source}: {optimizer.Name}" : $"{specification.Data.Source}: {optimizer.Name}, start {restart + 1}"));
        });
        return result!;
    }

    /// <summary>A checkpointed or resumed fit (<see cref="ModelFitter.FitResumable"/>) with a live status line on a terminal.</summary>
    public static ModelFit FitResumable(IAnsiConsole console, ModelSpecification specification, IResumableOptimizer optimizer, FitOptions options, (double[] Initial, OptimizerState State)? resume, Func<double[], ICheckpointSink?> checkpointsFor)
    {
        if (!console.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            return ModelFitter.FitResumable(specification, optimizer, options, resume, checkpointsFor);
        }

        ModelFit? result = null;
        console.Status().Start($"{specification.Data.Source}: {(resume is null ? "starting" : "resuming")}", context =>
        {
            result = ModelFitter.FitResumable(specification, optimizer, options, resume, checkpointsFor, new StatusSink(context, $"{specification.Data.Source}: {optimizer.Name}"));
        });
        return result!;
    }

    /// <summary>Shows the iteration, ℓ and passes, at most every 100 ms.</summary>
    private sealed class StatusSink(StatusContext context, string label) : ITraceSink
    {
        private long _lastUpdate;

        public void Record(TraceRecord record)
        {
            long now = Environment.TickCount64;
            if (now - _lastUpdate < 100 && record.Iteration > 0)
            {
                return;
            }

            _lastUpdate = now;
            context.Status($"{label}: iteration {record.Iteration}, ℓ = {record.LogLikelihood:F6}, {Tables.Passes(record.Passes)} passes");
        }
    }
}
