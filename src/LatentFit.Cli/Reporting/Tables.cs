using System.Globalization;
using LatentFit.Fitting;
using LatentFit.Diagnostics;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LatentFit.Cli.Reporting;

/// <summary>Tables and summaries for the terminal. Cells are plain text, never markup.</summary>
internal static class Tables
{
    public static string Number(double value, string format = "F6") =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>Passes over the data: whole numbers as before, a fraction (block-level methods) to two decimals.</summary>
    public static string Passes(double passes) => passes.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Termination(FitResult result) => result.Termination switch
    {
        TerminationReason.Converged => "converged (relative change of ℓ)",
        TerminationReason.AitkenConverged => "converged (Aitken: estimated ℓ∞ − ℓ within the tolerance)",
        TerminationReason.RoundingLevel => "converged to the rounding level of ℓ (its changes are rounding noise; the tolerance asks for more than ℓ resolves)",
        TerminationReason.GradientConverged => "converged (gradient norm)",
        TerminationReason.ParametersConverged => "converged (parameter change)",
        TerminationReason.IterationLimit => "not converged (iteration limit)",
        TerminationReason.LineSearchFailed => "stopped: no ascent step found (ℓ flat to rounding?)",
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

    public static Table Parameters(ModelSpecification specification, FitProblem problem, ReadOnlySpan<double> eta)
    {
        var (headers, rows) = specification.ParameterTable(problem, eta);
        var table = Create(headers);
        foreach (var row in rows)
        {
            AddRow(table, row);
        }

        return table;
    }

    public static Table StandardErrors(StandardErrorReport report)
    {
        var table = Create("parameter", "estimate", "standard error");
        for (int i = 0; i < report.Names.Count; i++)
        {
            AddRow(table, report.Names[i], Number(report.Estimates[i], "G6"), Number(report.Errors[i], "G4"));
        }

        return table;
    }

    /// <summary>
    /// The starts in one line: each start's short-run ℓ (method and seed), which were carried on to convergence and
    /// their final ℓ, and which was kept.
    /// </summary>
    public static string Restarts(ModelFit fit)
    {
        int failed = fit.Restarts.Count(r => r.Failure is not null);
        string Start(RestartSummary r) => $"{(double.IsNaN(r.ShortLogLikelihood) ? "failed" : Number(r.ShortLogLikelihood, "F4"))} ({r.Method}, seed {r.Seed})";
        // Every start's short-run ℓ fits on a line for a few starts; with more, the carried ones and the range of the
        // others (the JSON lists them all).
        const int ListedStarts = 10;
        var listed = fit.Restarts.Count <= ListedStarts ? fit.Restarts : fit.Restarts.Where(r => r.Carried).ToList();
        var others = fit.Restarts.Except(listed).Where(r => !double.IsNaN(r.ShortLogLikelihood)).Select(r => r.ShortLogLikelihood).ToList();
        string rest = others.Count > 0 ? $"; the other {others.Count} between {Number(others.Min(), "F4")} and {Number(others.Max(), "F4")}" : string.Empty;
        string shortRuns = fit.SmallEm is { } smallEm
            ? $"{fit.Restarts.Count} starts by small EM: short EM runs (at most {smallEm.Iterations} iterations, relative tolerance {smallEm.RelativeTolerance.ToString("0.###e+0", CultureInfo.InvariantCulture)}) ended at ℓ = {string.Join(", ", listed.Select(Start))}{rest}"
            : $"{fit.Restarts.Count} starts";
        string carried = string.Join(", ", fit.Restarts.Select((r, i) => (r, i)).Where(p => p.r.Carried).Select(p => $"start {p.i + 1} (ℓ {Number(p.r.LogLikelihood, "F4")})"));
        var kept = fit.Restarts[fit.BestStart];
        string failures = failed > 0 ? $"; {failed} failed: {fit.Restarts.First(r => r.Failure is not null).Failure}" : string.Empty;
        return $"{shortRuns}; carried on to convergence: {carried}; kept start {fit.BestStart + 1} ({kept.Method}, seed {kept.Seed}){failures}";
    }
}
