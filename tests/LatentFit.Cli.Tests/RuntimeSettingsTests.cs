using System.Globalization;
using System.Text;

namespace LatentFit.Cli.Tests;

/// <summary>How the tool's process runs, as the runtime itself reports it.</summary>
public sealed class RuntimeSettingsTests
{
    /// <summary>
    /// Tiered compilation is off in the tool (LatentFit.Cli.csproj): in a run long enough for tiering to recompile some
    /// of the runtime's precompiled code at tier 1 (with it on, 10 methods here, reading the 200,000 rows; 160 in a
    /// 10-iteration fit of 200,000 × 16, the thread pool's and Parallel.For's among them), the JIT's own summary
    /// (<c>DOTNET_JitDisasmSummary</c>) lists every method compiled once, none at a tier (Tier0, Tier1, their
    /// instrumented forms, or on-stack replacement): fully optimised in a Release build, and in a Debug build the
    /// tool's own unoptimised code (MinOpts, as a debugger needs it) beside the runtime's fully optimised.
    /// </summary>
    [Fact]
    public void Fit_CompilesEveryMethodOnce_NoneAtATier()
    {
        using var temp = new TempDirectory();
        var random = new Random(11);
        var text = new StringBuilder("x,y,z\n");
        for (int n = 0; n < 200_000; n++)
        {
            double centre = random.Next(3) * 3;
            text.Append(CultureInfo.InvariantCulture, $"{centre + random.NextDouble():R},{centre - random.NextDouble():R},{random.NextDouble():R}\n");
        }

        string data = temp.File("data.csv");
        File.WriteAllText(data, text.ToString());
        string log = temp.File("jit.txt");
        var run = CliRunner.RunProcess(
            ["fit", "--data", data, "-k", "3", "--max-iter", "20", "--tol", "0", "--standard-errors", "no", "--output", temp.File("fit.json")],
            ("DOTNET_JitStdOutFile", log),
            ("DOTNET_JitDisasmSummary", "1"));
        Assert.True(run.Code == 0, run.Err);

        var compiled = File.ReadAllLines(log).Where(line => line.Contains("JIT compiled", StringComparison.Ordinal)).ToArray();
        Assert.True(compiled.Length > 100, $"{compiled.Length} methods compiled");
        Assert.All(compiled, line => Assert.DoesNotContain("Tier", line, StringComparison.Ordinal));
        Assert.Contains(compiled, line => line.Contains("[FullOpts", StringComparison.Ordinal));
    }
}
