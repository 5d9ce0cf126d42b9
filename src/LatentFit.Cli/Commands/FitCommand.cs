using System.CommandLine;
using System.Globalization;
using LatentFit.Cli.Reporting;
using LatentFit.Fitting;
using LatentFit.Optimization;
using LatentFit.Serialization;
using Spectre.Console;

namespace LatentFit.Cli.Commands;

/// <summary><c>latentfit fit</c>: one model, one algorithm, optionally several starts; writes the fit as JSON.</summary>
internal static class FitCommand
{
    public static Command Create(CommandContext context)
    {
        var options = new ModelOptions();
        var algorithm = new Option<string>("--algorithm") { Description = $"Optimiser: {string.Join(", ", OptimizerCatalog.Names)}", DefaultValueFactory = _ => "em" };
        var restarts = new Option<int>("--restarts") { Description = "Number of starts (seeds seed, seed+1, …); the best log-likelihood is kept", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--output", "-o") { Description = "Write the fit as JSON to this file (atomically)" };
        var command = new Command("fit", "Fit a model by one algorithm and write the parameters, log-likelihood and trace as JSON.");
        options.AddTo(command);
        command.Options.Add(algorithm);
        command.Options.Add(restarts);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var optimizer = OptimizerCatalog.Create(parse.GetValue(algorithm)!);
            var settings = options.Settings(parse, parse.GetValue(restarts));
            var fitOptions = options.FitOptions(parse);
            string? outputPath = parse.GetValue(output);
            var fit = GaussianMixtureFitter.Fit(settings, optimizer, fitOptions);
            if (outputPath is not null)
            {
                var metadata = new FitMetadata(
                    settings.Data.Source,
                    settings.Data.ColumnNames,
                    optimizer.Name,
                    settings.Regularization,
                    settings.Seed,
                    settings.Start is null ? settings.Restarts : 1,
                    options.InitializationLabel(parse));
                AtomicFile.Write(outputPath, stream => GaussianMixtureJson.Write(stream, fit, metadata));
            }

            var console = context.Console;
            var result = fit.Result;
            var data = settings.Data;
            console.WriteLine($"{data.Source}: {data.Rows} rows × {data.Dimension} columns ({string.Join(", ", data.ColumnNames)})");
            console.WriteLine($"gmm, K={settings.Components}, {settings.Structure.Name} covariances, algorithm {optimizer.Name}");
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"log-likelihood {Tables.Number(result.LogLikelihood)} after {result.Iterations} iterations, {result.Passes} passes over the data, {result.Seconds:F3} s: {Tables.Termination(result)}"));
            if (fit.Restarts.Count > 1)
            {
                console.WriteLine(Tables.Restarts(fit));
            }

            console.Write(Tables.Parameters(fit.Parameters));
            if (outputPath is not null)
            {
                console.WriteLine($"wrote {outputPath}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
