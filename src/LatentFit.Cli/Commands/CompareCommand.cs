using System.CommandLine;
using Spectre.Console;
using LatentFit.Cli.Reporting;
using LatentFit.Fitting;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Cli.Commands;

/// <summary><c>latentfit compare</c>: every chosen algorithm from the same initial parameters, side by side.</summary>
internal static class CompareCommand
{
    public static Command Create(CommandContext context)
    {
        var options = new ModelOptions();
        var algorithms = new Option<string>("--algorithms") { Description = "Comma-separated optimisers to compare", DefaultValueFactory = _ => string.Join(",", OptimizerCatalog.Names) };
        var traces = new Option<string?>("--traces") { Description = "Write each algorithm's trace as DIR/ALGORITHM.csv" };
        var command = new Command("compare", "Run several algorithms from the same initial parameters and compare log-likelihood, iterations, passes over the data and time.");
        options.AddTo(command);
        command.Options.Add(algorithms);
        command.Options.Add(traces);
        command.SetAction(parse =>
        {
            var optimizers = ParseAlgorithms(parse.GetValue(algorithms)!);
            var settings = options.Settings(parse);
            var comparison = AlgorithmComparison.Run(settings, optimizers, options.FitOptions(parse));
            var data = settings.Data;
            ComparisonReport.Write(context.Console, $"{data.Source}: {data.Rows} rows × {data.Dimension} columns, gmm K={settings.Components}, {settings.Structure.Name} covariances", comparison);
            if (parse.GetValue(traces) is { } directory)
            {
                foreach (string path in ComparisonReport.WriteTraces(directory, comparison))
                {
                    context.Console.WriteLine($"wrote {path}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    internal static IReadOnlyList<IOptimizer> ParseAlgorithms(string list)
    {
        var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            throw new UsageException("--algorithms needs at least one name");
        }

        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new UsageException($"--algorithms names \"{duplicate.Key}\" twice");
        }

        return names.Select(OptimizerCatalog.Create).ToArray();
    }
}
