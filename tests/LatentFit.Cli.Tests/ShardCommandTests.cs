using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LatentFit.Cli.Tests;

/// <summary><c>latentfit shard</c>, then <c>--data DIR</c> in fit and decode, against the same commands on the CSV file; and what is refused.</summary>
public sealed class ShardCommandTests
{
    /// <summary>Two clusters in two columns, in <paramref name="sequences"/> sequences (ids q1, q2, …) of 40 to 79 rows.</summary>
    private static string Csv(int sequences, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("id,x,y\n");
        for (int s = 1; s <= sequences; s++)
        {
            int length = 40 + random.Next(40);
            for (int t = 0; t < length; t++)
            {
                double centre = random.Next(2) * 4;
                text.Append(CultureInfo.InvariantCulture, $"q{s},{centre + random.NextDouble():R},{centre - random.NextDouble():R}\n");
            }
        }

        return text.ToString();
    }

    private static double LogLikelihood(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("logLikelihood").GetDouble();

    private static string Run(params string[] args)
    {
        var (code, output, error) = CliRunner.Run(args);
        Assert.True(code == 0, error);
        return output;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ShardThenFit_GaussianMixture_TheCsvFitsLogLikelihood(int shards)
    {
        using var temp = new TempDirectory();
        string csv = temp.File("data.csv", Csv(8, 1));
        string directory = temp.File("shards");
        string printed = Run("shard", "--data", csv, "--columns", "x,y", "--shards", shards.ToString(CultureInfo.InvariantCulture), "--output", directory);
        Assert.Contains($"({shards} shards)", printed);
        Assert.Contains("shard-00000.lfs", printed);
        Assert.Equal(shards, Directory.GetFiles(directory, "*.lfs").Length);

        string fromCsv = temp.File("csv.json"), fromShards = temp.File("shards.json");
        Run("fit", "--data", csv, "--columns", "x,y", "-k", "2", "--max-iter", "20", "--tol", "0", "--block-rows", "50", "--standard-errors", "no", "-o", fromCsv);
        Run("fit", "--data", directory, "-k", "2", "--max-iter", "20", "--tol", "0", "--block-rows", "50", "--standard-errors", "no", "-o", fromShards);
        double expected = LogLikelihood(fromCsv), actual = LogLikelihood(fromShards);
        if (shards == 1)
        {
            Assert.Equal(expected, actual);
        }
        else
        {
            Assert.True(Math.Abs(actual - expected) <= 1e-10 * Math.Abs(expected), $"ℓ {actual:R} over shards, {expected:R} from the CSV");
        }
    }

    [Fact]
    public void ShardWithSequences_ThenHmmFitAndDecode_TheCsvsNumbers()
    {
        using var temp = new TempDirectory();
        string csv = temp.File("data.csv", Csv(6, 2));
        string directory = temp.File("shards");
        Assert.Contains("6 sequences", Run("shard", "--data", csv, "--sequence-column", "id", "--shards", "2", "--output", directory));

        string fromCsv = temp.File("csv.json"), fromShards = temp.File("shards.json");
        Run("fit", "--data", csv, "--sequence-column", "id", "--model", "hmm", "-k", "2", "--covariance", "diag", "--max-iter", "10", "--tol", "0", "--standard-errors", "no", "-o", fromCsv);
        Run("fit", "--data", directory, "--sequence-column", "id", "--model", "hmm", "-k", "2", "--covariance", "diag", "--max-iter", "10", "--tol", "0", "--standard-errors", "no", "-o", fromShards);
        double expected = LogLikelihood(fromCsv), actual = LogLikelihood(fromShards);
        Assert.True(Math.Abs(actual - expected) <= 1e-10 * Math.Abs(expected), $"ℓ {actual:R} over shards, {expected:R} from the CSV");

        string decodedCsv = temp.File("csv-states.csv"), decodedShards = temp.File("shard-states.csv");
        Run("decode", "--model", fromCsv, "--data", csv, "--sequence-column", "id", "-o", decodedCsv);
        Run("decode", "--model", fromCsv, "--data", directory, "-o", decodedShards);
        Assert.Equal(File.ReadAllText(decodedCsv), File.ReadAllText(decodedShards));
    }

    [Fact]
    public void DataDirectory_OutputsThatWouldOverwriteIt_Refused()
    {
        using var temp = new TempDirectory();
        string csv = temp.File("data.csv", Csv(3, 3));
        string directory = temp.File("shards");
        Run("shard", "--data", csv, "--columns", "x,y", "--shards", "2", "--output", directory);
        var before = Directory.GetFiles(directory).ToDictionary(f => f, File.ReadAllBytes);

        var inside = CliRunner.Run("fit", "--data", directory, "-k", "2", "-o", Path.Combine(directory, "shard-00000.lfs"));
        Assert.Equal(2, inside.Code);
        Assert.Contains("inside the --data folder", inside.Err);

        var same = CliRunner.Run("shard", "--data", directory, "--shards", "1", "--output", directory);
        Assert.Equal(2, same.Code);
        Assert.Contains("is the --data folder", same.Err);
        Assert.All(before, file => Assert.Equal(file.Value, File.ReadAllBytes(file.Key)));

        // Re-sharding into another folder works from mapped data.
        Assert.Contains("(1 shards)", Run("shard", "--data", directory, "--shards", "1", "--output", temp.File("again")));
    }

    /// <summary>
    /// Under a memory limit (a 32 MiB heap, <c>DOTNET_GCHeapHardLimit</c>, as a container's limit would set it), shards of
    /// 63 MiB fit out of core in double precision, while single precision, which would convert them into a float32 array
    /// of 32 MiB (without the check the process aborts with "Out of memory.", exit 134), is refused at once with the
    /// reason and what to do instead; so is an hmm's single sequence across the shards.
    /// </summary>
    [Fact]
    public void MemoryLimit_DoublePrecisionFitsOutOfCore_SinglePrecisionCopyRefusedAtOnce()
    {
        using var temp = new TempDirectory();
        const int rows = 520_000, dimension = 16;
        var random = new Random(5);
        var values = new double[rows * dimension];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i / dimension % 2 * 6) + random.NextDouble();
        }

        string directory = temp.File("shards");
        LatentFit.Data.Shards.ShardWriter.Write(new LatentFit.Data.DataSet("generated", [.. Enumerable.Range(1, dimension).Select(c => $"x{c}")], values, rows), 2, directory);
        (string, string) limit = ("DOTNET_GCHeapHardLimit", "0x2000000");
        string[] fit = ["fit", "--data", directory, "-k", "2", "--max-iter", "2", "--standard-errors", "no", "--init-method", "random"];

        var single = CliRunner.RunProcess([.. fit, "--precision", "single"], limit);
        Assert.Equal(ExitCodes.BadInput, single.Code);
        Assert.Contains($"{directory}: single precision converts the shards' 520,000 × 16 values into a float32 array in memory (32 MiB), more than three quarters of the 32 MiB this process may use; leave out --precision single", single.Err, StringComparison.Ordinal);

        var twice = CliRunner.RunProcess(fit, limit);
        Assert.True(twice.Code == 0, twice.Err);
        Assert.Contains("log-likelihood", twice.Out, StringComparison.Ordinal);

        // An hmm without sequence ids reads all rows as one sequence, one block across both shards: a copy, refused too.
        var oneSequence = CliRunner.RunProcess(["fit", "--data", directory, "--model", "hmm", "-k", "2", "--max-iter", "1", "--standard-errors", "no"], limit);
        Assert.Equal(ExitCodes.BadInput, oneSequence.Code);
        Assert.Contains($"{directory}: rows 1–520000, which span shards, would be copied into memory as one block (63 MiB)", oneSequence.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void DataDirectory_ColumnsOrRolesOtherThanTheShards_RefusedNamingTheFolder()
    {
        using var temp = new TempDirectory();
        string csv = temp.File("data.csv", Csv(3, 4));
        string directory = temp.File("shards");
        Run("shard", "--data", csv, "--columns", "x,y", "--shards", "2", "--output", directory);

        var columns = CliRunner.Run("fit", "--data", directory, "--columns", "y,x", "-k", "2");
        Assert.Equal(2, columns.Code);
        Assert.Contains($"{directory}: --columns y,x is not the shards' value columns (x,y)", columns.Err);
        var weights = CliRunner.Run("fit", "--data", directory, "--weights", "id", "-k", "2");
        Assert.Contains("the shards hold no row weights", weights.Err);

        // The same columns, named again, are accepted.
        Run("fit", "--data", directory, "--columns", "x,y", "-k", "2", "--max-iter", "2");

        var tooMany = CliRunner.Run("shard", "--data", csv, "--sequence-column", "id", "--shards", "4", "--output", temp.File("four"));
        Assert.Equal(2, tooMany.Code);
        Assert.Contains("4 shards for 3 sequences", tooMany.Err);
        Assert.False(Directory.Exists(temp.File("four")));
    }
    [Fact]
    public void ShardCategorical_ThenCategoricalHmm_TheCsvsFit_AndAGmmRefused()
    {
        using var temp = new TempDirectory();
        var random = new Random(6);
        var text = new StringBuilder("gene,base\n");
        for (int g = 0; g < 4; g++)
        {
            for (int t = 0; t < 50; t++)
            {
                text.Append(CultureInfo.InvariantCulture, $"g{g},{"ACGT"[random.Next(4)]}\n");
            }
        }

        string csv = temp.File("dna.csv", text.ToString()), directory = temp.File("dna");
        Run("shard", "--data", csv, "--sequence-column", "gene", "--categorical", "--shards", "2", "--output", directory);
        string fromCsv = temp.File("csv.json"), fromShards = temp.File("shards.json");
        string[] fit = ["--model", "hmm", "--emission", "categorical", "-k", "2", "--max-iter", "5", "--tol", "0", "--standard-errors", "no"];
        Run(["fit", "--data", csv, "--sequence-column", "gene", "--columns", "base", .. fit, "-o", fromCsv]);
        Run(["fit", "--data", directory, .. fit, "-o", fromShards]);
        double expected = LogLikelihood(fromCsv), actual = LogLikelihood(fromShards);
        Assert.True(Math.Abs(actual - expected) <= 1e-10 * Math.Abs(expected), $"ℓ {actual:R} over shards, {expected:R} from the CSV");

        var gmm = CliRunner.Run("fit", "--data", directory, "-k", "2");
        Assert.Equal(2, gmm.Code);
        Assert.Contains("the shards hold categorical column(s) base", gmm.Err);
    }
}
