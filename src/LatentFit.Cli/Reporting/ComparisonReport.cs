using System.Globalization;
using LatentFit.Fitting;
using LatentFit.Serialization;
using Spectre.Console;

namespace LatentFit.Cli.Reporting;

/// <summary>The side-by-side table of <c>compare</c> and <c>demo</c>, and the trace files.</summary>
internal static class ComparisonReport
{
    public static void Write(IAnsiConsole console, string title, AlgorithmComparisonResult comparison)
    {
        console.WriteLine(title);
        var start = comparison.Results.Count > 0 && comparison.Results[0].Trace.Count > 0 ? comparison.Results[0].Trace[0].LogLikelihood : double.NaN;
        console.WriteLine($"all algorithms start from the same parameters (ℓ = {Tables.Number(start)})");
        var table = Tables.Create("algorithm", "final ℓ", "ℓ* − ℓ", "iterations", "passes", "seconds", "stopped");
        double best = comparison.BestLogLikelihood;
        foreach (var result in comparison.Results)
        {
            Tables.AddRow(
                table,
                result.Algorithm,
                Tables.Number(result.LogLikelihood),
                Tables.Number(best - result.LogLikelihood, "0.0e+00"),
                result.Iterations.ToString(CultureInfo.InvariantCulture),
                Tables.Passes(result.Passes),
                Tables.Number(result.Seconds, "F3"),
                Tables.Termination(result));
        }

        foreach (var failure in comparison.Failures)
        {
            Tables.AddRow(table, failure.Algorithm, "—", "—", "—", "—", "—", failure.Outcome);
        }

        console.Write(table);
        console.WriteLine("ℓ* is the best final ℓ in this table; passes count E-step evaluations over the data (line-search probes included).");
    }

    /// <summary>Writes one CSV per algorithm, <c>DIR/ALGORITHM.csv</c>, each atomically; returns the paths.</summary>
    public static IReadOnlyList<string> WriteTraces(string directory, AlgorithmComparisonResult comparison)
    {
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        foreach (var result in comparison.Results)
        {
            string path = Path.Combine(directory, $"{result.Algorithm}.csv");
            AtomicFile.WriteAllText(path, TraceCsv.Format(result.Trace));
            paths.Add(path);
        }

        return paths;
    }
}
