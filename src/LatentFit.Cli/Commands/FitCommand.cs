using LatentFit.Data;
using System.CommandLine;
using System.Globalization;
using LatentFit.Cli.Reporting;
using LatentFit.Fitting;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Serialization;
using Spectre.Console;

namespace LatentFit.Cli.Commands;

/// <summary><c>latentfit fit</c>: one model, one algorithm, optionally several starts; writes the fit as JSON.</summary>
internal static class FitCommand
{
    // Above this many parameters a finite-difference Hessian (2P passes) is not computed unless asked for.
    private const int StandardErrorParameterLimit = 200;

    // A checkpoint every few seconds costs one atomic write of a few kilobytes (the trace grows it), nothing beside a
    // pass over large data, and loses at most those seconds of work to a kill.
    private const double DefaultCheckpointSeconds = 5;

    /// <summary>The algorithms that can write and resume checkpoints (<see cref="IResumableOptimizer"/>).</summary>
    private static IReadOnlyList<string> ResumableNames { get; } = OptimizerCatalog.AllNames.Where(name => OptimizerCatalog.Create(name) is IResumableOptimizer).ToArray();

    public static Command Create(CommandContext context)
    {
        var options = new ModelOptions { ProgressConsole = context.Console, Context = context };
        var algorithms = new AlgorithmOptions();
        var algorithm = new Option<string>("--algorithm") { Description = $"Optimiser: {string.Join(", ", OptimizerCatalog.AllNames)}", DefaultValueFactory = _ => "em" };
        var restarts = new Option<int>("--restarts") { Description = "Number of runs to convergence; with N > 1, \"small EM\": short EM runs (at most 20 iterations, relative tolerance 1e-5) from 10N starts (seeds seed, seed+1, …; for a gmm k-means++, the second mclust's hc; for an hmm its emission start with each seed), then the algorithm to convergence from N of them (the best of each kind, then the best others); the best log-likelihood is kept", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--output", "-o") { Description = "Write the fit as JSON to this file (atomically)" };
        var errors = new Option<string>("--standard-errors") { Description = "Standard errors from the observed information: auto (when there are at most 200 parameters), yes, no", DefaultValueFactory = _ => "auto" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = $"Write the optimiser's state to this file (atomically) at most every --checkpoint-every seconds and at the end, so that --resume can continue a killed fit; algorithms: {string.Join(", ", ResumableNames)}; one start only" };
        var checkpointEvery = new Option<double>("--checkpoint-every") { Description = "Seconds between checkpoints; 0 writes one after every iteration", DefaultValueFactory = _ => DefaultCheckpointSeconds };
        var resume = new Option<string?>("--resume") { Description = "Continue the fit whose checkpoint is this file (the same command line otherwise) and end where the uninterrupted fit would have; checkpoints go on to the --checkpoint file, else to this one" };
        var command = new Command("fit", "Fit a model by one algorithm and write the parameters, log-likelihood, standard errors and trace as JSON.");
        options.AddTo(command);
        algorithms.AddTo(command);
        command.Options.Add(algorithm);
        command.Options.Add(restarts);
        command.Options.Add(output);
        command.Options.Add(errors);
        command.Options.Add(checkpoint);
        command.Options.Add(checkpointEvery);
        command.Options.Add(resume);
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

            var checkpointing = Checkpointing.From(parse, checkpoint, checkpointEvery, resume, optimizer, specification, options.Inputs(parse), outputPath);
            var modelFit = checkpointing is null
                ? ComparisonRunner.Fit(context.Console, specification, optimizer, fitOptions)
                : ComparisonRunner.FitResumable(context.Console, specification, checkpointing.Optimizer, fitOptions, checkpointing.Resume(specification, fitOptions), checkpointing.SinkFor(specification, fitOptions));

            // An analytic Hessian is one pass but O(P²) work per row and component; either way P bounds the cost.
            var conclusion = FitConclusion.Make(specification, modelFit, errorsChoice, StandardErrorParameterLimit);
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

    /// <summary>--checkpoint, --checkpoint-every and --resume, checked against the rest of the command line.</summary>
    private sealed record Checkpointing(IResumableOptimizer Optimizer, string? ResumePath, string WritePath, TimeSpan Every)
    {
        private string? _dataChecksum;

        public static Checkpointing? From(ParseResult parse, Option<string?> checkpoint, Option<double> every, Option<string?> resume, IOptimizer optimizer, ModelSpecification specification, IReadOnlyList<InputFile> inputs, string? outputPath)
        {
            string? checkpointPath = parse.GetValue(checkpoint);
            string? resumePath = parse.GetValue(resume);
            if (checkpointPath is null && resumePath is null)
            {
                if (ModelFileChoice.IsGiven(parse, every))
                {
                    throw new UsageException("--checkpoint-every applies to --checkpoint or --resume only; leave it out");
                }

                return null;
            }

            string flag = resumePath is null ? "--checkpoint" : "--resume";
            if (optimizer is not IResumableOptimizer resumable)
            {
                throw new UsageException($"{flag}: algorithm {optimizer.Name} cannot write or resume checkpoints; the algorithms that can: {string.Join(", ", ResumableNames)}");
            }

            if (specification.Starts != 1)
            {
                throw new UsageException($"{flag} takes a fit from one start, but --restarts {specification.Starts} asks for small EM over {specification.Starts} restarts, whose short runs are not checkpointed; fit with --restarts 1 (e.g. from the chosen start as --init)");
            }

            double seconds = parse.GetValue(every);
            if (!(seconds >= 0) || !double.IsFinite(seconds))
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--checkpoint-every must be a finite number of seconds ≥ 0, got {seconds}"));
            }

            string writePath = checkpointPath ?? resumePath!;
            OutputPaths.RequireFile("--checkpoint", writePath, inputs);
            if (outputPath is not null && Path.GetFullPath(outputPath) == Path.GetFullPath(writePath))
            {
                throw new UsageException($"--checkpoint {writePath} is the --output file; choose another file for the checkpoints");
            }

            return new Checkpointing(resumable, resumePath, writePath, TimeSpan.FromSeconds(seconds));
        }

        public (double[] Initial, OptimizerState State)? Resume(ModelSpecification specification, FitOptions options) =>
            ResumePath is null ? null : FitCheckpoint.Read(ResumePath, specification, Optimizer.Name, options, DataChecksum(specification));

        public Func<double[], ICheckpointSink?> SinkFor(ModelSpecification specification, FitOptions options) =>
            initial => new CheckpointFileSink(WritePath, Every, specification, Optimizer.Name, options, initial, DataChecksum(specification));

        private string DataChecksum(ModelSpecification specification) => _dataChecksum ??= FitCheckpoint.DataChecksum(specification.Data);
    }
}
