using System.CommandLine;
using System.Globalization;
using LatentFit.Cli.Reporting;
using LatentFit.Fitting;
using Spectre.Console;

namespace LatentFit.Cli.Commands;

/// <summary>
/// <c>latentfit check</c>: Fisher's identity, Xu &amp; Jordan's P(θ) (Gaussian mixtures), EM monotonicity, and EM's
/// rate against the fraction of missing information, on the user's data.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(CommandContext context)
    {
        var options = new ModelOptions { ProgressConsole = context.Console };
        var steps = new Option<int>("--em-steps") { Description = "EM steps for the monotonicity check", DefaultValueFactory = _ => 100 };
        var command = new Command("check", "Check, at a random θ, that the gradient from the E-step statistics is ∇ℓ (Fisher's identity), that the EM step is P(θ)∇ℓ with P positive definite (Xu & Jordan 1996; Gaussian mixtures), how close it is to the EM gradient step I_oc(θ)⁻¹∇ℓ (Lange 1995; shown, not judged), and that EM never lowers ℓ; and that EM's observed rate equals the largest eigenvalue of the EM map's Jacobian (the largest fraction of missing information). Exits with 1 if any check fails.");
        options.AddTo(command, stopping: false, precision: false);
        command.Options.Add(steps);
        command.SetAction(parse =>
        {
            int emSteps = parse.GetValue(steps);
            if (emSteps < 1)
            {
                throw new UsageException($"--em-steps must be at least 1, got {emSteps}");
            }

            var specification = options.Specification(parse);
            var report = ModelDiagnostics.Run(specification, emSteps);
            var console = context.Console;
            var data = specification.Data;
            console.WriteLine($"{data.Source}: {data.Rows} rows × {data.Dimension} columns, {specification.Description}");
            string where = parse.GetValue(options.Init) is { } init
                ? $"θ: from {init}"
                : $"θ: random ({specification.RandomParametersDescription}; seed {specification.Seed})";
            console.WriteLine($"{where}; exact EM map{(specification.ExactProblemNote is { } note ? $" ({note})" : string.Empty)}");
            var table = Tables.Create("check", "measured", "tolerance", "result");
            if (report.Fisher is { } fisher)
            {
                Tables.AddRow(table, "Fisher identity: max |∇ℓ(stats) − ∇ℓ(finite diff.)| / max |∇ℓ|", E(fisher.MaxRelativeError), E(ModelDiagnosticsReport.FisherTolerance), Verdict(fisher.Passed(ModelDiagnosticsReport.FisherTolerance)));
            }

            if (report.XuJordan is { } xj)
            {
                double tol = ModelDiagnosticsReport.XuJordanTolerance;
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
            }

            if (report.VariableMetric is { } vm)
            {
                Tables.AddRow(
                    table,
                    "EM as a variable-metric step: ‖Δη_EM − I_oc⁻¹∇ℓ‖/‖Δη_EM‖ (equal to first order in the step only)",
                    E(vm.Residual),
                    "—",
                    $"info: ‖Δη_EM‖ = {E(vm.EmStepNorm)}");
            }

            var mono = report.Monotonicity;
            Tables.AddRow(
                table,
                $"EM monotone over {mono.LogLikelihoods.Count - 1} steps: largest decrease of ℓ (ℓ {Tables.Number(mono.LogLikelihoods[0], "F4")} → {Tables.Number(mono.LogLikelihoods[^1], "F4")})",
                E(Math.Max(0, mono.LargestDecrease)),
                $"≤ {E(mono.Tolerance)}",
                Verdict(mono.Passed));
            if (report.Rate is { } rate)
            {
                Tables.AddRow(
                    table,
                    $"EM rate: observed ‖Δηₜ₊₁‖/‖Δηₜ‖ vs largest eigenvalue of DM at the maximum (ℓ = {Tables.Number(report.OptimumLogLikelihood, "F4")})",
                    $"{F(rate.ObservedRate)} vs {F(rate.LargestEigenvalue)}",
                    $"|Δ| ≤ {E(ModelDiagnosticsReport.RateTolerance)}",
                    Verdict(rate.Discrepancy <= ModelDiagnosticsReport.RateTolerance));
            }

            console.Write(table);
            if (mono.StoppedEarly is { } reason)
            {
                console.WriteLine($"EM stopped {reason}");
            }

            if (report.XuJordanFailure is { } xuJordanFailure)
            {
                console.WriteLine($"Xu–Jordan check not made: {xuJordanFailure}");
            }

            if (report.VariableMetricFailure is { } variableMetricFailure)
            {
                console.WriteLine($"Variable-metric view not measured: {variableMetricFailure}");
            }

            if (report.RateFailure is { } rateFailure)
            {
                console.WriteLine($"EM rate not measured: {rateFailure}");
            }

            if (report.Rate is { } r)
            {
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest fraction of missing information: {r.LargestEigenvalue:F4}, so near the maximum each EM step removes about {100 * (1 - r.LargestEigenvalue):F1}% of the remaining error in the slowest direction."));
            }

            console.WriteLine(report.Passed ? "all checks passed" : "SOME CHECKS FAILED");
            return report.Passed ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static string E(double value) => double.IsFinite(value) ? value.ToString("0.00e+00", CultureInfo.InvariantCulture) : "n/a";

    private static string F(double value) => double.IsFinite(value) ? value.ToString("F6", CultureInfo.InvariantCulture) : "n/a";

    private static string Verdict(bool passed) => passed ? "pass" : "FAIL";
}
