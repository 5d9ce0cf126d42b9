using System.Text;
using LatentFit.Data;
using LatentFit.Data.Shards;
using LatentFit.Execution;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Data.Shards;

/// <summary>A temporary folder for shard directories, deleted with its contents on dispose.</summary>
internal sealed class TempShardFolder : IDisposable
{
    public TempShardFolder() => Directory.CreateDirectory(Root);

    public string Root { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"latentfit-shards-{Guid.NewGuid():N}");

    public string Path(string name) => System.IO.Path.Combine(Root, name);

    public void Dispose()
    {
        // Mapped views are released when their data sets are collected; where a file still mapped cannot be deleted
        // (Windows), the folder is left in the temporary folder rather than failing the test.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// Shard directories: what is written is what is opened (every part of a data set, against the source data set), the
/// shards' partitions are the whole data's groups, fits over mapped shards against fits of the same rows in memory,
/// and each kind of damage to a directory named in the error.
/// </summary>
public sealed class ShardedDataTests
{
    /// <summary>
    /// 61 rows in 9 sequences (ids s1 … s9, lengths 3 … 11), a numeric column with missing cells, a categorical one
    /// (labels A, B, C, also missing once), and frequency weights.
    /// </summary>
    private static DataSet Everything()
    {
        var text = new StringBuilder("id,x,w,c,y\n");
        var random = new Random(7);
        int row = 0;
        for (int s = 1; s <= 9; s++)
        {
            for (int i = 0; i < s + 2; i++, row++)
            {
                string x = row % 7 == 3 ? string.Empty : (random.NextDouble() * 10 - 5).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                string c = row == 20 ? "NA" : "ABC"[random.Next(3)].ToString();
                text.Append($"s{s},{x},{random.Next(1, 4)},{c},{row * 0.5}\n");
            }
        }

        return CsvDataReader.Read(new StringReader(text.ToString()), "everything.csv", ["x", "c", "y"], "w", Precision.Double, "id", ["c"]);
    }

    private static void AssertSameData(DataSet expected, DataSet actual, int firstRow = 0)
    {
        Assert.Equal(expected.ColumnNames, actual.ColumnNames);
        for (int n = 0; n < actual.Rows; n++)
        {
            for (int c = 0; c < actual.Dimension; c++)
            {
                double e = expected[firstRow + n, c], a = actual[n, c];
                Assert.True(e.Equals(a), $"row {n}, column {c}: {a} for {e}");
                Assert.Equal(expected.IsMissing(firstRow + n, c), actual.IsMissing(n, c));
            }

            Assert.Equal(expected.RowWeights?.Span[firstRow + n], actual.RowWeights?.Span[n]);
        }

        for (int c = 0; c < actual.Dimension; c++)
        {
            Assert.Equal(expected.Categories(c), actual.Categories(c));
        }
    }

    [Fact]
    public void WriteThenOpen_EveryPart_TheSourceDataSet()
    {
        using var folder = new TempShardFolder();
        var source = Everything();
        string directory = folder.Path("everything");
        var written = ShardWriter.Write(source, 3, directory);

        var data = ShardedData.Open(directory);
        Assert.True(data.IsMapped);
        Assert.Equal(directory, data.Source);
        Assert.Equal(source.Rows, data.Rows);
        AssertSameData(source, data);
        Assert.Equal(source.MissingCells.ToArray(), data.MissingCells.ToArray());
        Assert.Equal(source.FirstMissingCell!.Value.Row, data.FirstMissingCell!.Value.Row);
        Assert.Equal(source.SequenceStarts.ToArray(), data.SequenceStarts.ToArray());
        Assert.Equal(source.SequenceIds, data.SequenceIds);
        Assert.Equal(source.SourceColumns, data.SourceColumns);
        Assert.Equal(source.Values.ToArray(), data.Values.ToArray());

        // Shards start at sequence starts, near every N/3 rows (61 rows: targets 20 and 40; sequences start at 0, 3, 7,
        // 12, 18, 25, 33, 42, 52), in order and without gaps.
        Assert.Equal([0, 25, 42], data.ShardStarts.ToArray());
        Assert.Equal([0, 25, 42], written.Select(s => s.FirstRow));
        Assert.Equal([5, 2, 2], written.Select(s => s.Sequences));
        Assert.Equal(source.Rows, written.Sum(s => s.Rows));

        // Rows and blocks that span a shard boundary are copied, and still right.
        long copied = data.MappedRowsCopied;
        Assert.Equal(source.RowRange(20, 10).ToArray(), data.RowRange(20, 10).ToArray());
        Assert.Equal(copied + 10, data.MappedRowsCopied);
        Assert.Equal(source.Block(24, 2).SequenceStarts.ToArray(), data.Block(24, 2).SequenceStarts.ToArray());
        var row = new double[3];
        data.CopyRow(25, row);
        Assert.Equal(source.Row(25).ToArray(), row);

        for (int k = 0; k < 3; k++)
        {
            var shard = ShardedData.OpenShard(directory, k);
            Assert.Equal(written[k].Rows, shard.Rows);
            AssertSameData(source, shard, written[k].FirstRow);
            Assert.Equal(DataBlock.StartsWithin(source.SequenceStarts.Span, written[k].FirstRow, written[k].Rows).ToArray().Select(s => s - written[k].FirstRow), shard.SequenceStarts.ToArray());
        }
    }

    [Fact]
    public void WriteThenOpen_SinglePrecision_ConvertedInMemoryAsTheSourceIs()
    {
        using var folder = new TempShardFolder();
        var source = RandomProblems.MixtureData(new Random(3), 500, 3, 2);
        ShardWriter.Write(source, 4, folder.Path("d"));
        var single = ShardedData.Load(folder.Path("d"), null, null, Precision.Single, null, null);
        var expected = source.ToSinglePrecision();
        Assert.Equal(Precision.Single, single.Precision);
        Assert.False(single.IsMapped);
        Assert.Equal(expected.Origin.ToArray(), single.Origin.ToArray());
        for (int n = 0; n < source.Rows; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(expected[n, c], single[n, c]);
            }
        }
    }

    public static TheoryData<int, int, bool> PartitionCases() => new()
    {
        { 3, 4, true }, { 3, 7, true }, { 3, 100, true }, { 9, 1, true }, { 4, 7, false }, { 5, 10, false }, { 2, 1000, false },
    };

    [Theory]
    [MemberData(nameof(PartitionCases))]
    public void OpenShardPartition_IsGroupOfOpensPartition_Shifted(int shards, int targetRows, bool sequences)
    {
        using var folder = new TempShardFolder();
        var source = sequences ? Everything() : RandomProblems.MixtureData(new Random(5), 333, 2, 2);
        ShardWriter.Write(source, shards, folder.Path("d"));
        var all = ShardedData.Open(folder.Path("d")).Partition(targetRows);
        Assert.Equal(shards, all.GroupCount);
        for (int k = 0; k < shards; k++)
        {
            var shard = ShardedData.OpenShard(folder.Path("d"), k);
            var own = shard.Partition(targetRows);
            var group = all.Blocks.Take(all.GroupBlocks(k)).ToArray();
            int first = group[0].Start;
            Assert.Equal(group.Select(b => new RowRange(b.Start - first, b.Count)), own.Blocks);
            Assert.Equal(1, own.GroupCount);
        }
    }

    [Fact]
    public void ShardStarts_TooManyShards_RefusedWithTheLimit()
    {
        using var folder = new TempShardFolder();
        var rows = Assert.Throws<ArgumentException>(() => ShardWriter.Write(RandomProblems.MixtureData(new Random(1), 5, 1, 1), 6, folder.Path("a")));
        Assert.Contains("at most 5", rows.Message);
        var sequences = Assert.Throws<ArgumentException>(() => ShardWriter.Write(Everything(), 10, folder.Path("b")));
        Assert.Contains("9 sequences", sequences.Message);
        Assert.False(Directory.Exists(folder.Path("a")) || Directory.Exists(folder.Path("b")));
    }

    [Fact]
    public void Write_OverAnotherFolder_RefusedButReplacesAPreviousShardDirectory()
    {
        using var folder = new TempShardFolder();
        var data = RandomProblems.MixtureData(new Random(1), 50, 2, 1);
        Directory.CreateDirectory(folder.Path("user"));
        File.WriteAllText(folder.Path("user/notes.txt"), "mine");
        Assert.Throws<IOException>(() => ShardWriter.Write(data, 2, folder.Path("user")));
        Assert.Equal("mine", File.ReadAllText(folder.Path("user/notes.txt")));

        ShardWriter.Write(data, 3, folder.Path("d"));
        ShardWriter.Write(data, 2, folder.Path("d"));
        Assert.Equal(2, Directory.GetFiles(folder.Path("d"), "*.lfs").Length);
        Assert.Equal(2, ShardedData.Open(folder.Path("d")).ShardStarts.Length);
        Assert.Single(Directory.GetDirectories(folder.Root), d => d.EndsWith("/d", StringComparison.Ordinal));
    }

    // ---- damage, each named ----

    private static string WrittenDirectory(TempShardFolder folder)
    {
        ShardWriter.Write(Everything(), 3, folder.Path("d"));
        return folder.Path("d");
    }

    [Fact]
    public void Open_FlippedByte_ChecksumErrorNamingTheShardFile()
    {
        using var folder = new TempShardFolder();
        string directory = WrittenDirectory(folder);
        string file = Path.Combine(directory, "shard-00001.lfs");
        var bytes = File.ReadAllBytes(file);
        bytes[100] ^= 0x10;
        File.WriteAllBytes(file, bytes);
        var error = Assert.Throws<DataFormatException>(() => ShardedData.Open(directory));
        Assert.Contains(file, error.Message);
        Assert.Contains("SHA-256", error.Message);
        Assert.Equal(file, error.DataSource);

        // The other shards still open alone.
        Assert.Equal(25, ShardedData.OpenShard(directory, 0).Rows);
    }

    [Fact]
    public void Open_MissingOrTruncatedShard_ErrorNamingTheFile()
    {
        using var folder = new TempShardFolder();
        string directory = WrittenDirectory(folder);
        string file = Path.Combine(directory, "shard-00002.lfs");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^9]);
        var truncated = Assert.Throws<DataFormatException>(() => ShardedData.Open(directory));
        Assert.Contains(file, truncated.Message);
        Assert.Contains("truncated", truncated.Message);

        File.Delete(file);
        var missing = Assert.Throws<DataFormatException>(() => ShardedData.Open(directory));
        Assert.Contains(file, missing.Message);
        Assert.Contains("missing", missing.Message);
    }

    [Fact]
    public void Open_ManifestOfAnotherVersionOrNone_ErrorNamingIt()
    {
        using var folder = new TempShardFolder();
        string directory = WrittenDirectory(folder);
        string manifest = Path.Combine(directory, "manifest.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"version\": 1", "\"version\": 2", StringComparison.Ordinal));
        var version = Assert.Throws<DataFormatException>(() => ShardedData.Open(directory));
        Assert.Contains(manifest, version.Message);
        Assert.Contains("version 2", version.Message);

        File.Delete(manifest);
        var none = Assert.Throws<DataFormatException>(() => ShardedData.Open(directory));
        Assert.Contains("is a directory without manifest.json", none.Message);
    }

    [Fact]
    public void Open_ValueNotFiniteWithAMatchingChecksum_RefusedWithRowAndColumn()
    {
        // A shard written by hand (its checksum recomputed) with +∞ in row 4, column y: the values are checked, not trusted.
        using var folder = new TempShardFolder();
        string directory = WrittenDirectory(folder);
        string file = Path.Combine(directory, "shard-00000.lfs");
        var bytes = File.ReadAllBytes(file);
        BitConverter.TryWriteBytes(bytes.AsSpan(64 + (8 * ((3 * 3) + 2))), double.PositiveInfinity);
        File.WriteAllBytes(file, bytes);
        string manifest = Path.Combine(directory, "manifest.json");
        string oldHash = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest)).RootElement.GetProperty("shards")[0].GetProperty("sha256").GetString()!;
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace(oldHash, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), StringComparison.Ordinal));
        var error = Assert.Throws<DataFormatException>(() => ShardedData.Open(directory));
        Assert.Contains("row 4 of the shard", error.Message);
        Assert.Contains("\"y\"", error.Message);
    }

    // ---- fits over mapped shards ----

    private static readonly FitOptions TwentyIterations = new() { RelativeTolerance = 0, MaxIterations = 20 };

    private static IEnumerable<ExecutionOptions> Backends(int blockRows) =>
    [
        new ExecutionOptions(1, blockRows),
        new ExecutionOptions(2, blockRows),
        new ExecutionOptions(1, blockRows) { Backend = new ShardedBackend(2) },
        new ExecutionOptions(2, blockRows) { Backend = new ShardedBackend(3) },
    ];

    private static (double[] Means, FitResult Result) GaussianFit(DataSet data, ExecutionOptions execution)
    {
        var model = new GaussianMixtureModel(3, data.Dimension, FullCovariance.Instance);
        var start = GaussianMixtureInitializer.KMeansPlusPlus(model, data, 3, execution, new KMeansOptions { Runs = 2 });
        var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data, execution);
        return (start.Means.ToArray(), new ExpectationMaximizationOptimizer().Run(problem, problem.ToUnconstrained(start), TwentyIterations));
    }

    private static FitResult PoissonFit(DataSet data, ExecutionOptions execution)
    {
        var model = new PoissonMixtureModel(2);
        var problem = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(model, data, execution);
        return new ExpectationMaximizationOptimizer().Run(problem, problem.ToUnconstrained(PoissonMixtureParameters.Create([0.5, 0.5], [1.0, 8.0])), TwentyIterations);
    }

    private static DataSet Counts()
    {
        var random = new Random(42);
        const int rows = 1001;
        var counts = Enumerable.Range(0, rows).Select(n => (double)(n % 3 == 0 ? random.Next(0, 4) : random.Next(5, 20))).ToArray();
        var weights = Enumerable.Range(0, rows).Select(_ => (double)random.Next(1, 5)).ToArray();
        return new DataSet("counts", ["y"], counts, rows, weights);
    }

    private static double Relative(double a, double b) => Math.Abs(a - b) / Math.Abs(b);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void GaussianFit_OverShards_SameBitsOnEveryBackend_AndTheInMemoryFit(int shards)
    {
        using var folder = new TempShardFolder();
        var memory = RandomProblems.MixtureData(new Random(41), 1001, 2, 3);
        ShardWriter.Write(memory, shards, folder.Path("d"));
        var mapped = ShardedData.Open(folder.Path("d"));
        var inMemory = GaussianFit(memory, new ExecutionOptions(1, 97));
        var reference = GaussianFit(mapped, new ExecutionOptions(1, 97));
        foreach (var execution in Backends(97))
        {
            var fit = GaussianFit(mapped, execution);
            Assert.True(reference.Means.SequenceEqual(fit.Means), $"k-means start, {execution.Backend.Name} × {execution.Threads}");
            Assert.True(reference.Result.Parameters.SequenceEqual(fit.Result.Parameters), $"η, {execution.Backend.Name} × {execution.Threads}");
            Assert.True(reference.Result.Trace.Select(r => r.LogLikelihood).SequenceEqual(fit.Result.Trace.Select(r => r.LogLikelihood)), $"ℓ, {execution.Backend.Name} × {execution.Threads}");
        }

        // Every pass (the k-means start's and EM's) read its blocks within shards, as spans into the mappings.
        Assert.Equal(0, mapped.MappedRowsCopied);

        // One shard is cut exactly as the data in memory, so the sums are the same; three shards cut blocks of their
        // own (a different summation tree), so ℓ agrees to rounding.
        double l = reference.Result.LogLikelihood, expected = inMemory.Result.LogLikelihood;
        if (shards == 1)
        {
            Assert.True(inMemory.Result.Parameters.SequenceEqual(reference.Result.Parameters));
            Assert.Equal(expected, l);
        }
        else
        {
            Assert.True(Relative(l, expected) < 1e-10, $"ℓ {l:R} against {expected:R} in memory");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void PoissonFit_OverShards_SameBitsOnEveryBackend_AndTheInMemoryFit(int shards)
    {
        using var folder = new TempShardFolder();
        var memory = Counts();
        ShardWriter.Write(memory, shards, folder.Path("d"));
        var mapped = ShardedData.Open(folder.Path("d"));
        var inMemory = PoissonFit(memory, new ExecutionOptions(1, 100));
        var reference = PoissonFit(mapped, new ExecutionOptions(1, 100));
        foreach (var execution in Backends(100))
        {
            var fit = PoissonFit(mapped, execution);
            Assert.True(reference.Parameters.SequenceEqual(fit.Parameters), $"η, {execution.Backend.Name} × {execution.Threads}");
            Assert.True(reference.Trace.Select(r => r.LogLikelihood).SequenceEqual(fit.Trace.Select(r => r.LogLikelihood)));
        }

        if (shards == 1)
        {
            Assert.True(inMemory.Parameters.SequenceEqual(reference.Parameters));
        }
        else
        {
            Assert.True(Relative(reference.LogLikelihood, inMemory.LogLikelihood) < 1e-10, $"ℓ {reference.LogLikelihood:R} against {inMemory.LogLikelihood:R}");
        }
    }

    [Fact]
    public void RandomResponsibilitiesStart_OverShards_OneShardAsInMemory_AndTheSameOnEveryThreadCount()
    {
        using var folder = new TempShardFolder();
        var memory = RandomProblems.MixtureData(new Random(8), 700, 2, 2);
        var model = new GaussianMixtureModel(2, 2, FullCovariance.Instance);
        ShardWriter.Write(memory, 1, folder.Path("one"));
        ShardWriter.Write(memory, 3, folder.Path("three"));
        var inMemory = GaussianMixtureInitializer.RandomResponsibilities(model, memory, 5);
        var one = GaussianMixtureInitializer.RandomResponsibilities(model, ShardedData.Open(folder.Path("one")), 5);
        Assert.True(inMemory.Means.SequenceEqual(one.Means) && inMemory.Weights.SequenceEqual(one.Weights));

        var three = ShardedData.Open(folder.Path("three"));
        var serial = GaussianMixtureInitializer.RandomResponsibilities(model, three, 5, new ExecutionOptions(1, 100));
        var parallel = GaussianMixtureInitializer.RandomResponsibilities(model, three, 5, new ExecutionOptions(3, 100) { Backend = new ShardedBackend(2) });
        Assert.True(serial.Means.SequenceEqual(parallel.Means) && serial.Weights.SequenceEqual(parallel.Weights));
        Assert.Equal(0, three.MappedRowsCopied);
    }
}
