using System.CommandLine;
using LatentFit.Cli.Reporting;
using LatentFit.Fitting;
using LatentFit.Optimization;
using Spectre.Console;

namespace LatentFit.Cli.Commands;

/// <summary><c>latentfit compare</c>: every chosen algorithm from the same initial parameters, side by side.</summary>
internal static class CompareCommand
{
    public static Command Create(CommandContext context)
    {
        var options = new ModelOptions { ProgressConsole = context.Console, Context = context };
        var algorithmOptions = new AlgorithmOptions();
        var algorithms = new Option<string>("--algorithms") { Description = $"Comma-separated optimisers to compare (default: the full-data ones; the stochastic {string.Join(", ", OptimizerCatalog.StochasticNames)} run when named)", DefaultValueFactory = _ => string.Join(",", OptimizerCatalog.Names) };
        var traces = new Option<string?>("--traces") { Description = "Write each algorithm's trace as DIR/ALGORITHM.csv" };
        var report = new Option<string?>("--report") { Description = "Write a report to DIR: convergence plots (PNG, SVG), the fitted density, the EM rate and report.md" };
        var command = new Command("compare", "Run several algorithms from the same initial parameters and compare log-likelihood, iterations, passes over the data and time.");
        options.AddTo(command);
        algorithmOptions.AddTo(command);
        command.Options.Add(algorithms);
        command.Options.Add(traces);
        command.Options.Add(report);
        command.SetAction(parse =>
        {
            var optimizers = algorithmOptions.CreateList(parse, parse.GetValue(algorithms)!);
            if (parse.GetValue(traces) is { } tracesFolder)
            {
                OutputPaths.RequireFolder("--traces", tracesFolder, options.Inputs(parse), optimizers.Select(o => $"{o.Name}.csv").ToArray());
            }

            if (parse.GetValue(report) is { } reportFolder)
            {
                OutputPaths.RequireFolder("--report", reportFolder, options.Inputs(parse), overwrites: null);
            }
            var specification = options.Specification(parse);
            var fitOptions = algorithmOptions.Apply(parse, options.FitOptions(parse), optimizers);
            if (ModelOptions.PrecisionWarning(specification, fitOptions) is { } warning)
            {
                context.Console.WriteLine(warning);
            }

            var comparison = ComparisonRunner.Run(context.Console, specification, optimizers, fitOptions);
            var data = specification.Data;
            ComparisonReport.Write(context.Console, $"{data.Source}: {data.Rows} rows × {data.Dimension} columns, {specification.Description}", comparison);
            if (parse.GetValue(traces) is { } directory)
            {
                foreach (string path in ComparisonReport.WriteTraces(directory, comparison))
                {
                    context.Console.WriteLine($"wrote {path}");
                }
            }

            if (parse.GetValue(report) is { } reportDirectory)
            {
                ReportWriter.Write(reportDirectory, specification, comparison);
                context.Console.WriteLine($"wrote the report to {reportDirectory} (report.md)");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
