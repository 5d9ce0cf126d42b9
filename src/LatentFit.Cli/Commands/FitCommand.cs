using LatentFit.Data;
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
    // Above this many parameters a finite-difference Hessian (2P passes) is not computed unless asked for.
    private const int StandardErrorParameterLimit = 200;

    public static Command Create(CommandContext context)
    {
        var options = new ModelOptions { ProgressConsole = context.Console, Context = context };
        var algorithms = new AlgorithmOptions();
        var algorithm = new Option<string>("--algorithm") { Description = $"Optimiser: {string.Join(", ", OptimizerCatalog.AllNames)}", DefaultValueFactory = _ => "em" };
        var restarts = new Option<int>("--restarts") { Description = "Number of runs to convergence; with N > 1, \"small EM\": short EM runs (at most 20 iterations, relative tolerance 1e-5) from 10N starts (seeds seed, seed+1, …; for a gmm k-means++, the second mclust's hc; for an hmm its emission start with each seed), then the algorithm to convergence from N of them (the best of each kind, then the best others); the best log-likelihood is kept", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--output", "-o") { Description = "Write the fit as JSON to this file (atomically)" };
        var errors = new Option<string>("--standard-errors") { Description = "Standard errors from the observed information: auto (when there are at most 200 parameters), yes, no", DefaultValueFactory = _ => "auto" };
        var command = new Command("fit", "Fit a model by one algorithm and write the parameters, log-likelihood, standard errors and trace as JSON.");
        options.AddTo(command);
        algorithms.AddTo(command);
        command.Options.Add(algorithm);
        command.Options.Add(restarts);
        command.Options.Add(output);
        command.Options.Add(errors);
        command.SetAction(parse =>
        {
            var optimizer = algorithms.Create(parse, parse.GetValue(algorithm)!);
            string errorsChoice = parse.GetValue(errors)!.ToLowerInvariant();
            if (errorsChoice is not ("auto" or "yes" or "no"))
            {
                throw new UsageException($"unknown --standard-errors \"{parse.GetValue(errors)}\"; choose one of: auto, yes, no");
            }

            string? outputPath = parse.GetValue(output);
            if (outputPath is not null)
            {
                OutputPaths.RequireFile("--output", outputPath, options.Inputs(parse));
            }

            var specification = options.Specification(parse, parse.GetValue(restarts));
            var fitOptions = algorithms.Apply(parse, options.FitOptions(parse), [optimizer]);
            if (ModelOptions.PrecisionWarning(specification, fitOptions) is { } warning)
            {
                context.Console.WriteLine(warning);
            }

            // An analytic Hessian is one pass but O(P²) work per row and component; either way P bounds the cost.
            var conclusion = FitConclusion.Make(specification, ComparisonRunner.Fit(context.Console, specification, optimizer, fitOptions), errorsChoice, StandardErrorParameterLimit);
            var fit = conclusion.Fit;
            var problem = fit.Problem;
            var result = fit.Result;
            var standardErrors = conclusion.StandardErrors;
            string? standardErrorNote = conclusion.StandardErrorNote;
            if (outputPath is not null)
            {
                var metadata = new FitMetadata(optimizer.Name, options.InitializationLabel(parse, specification), conclusion.Warnings, conclusion.Maximum);
                AtomicFile.Write(outputPath, stream => ModelJson.Write(stream, fit, specification, metadata, standardErrors));
            }

            var console = context.Console;
            var data = specification.Data;
            console.WriteLine($"{data.Source}: {data.Rows} rows × {data.Dimension} columns ({string.Join(", ", data.ColumnNames)}){(data.RowWeights is null ? string.Empty : $", {problem.Observations:G} observations (weighted rows)")}");
            console.WriteLine($"{specification.Description}, algorithm {optimizer.Name}");
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"log-likelihood {Tables.Number(result.LogLikelihood)} after {result.Iterations} iterations{(fit.SmallEm is null ? string.Empty : $" from the end of its start's {fit.Restarts[fit.BestStart].ShortIterations}-iteration short run")}, {Tables.Passes(result.Passes)} passes over the data, {result.Seconds:F3} s: {Tables.Termination(result)}"));
            console.WriteLine(conclusion.GapLine());
            if (conclusion.MaximumLine() is { } maximumLine)
            {
                console.WriteLine(maximumLine);
            }

            foreach (var fitWarning in conclusion.Warnings)
            {
                console.WriteLine($"warning: {fitWarning.Message}");
            }

            if (fit.Restarts.Count > 1)
            {
                console.WriteLine(Tables.Restarts(fit));
            }

            if (optimizer.Name == "auto")
            {
                string decision = result.Trace.Select(t => t.Note).FirstOrDefault(n => n?.Contains("switching to", StringComparison.Ordinal) == true)?.Split(". ")[0]
                    ?? "EM converged during the warm-up, so there was nothing to switch to";
                console.WriteLine($"auto: {decision}");
            }

            console.Write(Tables.Parameters(specification, problem, result.Parameters));
            if (standardErrors is not null)
            {
                string digits = data.Precision == Precision.Single ? "; single precision: about 3 significant digits" : string.Empty;
                console.WriteLine($"standard errors from the observed information ({(standardErrors.AnalyticHessian ? "analytic, Louis 1982" : "finite differences of the gradient")}{digits}):");
                console.Write(Tables.StandardErrors(standardErrors));
                if (standardErrors.HeldAtBoundary.Count > 0)
                {
                    console.WriteLine($"held fixed at the boundary of the parameter space (a probability at 0), so their errors are 0 and the others' are conditional on them: {string.Join(", ", standardErrors.HeldAtBoundary)}");
                }
            }
            else if (standardErrorNote is not null)
            {
                console.WriteLine(standardErrorNote);
            }

            if (outputPath is not null)
            {
                console.WriteLine($"wrote {outputPath}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
