using System.CommandLine;
using Spectre.Console;
using LatentFit.Cli.Reporting;
using LatentFit.Data;
using LatentFit.Fitting;
using LatentFit.Models.Gaussian;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Cli.Commands;

/// <summary><c>latentfit demo</c>: <c>compare</c> on the embedded Old Faithful and iris data.</summary>
internal static class DemoCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new Command("demo", "Compare EM, gradient ascent, gradient EM and L-BFGS on the embedded Old Faithful (K=2) and iris (K=3) data, full covariances, from the same start.");
        command.SetAction(_ =>
        {
            // Tight enough that every method gets to the optimum, so that passes are compared at equal accuracy.
            var options = new FitOptions { RelativeTolerance = 1e-10, MaxIterations = 20_000 };
            foreach (var (name, components) in new[] { ("faithful", 2), ("iris", 3) })
            {
                var data = EmbeddedDatasets.Load(name);
                var settings = new GaussianMixtureFitSettings { Data = data, Components = components, Structure = FullCovariance.Instance };
                var optimizers = OptimizerCatalog.Names.Select(OptimizerCatalog.Create).ToArray();
                var comparison = AlgorithmComparison.Run(settings, optimizers, options);
                ComparisonReport.Write(context.Console, $"{name}: {data.Rows} rows × {data.Dimension} columns ({string.Join(", ", data.ColumnNames)}), Gaussian mixture K={components}, full covariances, k-means++ start (seed 0), --tol 1e-10, gradient-em --step {options.Step}", comparison);
                context.Console.WriteLine();
            }

            context.Console.WriteLine("Every method ends within about 1e-6 (relative) of the same maximum; they differ in how many passes over the data that takes. EM needs no step size: its step is P(θ)∇ℓ with P positive definite (Xu & Jordan 1996; see 'latentfit check'), a well-scaled gradient step. Plain and fixed-step gradient ascent need hundreds to thousands of passes on these badly scaled problems; L-BFGS learns the curvature and needs tens.");
            return ExitCodes.Success;
        });
        return command;
    }
}
