using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace LatentFit.Cli.Tests;

/// <summary>
/// fit --checkpoint / --resume (issue 14): a fit killed with SIGKILL at a random moment and resumed writes the same
/// model file as the uninterrupted fit, all but the seconds; a checkpoint of another fit, a missing or malformed one,
/// and an optimiser or restarts that cannot be checkpointed are refused with a message that says why.
/// </summary>
public sealed class CheckpointCommandTests(ITestOutputHelper output)
{
    // A Poisson mixture on death notices, where EM's rate is near 1 and SQUAREM's step bound is still growing over its
    // first iterations: a kill within 10 ms of the first checkpoint (iteration 0) lands, most often, in the iterations
    // whose state matters. 300 iterations with a checkpoint after each take about a second; --tol 0 fixes their count.
    private static readonly string[] SlowFit = ["fit", "--data", "death_notices", "--model", "poisson", "-k", "2", "--tol", "0", "--max-iter", "300", "--standard-errors", "no"];

    private static readonly string[] IrisFit = ["fit", "--data", "iris", "-k", "3", "--tol", "0", "--max-iter", "300", "--standard-errors", "no"];

    private static readonly string[] IrisShortFit = ["fit", "--data", "iris", "-k", "3", "--tol", "0", "--max-iter", "3", "--standard-errors", "no"];

    [Theory]
    [InlineData("em", 1)]
    [InlineData("squarem", 2)]
    [InlineData("lbfgs", 3)]
    [InlineData("auto", 4)]
    public void Fit_KilledAtARandomMomentThenResumed_WritesTheUninterruptedFit(string algorithm, int seed)
    {
        using var directory = new TempDirectory();
        string[] common = algorithm == "em" ? SlowFit : [.. SlowFit, "--algorithm", algorithm];
        string uninterruptedPath = directory.File("uninterrupted.json");
        var (code, _, error) = CliRunner.Run([.. common, "-o", uninterruptedPath]);
        Assert.True(code == 0, error);

        string checkpoint = directory.File("fit.checkpoint.json");
        string resumedPath = directory.File("resumed.json");
        var random = new Random(seed);

        // On a loaded machine this process may not run again before the child has finished; then the kill came too
        // late to test anything, and the child is started again (up to three times) rather than the test passing idly.
        JsonNode killedAt = null!;
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            File.Delete(checkpoint);
            File.Delete(resumedPath);
            using (var child = CliRunner.Start([.. common, "-o", resumedPath, "--checkpoint", checkpoint, "--checkpoint-every", "0"]))
            {
                var clock = Stopwatch.StartNew();
                while (!File.Exists(checkpoint) && !child.HasExited && clock.Elapsed < TimeSpan.FromSeconds(30))
                {
                    Thread.Sleep(2);
                }

                Thread.Sleep(random.Next(0, 10));
                if (!child.HasExited)
                {
                    child.Kill(entireProcessTree: true);
                }

                child.WaitForExit();
            }

            Assert.True(File.Exists(checkpoint), "the child wrote no checkpoint");
            killedAt = JsonNode.Parse(File.ReadAllText(checkpoint))!["state"]!;
            if (killedAt["termination"] is null)
            {
                break;
            }

            output.WriteLine($"{algorithm}: attempt {attempt} finished before the kill");
        }

        Assert.True(killedAt["termination"] is null, $"the child finished (iteration {killedAt["iteration"]}) before it was killed, three times");
        Assert.False(File.Exists(resumedPath), "a killed fit wrote its output");
        output.WriteLine($"{algorithm}: killed after the checkpoint of iteration {killedAt["iteration"]}");
        (code, _, error) = CliRunner.Run([.. common, "-o", resumedPath, "--resume", checkpoint]);
        Assert.True(code == 0, error);

        var expected = WithoutSeconds(ReadFit(uninterruptedPath));
        var actual = WithoutSeconds(ReadFit(resumedPath));
        Assert.Equal(expected["logLikelihood"]!.GetValue<double>(), actual["logLikelihood"]!.GetValue<double>());
        Assert.Equal(expected["iterations"]!.GetValue<int>(), actual["iterations"]!.GetValue<int>());
        Assert.Equal(expected.ToJsonString(), actual.ToJsonString());

        // The resumed fit went on writing checkpoints to the file it resumed from, ending with its last state.
        Assert.Equal(expected["iterations"]!.GetValue<int>(), JsonNode.Parse(File.ReadAllText(checkpoint))!["state"]!["iteration"]!.GetValue<int>());
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(checkpoint))!["state"]!["termination"]);
    }

    [Fact]
    public void Fit_CheckpointEveryHour_WritesTheLastStateWhichResumesToTheSameFit()
    {
        using var directory = new TempDirectory();
        string checkpoint = directory.File("c.json");
        string first = directory.File("first.json");
        string again = directory.File("again.json");
        string[] fit = ["fit", "--data", "faithful", "-k", "2", "--standard-errors", "no"];
        var (code, _, error) = CliRunner.Run([.. fit, "-o", first, "--checkpoint", checkpoint, "--checkpoint-every", "3600"]);
        Assert.True(code == 0, error);
        var state = JsonNode.Parse(File.ReadAllText(checkpoint))!["state"]!;
        Assert.Equal("AitkenConverged", state["termination"]!.GetValue<string>());
        Assert.Equal(ReadFit(first)["iterations"]!.GetValue<int>(), state["iteration"]!.GetValue<int>());

        // A finished checkpoint resumes to its result without iterating.
        (code, _, error) = CliRunner.Run([.. fit, "-o", again, "--resume", checkpoint]);
        Assert.True(code == 0, error);
        Assert.Equal(WithoutSeconds(ReadFit(first)).ToJsonString(), WithoutSeconds(ReadFit(again)).ToJsonString());
    }

    [Fact]
    public void Fit_CheckpointEveryWithoutCheckpoint_IsRefused()
    {
        var (code, _, error) = CliRunner.Run([.. IrisShortFit, "--checkpoint-every", "1"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--checkpoint-every applies to --checkpoint or --resume only", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_CheckpointWithAnOptimizerThatCannotResume_NamesTheOnesThatCan()
    {
        using var directory = new TempDirectory();
        var (code, _, error) = CliRunner.Run([.. IrisFit, "--algorithm", "anderson", "--checkpoint", directory.File("c.json")]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--checkpoint: algorithm anderson cannot write or resume checkpoints; the algorithms that can: em, lbfgs, squarem, auto", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_CheckpointWithRestarts_IsRefused()
    {
        using var directory = new TempDirectory();
        var (code, _, error) = CliRunner.Run([.. IrisFit, "--restarts", "3", "--checkpoint", directory.File("c.json")]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--restarts 3", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ResumeMissingOrMalformed_SaysSoWithTheFile()
    {
        using var directory = new TempDirectory();
        string missing = directory.File("missing.json");
        var (code, _, error) = CliRunner.Run([.. IrisFit, "--resume", missing]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{missing}: the checkpoint file does not exist", error, StringComparison.Ordinal);

        string malformed = directory.File("malformed.json", "{\"format\": \"latentfit-checkpoint\", ");
        (code, _, error) = CliRunner.Run([.. IrisFit, "--resume", malformed]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{malformed}: not a checkpoint file", error, StringComparison.Ordinal);

        string other = directory.File("other.json", "{\"formatVersion\": 3, \"model\": \"gmm\"}");
        (code, _, error) = CliRunner.Run([.. IrisFit, "--resume", other]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("not a checkpoint file (no \"format\": \"latentfit-checkpoint\")", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-k", "2", "its K is 3, this run's is 2")]
    [InlineData("--algorithm", "squarem", "its algorithm is \"em\", this run's is \"squarem\"")]
    [InlineData("--seed", "5", "its seed is 0, this run's is 5")]
    [InlineData("--covariance", "diag", "its model setting covariance is \"full\", this run's is \"diag\"")]
    [InlineData("--block-rows", "64", "its --block-rows is 4096, this run's is 64")]
    [InlineData("--max-iter", "4", "its setting MaxIterations is \"3\", this run's is \"4\"")]
    public void Fit_ResumeOfAnotherFit_IsRefusedNamingWhatDiffers(string option, string value, string expected)
    {
        using var directory = new TempDirectory();
        string checkpoint = directory.File("c.json");
        var (code, _, error) = CliRunner.Run([.. IrisShortFit, "--checkpoint", checkpoint]);
        Assert.True(code == 0, error);
        string[] args = [.. IrisShortFit, "--resume", checkpoint];
        int at = Array.IndexOf(args, option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args = [.. args, option, value];
        }

        (code, _, error) = CliRunner.Run(args);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{checkpoint}: the checkpoint is of another fit", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ResumeOnOtherData_IsRefusedByTheChecksum()
    {
        using var directory = new TempDirectory();
        string data = directory.File("d.csv", "x\n1\n2\n3\n10\n11\n12\n");
        string checkpoint = directory.File("c.json");
        string[] fit = ["fit", "--data", data, "-k", "2", "--max-iter", "3", "--standard-errors", "no"];
        var (code, _, error) = CliRunner.Run([.. fit, "--checkpoint", checkpoint]);
        Assert.True(code == 0, error);
        File.WriteAllText(data, "x\n1\n2\n3\n10\n11\n13\n");
        (code, _, error) = CliRunner.Run([.. fit, "--resume", checkpoint]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("its data checksum (the values differ) is", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ResumeOnAnotherKernelPath_IsRefusedNamingIt()
    {
        using var directory = new TempDirectory();
        string checkpoint = directory.File("c.json");
        string here = directory.File("here.json");
        var (code, _, error) = CliRunner.Run([.. IrisShortFit, "-o", here]);
        Assert.True(code == 0, error);

        // A child with AVX-512 switched off computes on the 256-bit path; on a machine without AVX-512 both paths are
        // the same and there is nothing to refuse.
        using (var child = CliRunner.Start([.. IrisShortFit, "--checkpoint", checkpoint], ("DOTNET_EnableAVX512", "0")))
        {
            child.WaitForExit();
            Assert.Equal(0, child.ExitCode);
        }

        string theirs = JsonNode.Parse(File.ReadAllText(checkpoint))!["kernelPath"]!.GetValue<string>();
        string ours = ReadFit(here)["kernelPath"]!.GetValue<string>();
        output.WriteLine($"checkpoint on {theirs}, resumed on {ours}");
        if (theirs == ours)
        {
            return;
        }

        (code, _, error) = CliRunner.Run([.. IrisShortFit, "--resume", checkpoint]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"its E-step kernel path (the machine's SIMD width, on which the last bits of ℓ depend) is \"{theirs}\", this run's is \"{ours}\"", error, StringComparison.Ordinal);
    }

    private static JsonObject ReadFit(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    /// <summary>The fit without its clock readings, the one thing a resumed fit cannot reproduce.</summary>
    private static JsonNode WithoutSeconds(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            obj.Remove("seconds");
            foreach (var (_, child) in obj.ToList())
            {
                if (child is not null)
                {
                    WithoutSeconds(child);
                }
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array)
            {
                if (child is not null)
                {
                    WithoutSeconds(child);
                }
            }
        }

        return node;
    }
}
