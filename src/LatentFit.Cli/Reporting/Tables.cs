using System.Globalization;
using LatentFit.Fitting;
using LatentFit.Models.Gaussian;
using LatentFit.Optimization.Abstractions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LatentFit.Cli.Reporting;

/// <summary>Tables and summaries for the terminal. Cells are plain text, never markup.</summary>
internal static class Tables
{
    public static string Number(double value, string format = "F6") =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    public static string Termination(FitResult result) => result.Termination switch
    {
        TerminationReason.Converged => "converged (relative change of ℓ)",
        TerminationReason.GradientConverged => "converged (gradient norm)",
        TerminationReason.ParametersConverged => "converged (parameter change)",
        TerminationReason.IterationLimit => "not converged (iteration limit)",
        TerminationReason.LineSearchFailed => "stopped: line search found no ascent step",
        TerminationReason.StepTooLarge => "stopped: ℓ fell, step too large",
        TerminationReason.Cancelled => "cancelled",
        _ => result.Termination.ToString(),
    };

    public static Table Create(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (string header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header)));
        }

        return table;
    }

    public static void AddRow(Table table, params string[] cells) =>
        table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());

    public static Table Parameters(GaussianMixtureParameters theta)
    {
        var table = Create("component", "weight", "mean", "covariance (diagonal)");
        var full = theta.FullCovariances();
        int d = theta.Dimension;
        for (int k = 0; k < theta.Components; k++)
        {
            var mean = string.Join(", ", theta.Mean(k).ToArray().Select(m => Number(m, "G6")));
            var variances = string.Join(", ", Enumerable.Range(0, d).Select(i => Number(full[k * d * d + i * d + i], "G6")));
            AddRow(table, (k + 1).ToString(CultureInfo.InvariantCulture), Number(theta.Weights[k], "F4"), mean, variances);
        }

        return table;
    }

    public static string Restarts(GaussianMixtureFit fit)
    {
        int failed = fit.Restarts.Count(r => r.Failure is not null);
        string lls = string.Join(", ", fit.Restarts.Select(r => r.Failure is null ? Number(r.LogLikelihood, "F4") : "failed"));
        return $"{fit.Restarts.Count} starts (ℓ: {lls}){(failed > 0 ? $", {failed} failed: {fit.Restarts.First(r => r.Failure is not null).Failure}" : string.Empty)}";
    }
}
