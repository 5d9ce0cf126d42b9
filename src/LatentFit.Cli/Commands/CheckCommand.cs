using System.CommandLine;
using System.Globalization;
using LatentFit.Cli.Reporting;
using LatentFit.Diagnostics;
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
        var options = new ModelOptions { ProgressConsole = context.Console, Context = context };
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

            AddSupportRows(table, report);
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

            if (SupportLine(report, specification.CreateProblem().GradientSupport.Reason) is { } supportLine)
            {
                console.WriteLine(supportLine);
            }

            console.WriteLine(report.Passed ? "all checks passed" : "SOME CHECKS FAILED");
            return report.Passed ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }

    /// <summary>∇Q(θ | θ) against one-sided differences of ℓ, for a model whose support depends on θ: information, not a verdict.</summary>
    private static void AddSupportRows(Table table, ModelDiagnosticsReport report)
    {
        if (report.SupportAtRandom is { } random)
        {
            Tables.AddRow(table, "∇Q(θ|θ) vs one-sided differences of ℓ at the random θ (no data point on an endpoint)", Relative(random), "—", $"info: ℓ jumps in {random.JumpCoordinates} of {random.SurrogateGradient.Length} coordinates");
        }

        if (report.SupportAtFixedPoint is { } fixedPoint)
        {
            Tables.AddRow(table, $"∇Q(θ|θ) vs one-sided differences of ℓ at EM's fixed point (ℓ = {Tables.Number(fixedPoint.LogLikelihood, "F4")})", Relative(fixedPoint), "—", "expected to differ: the support depends on θ");
        }
    }

    /// <summary>The line that says why ∇Q(θ | θ) is not ∇ℓ for this model, with the mismatch at EM's fixed point; null for models with a gradient.</summary>
    private static string? SupportLine(ModelDiagnosticsReport report, string? reason)
    {
        if (report.SupportFailure is { } failure)
        {
            return $"the support depends on θ, but ∇Q(θ|θ) could not be compared with differences of ℓ: {failure}";
        }

        if (report.SupportAtFixedPoint is not { } fixedPoint)
        {
            return null;
        }

        int worst = Enumerable.Range(0, fixedPoint.SurrogateGradient.Length).MaxBy(i => Math.Max(Math.Abs(fixedPoint.SurrogateGradient[i] - fixedPoint.ForwardDifferences[i]), Math.Abs(fixedPoint.SurrogateGradient[i] - fixedPoint.BackwardDifferences[i])));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"the support depends on θ, so Fisher's identity fails (expected for this model, not a failed check): at EM's fixed point ∇Q(θ|θ) from the E-step differs from the one-sided differences of ℓ by {Relative(fixedPoint)} (relative), ℓ jumps to −∞ on one side in {fixedPoint.JumpCoordinates} of {fixedPoint.SurrogateGradient.Length} coordinates of η (worst, coordinate {worst + 1}: ∇Q = {G(fixedPoint.SurrogateGradient[worst])}, forward {G(fixedPoint.ForwardDifferences[worst])}, backward {G(fixedPoint.BackwardDifferences[worst])}); {reason}");
    }

    private static string Relative(SupportBoundaryReport report) => report.MaxRelativeDiscrepancy switch
    {
        double.PositiveInfinity => "∞",
        double value => E(value),
    };

    private static string G(double value) => double.IsFinite(value) ? value.ToString("G6", CultureInfo.InvariantCulture) : value > 0 ? "+∞" : value < 0 ? "−∞" : "NaN";

    private static string E(double value) => double.IsFinite(value) ? value.ToString("0.00e+00", CultureInfo.InvariantCulture) : "n/a";

    private static string F(double value) => double.IsFinite(value) ? value.ToString("F6", CultureInfo.InvariantCulture) : "n/a";

    private static string Verdict(bool passed) => passed ? "pass" : "FAIL";
}
