using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using LatentFit.Cli.Reporting;
using LatentFit.Diagnostics;

namespace LatentFit.Cli.Commands;

/// <summary><c>latentfit check</c>: Fisher's identity, Xu &amp; Jordan's P(θ), and EM monotonicity, on the user's data.</summary>
internal static class CheckCommand
{
    public static Command Create(CommandContext context)
    {
        var options = new ModelOptions();
        var steps = new Option<int>("--em-steps") { Description = "EM steps for the monotonicity check", DefaultValueFactory = _ => 100 };
        var command = new Command("check", "Check, at a random θ, that the gradient from the E-step statistics is ∇ℓ (Fisher's identity), that the EM step is P(θ)∇ℓ with P positive definite (Xu & Jordan 1996), and that EM never lowers ℓ. Exits with 1 if any check fails.");
        options.AddTo(command, stopping: false);
        command.Options.Add(steps);
        command.SetAction(parse =>
        {
            int emSteps = parse.GetValue(steps);
            if (emSteps < 1)
            {
                throw new UsageException($"--em-steps must be at least 1, got {emSteps}");
            }

            var settings = options.Settings(parse);
            var report = GaussianMixtureDiagnostics.Run(settings, emSteps);
            var console = context.Console;
            var data = settings.Data;
            console.WriteLine($"{data.Source}: {data.Rows} rows × {data.Dimension} columns, gmm K={settings.Components}, {settings.Structure.Name} covariances");
            console.WriteLine(settings.Start is null
                ? $"θ: random (means at random rows, covariances the data covariance times random factors; seed {settings.Seed}); exact EM map, no covariance regularisation"
                : $"θ: from {parse.GetValue(options.Init)}; exact EM map, no covariance regularisation");
            var table = Tables.Create("check", "measured", "tolerance", "result");
            var fisher = report.Fisher;
            Tables.AddRow(table, "Fisher identity: max |∇ℓ(stats) − ∇ℓ(finite diff.)| / max |∇ℓ|", E(fisher.MaxRelativeError), E(GaussianMixtureDiagnosticsReport.FisherTolerance), Verdict(fisher.Passed(GaussianMixtureDiagnosticsReport.FisherTolerance)));
            var xj = report.XuJordan;
            double tol = GaussianMixtureDiagnosticsReport.XuJordanTolerance;
            Tables.AddRow(table, "Xu–Jordan weights: ‖Δα − P_α∇ℓ‖/‖Δα‖", E(xj.WeightsResidual), E(tol), Verdict(xj.WeightsResidual <= tol));
            Tables.AddRow(table, "Xu–Jordan means: ‖Δμ − P_μ∇ℓ‖/‖Δμ‖", E(xj.MeansResidual), E(tol), Verdict(xj.MeansResidual <= tol));
            Tables.AddRow(table, "Xu–Jordan covariances, update centred at current means", E(xj.CovarianceResidualCurrentMeans), E(tol), Verdict(xj.CovarianceResidualCurrentMeans <= tol));
            Tables.AddRow(table, "Xu–Jordan covariances, EM's usual update (differs by ΔμΔμᵀ)", E(xj.CovarianceResidualUsual), "—", $"info: ‖ΔμΔμᵀ‖ = {E(xj.MeanShiftTermNorm)}");
            Tables.AddRow(table, "Xu–Jordan covariances, usual update + ΔμΔμᵀ", E(xj.CovarianceResidualUsualCorrected), E(tol), Verdict(xj.CovarianceResidualUsualCorrected <= tol));
            Tables.AddRow(
                table,
                "P positive definite: smallest eigenvalue (weights on the simplex, means, covariances)",
                $"{E(xj.MinimumEigenvalueWeights)}, {E(xj.MinimumEigenvalueMeans)}, {E(xj.MinimumEigenvalueCovariances)}",
                "> 0",
                Verdict(xj.PositiveDefinite));
            var mono = report.Monotonicity;
            Tables.AddRow(
                table,
                $"EM monotone over {mono.LogLikelihoods.Count - 1} steps: largest decrease of ℓ (ℓ {Tables.Number(mono.LogLikelihoods[0], "F4")} → {Tables.Number(mono.LogLikelihoods[^1], "F4")})",
                E(Math.Max(0, mono.LargestDecrease)),
                $"≤ {E(mono.Tolerance)}",
                Verdict(mono.Passed));
            console.Write(table);
            if (mono.StoppedEarly is { } reason)
            {
                console.WriteLine($"EM stopped {reason}");
            }

            console.WriteLine(report.Passed ? "all checks passed" : "SOME CHECKS FAILED");
            return report.Passed ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static string E(double value) => double.IsFinite(value) ? value.ToString("0.00e+00", CultureInfo.InvariantCulture) : "n/a";

    private static string Verdict(bool passed) => passed ? "pass" : "FAIL";
}
