using System.Globalization;
using System.Text;
using LatentFit.Diagnostics;
using LatentFit.Fitting;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.SecondOrder;
using LatentFit.Serialization;

namespace LatentFit.Cli.Reporting;

/// <summary>
/// The comparison report: convergence plots against iterations, passes and seconds, the fitted density (1-D and
/// 2-D data), the EM rate and fraction of missing information, and report.md with the table and a paragraph on
/// which method won and why. The folder is built beside the target and renamed into place, so it is whole or absent.
/// </summary>
internal static class ReportWriter
{
    /// <summary>A run "reached the maximum" when its ℓ is within this of the best, relatively.</summary>
    private const double ReachedTolerance = 1e-6;

    public static IReadOnlyList<string> Write(string directory, ModelSpecification specification, AlgorithmComparisonResult comparison)
    {
        string target = Path.GetFullPath(directory);
        string parent = Path.GetDirectoryName(target) ?? ".";
        if (!Directory.Exists(parent))
        {
            throw new DirectoryNotFoundException($"{directory}: the directory {parent} does not exist");
        }

        if (File.Exists(target))
        {
            throw new IOException($"{directory}: is a file, not a directory");
        }

        string building = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(building);
        try
        {
            var files = Render(building, specification, comparison);
            Replace(target, building);
            return files.Select(f => Path.Combine(directory, f)).ToArray();
        }
        finally
        {
            if (Directory.Exists(building))
            {
                Directory.Delete(building, recursive: true);
            }
        }
    }

    private static List<string> Render(string directory, ModelSpecification specification, AlgorithmComparisonResult comparison)
    {
        var files = new List<string>();
        var data = specification.Data;
        string subject = $"{data.Source}, {specification.Description}";
        foreach (var (axis, name) in new[] { (ComparisonPlots.Axis.Iterations, "convergence-iterations"), (ComparisonPlots.Axis.Passes, "convergence-passes"), (ComparisonPlots.Axis.Seconds, "convergence-seconds") })
        {
            ComparisonPlots.Save(ComparisonPlots.Convergence(comparison, axis, $"{subject}: distance to the best log-likelihood"), directory, name);
            files.Add(name + ".png");
            files.Add(name + ".svg");
        }

        var winner = Winner(comparison);
        var problem = specification.CreateProblem();
        // A sequence model's rows have no one density (a row's depends on the rows before it): no density plot.
        var density = specification.RowsAreIndependent ? ComparisonPlots.Density(specification, problem, winner.Parameters, $"{subject}: fitted by {winner.Algorithm}") : null;
        if (density is not null)
        {
            ComparisonPlots.Save(density, directory, "density");
            files.Add("density.png");
            files.Add("density.svg");
        }

        ConvergenceRateReport? rate;
        string? rateFailure = null;
        try
        {
            rate = Rate(specification, comparison);
        }
        catch (Models.Abstractions.ModelFailureException failure)
        {
            rate = null;
            rateFailure = failure.Message;
        }

        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(specification, comparison, winner, rate, rateFailure, density is not null), new UTF8Encoding(false));
        files.Add("report.md");
        foreach (var result in comparison.Results)
        {
            File.WriteAllText(Path.Combine(directory, $"trace-{result.Algorithm}.csv"), TraceCsv.Format(result.Trace), new UTF8Encoding(false));
            files.Add($"trace-{result.Algorithm}.csv");
        }

        return files;
    }

    /// <summary>Fewest passes among the runs that reached the best ℓ (to 10⁻⁶ relative); ties by time.</summary>
    internal static FitResult Winner(AlgorithmComparisonResult comparison)
    {
        double best = comparison.BestLogLikelihood;
        return comparison.Results
            .Where(r => Math.Abs(best - r.LogLikelihood) <= ReachedTolerance * Math.Abs(best))
            .OrderBy(r => r.Passes)
            .ThenBy(r => r.Seconds)
            .First();
    }

    /// <summary>EM's observed rate from the common start and DM's largest eigenvalue at the maximum (found by Newton from the best run).</summary>
    private static ConvergenceRateReport? Rate(ModelSpecification specification, AlgorithmComparisonResult comparison)
    {
        var problem = specification.CreateProblem();
        if (!problem.GradientSupport.IsExact)
        {
            return null;
        }

        var best = comparison.Results.OrderByDescending(r => r.LogLikelihood).First();
        var optimum = new NewtonOptimizer().Run(problem, best.Parameters, new FitOptions { RelativeTolerance = 0, GradientTolerance = 1e-9 * Math.Max(1, problem.Observations), MaxIterations = 100 });
        if (specification.RateNotComparable(problem, optimum.Parameters) is { } reason)
        {
            // At a boundary maximum the EM map's Jacobian in η has an eigenvalue 1 that is no fraction of missing
            // information; say so rather than print it (as check does).
            throw new Models.Abstractions.ModelFailureException(reason);
        }

        return ConvergenceRate.Analyze(problem, comparison.Initial, optimum.Parameters);
    }

    private static string Markdown(ModelSpecification specification, AlgorithmComparisonResult comparison, FitResult winner, ConvergenceRateReport? rate, string? rateFailure, bool hasDensity)
    {
        var data = specification.Data;
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"# {data.Source}: {specification.Description}");
        text.AppendLine();
        text.AppendLine(culture, $"{data.Rows} rows × {data.Dimension} columns ({string.Join(", ", data.ColumnNames)}); every algorithm started from the same parameters (ℓ = {comparison.Results[0].Trace[0].LogLikelihood:F6}).");
        text.AppendLine();
        text.AppendLine("| algorithm | final ℓ | ℓ* − ℓ | estimated ℓ∞ − ℓ (Aitken) | iterations | passes | seconds | stopped |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        double best = comparison.BestLogLikelihood;
        foreach (var r in comparison.Results)
        {
            text.AppendLine(culture, $"| {r.Algorithm} | {r.LogLikelihood:F6} | {best - r.LogLikelihood:0.0e+00} | {(r.EstimatedGap is { } gap ? gap.ToString("0.0e+00", culture) : "unknown")} | {r.Iterations} | {Tables.Passes(r.Passes)} | {r.Seconds:F3} | {Tables.Termination(r)} |");
        }

        foreach (var failure in comparison.Failures)
        {
            text.AppendLine(culture, $"| {failure.Algorithm} | — | — | — | — | — | {failure.Outcome} |");
        }

        text.AppendLine();
        text.AppendLine("Passes count E-step evaluations over the data, line-search probes included; ℓ* is the best final ℓ in the table.");
        text.AppendLine();
        text.AppendLine("![ℓ* − ℓ against passes over the data](convergence-passes.png)");
        text.AppendLine();
        text.AppendLine("![ℓ* − ℓ against iterations](convergence-iterations.png)");
        text.AppendLine();
        text.AppendLine("![ℓ* − ℓ against seconds](convergence-seconds.png)");
        text.AppendLine();
        if (hasDensity)
        {
            text.AppendLine(culture, $"![the fitted density]({"density.png"})");
            text.AppendLine();
        }

        if (rate is not null)
        {
            text.AppendLine("## EM's rate and the missing information");
            text.AppendLine();
            text.AppendLine(culture, $"- observed linear rate of EM, ‖ηₜ₊₁ − ηₜ‖ / ‖ηₜ − ηₜ₋₁‖ near its limit: **{rate.ObservedRate:F6}**");
            text.AppendLine(culture, $"- largest eigenvalue of the Jacobian of the EM map at the maximum (SEM, Meng & Rubin 1991), the largest fraction of missing information: **{rate.LargestEigenvalue:F6}**");
            text.AppendLine();
        }

        if (rateFailure is not null)
        {
            text.AppendLine("## EM's rate and the missing information");
            text.AppendLine();
            text.AppendLine(culture, $"Not measured: {rateFailure}");
            text.AppendLine();
        }

        text.AppendLine("## Which method won, and why");
        text.AppendLine();
        text.AppendLine(Verdict(comparison, winner, rate));
        return text.ToString();
    }

    /// <summary>One paragraph in the terms of the theory: rate = fraction of missing information; EM = P∇ℓ; Newton's quadratic convergence; cost per iteration.</summary>
    internal static string Verdict(AlgorithmComparisonResult comparison, FitResult winner, ConvergenceRateReport? rate)
    {
        var culture = CultureInfo.InvariantCulture;
        var em = comparison.Results.FirstOrDefault(r => r.Algorithm == "em");
        string emPart = em is null ? string.Empty : string.Create(culture, $" Plain EM needed {Tables.Passes(em.Passes)} passes.");
        string ratePart = rate is null ? string.Empty : string.Create(
            culture,
            $" EM's step is P(θ)∇ℓ, a gradient step rescaled by a positive-definite matrix (Xu & Jordan 1996), and it converges linearly at the rate of the largest fraction of missing information, here r = {rate.LargestEigenvalue:F4}: each step removes about {100 * (1 - rate.LargestEigenvalue):F1}% of the remaining error in the slowest direction.");
        string why = winner.Algorithm switch
        {
            "em" => rate is { LargestEigenvalue: < 0.5 }
                ? " With so little information missing, EM's one pass per step and its built-in metric beat every method that has to find a step length or a curvature."
                : " EM needs no line search or Hessian, and one pass per step was enough here.",
            "newton" => " Newton's method converges quadratically near the maximum: a few iterations, each costing one Hessian (one pass when analytic, 2P from differences of the gradient) and one step, replace the many steps that a large fraction of missing information forces on EM.",
            "auto" => " The hybrid watched EM's rate for a few steps and switched to the route it expected to need the fewest passes (its choice is in the trace).",
            "squarem" or "anderson" or "overrelaxed" => " Accelerated EM keeps EM's cheap, monotone steps (one pass each, no gradient or Hessian) and extrapolates along their path, which defeats the slow linear rate when much information is missing.",
            "incremental-em" => " Incremental EM (Neal & Hinton 1998) takes an M-step after each block's E-step, so θ moves --blocks times per pass; each sweep also spends one full pass to measure ℓ at the point it names.",
            "online-em" or "online-gradient" or "sgd" => " The stochastic methods move θ after every mini-batch (--batch rows), so they take many steps per pass; each epoch also spends one full pass to measure ℓ at the point it returns, and their decreasing steps (or Adam's constant one) approach the maximum only as fast as the noise of the batches allows.",
            "lbfgs" or "cg" => " The quasi-Newton and conjugate-gradient methods learn the curvature from successive gradients, so they escape EM's linear rate, at the price of line-search probes.",
            _ => " A fixed- or line-searched gradient step has no metric adapted to the problem; it won only because the problem is well scaled.",
        };
        return string.Create(culture, $"**{winner.Algorithm}** reached the maximum (ℓ = {winner.LogLikelihood:F6}) in the fewest passes over the data: {Tables.Passes(winner.Passes)} ({winner.Iterations} iterations, {winner.Seconds:F3} s).{emPart}{ratePart}{why}");
    }

    private static void Replace(string target, string building)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(building, target);
            return;
        }

        string old = target + $".{Guid.NewGuid():N}.old";
        Directory.Move(target, old);
        Directory.Move(building, target);
        Directory.Delete(old, recursive: true);
    }
}
