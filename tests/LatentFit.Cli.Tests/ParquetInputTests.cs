using System.Text.Json;
using System.Text.Json.Nodes;
using LatentFit.Data;
using Parquet;
using Parquet.Schema;

namespace LatentFit.Cli.Tests;

/// <summary>
/// <c>--data F.parquet</c> wherever a CSV file is accepted: a fit on faithful (and on the earthquake counts, an HMM
/// over an int64 column with a year column left out) written to Parquet equals the fit on the embedded CSV, bit for
/// bit: every number of the model file but the data's name.
/// </summary>
public sealed class ParquetInputTests
{
    [Fact]
    public async Task Fit_FaithfulParquet_SameModelFileAsCsv()
    {
        using var temp = new TempDirectory();
        var faithful = EmbeddedDatasets.Load("faithful");
        var fields = faithful.ColumnNames.Select(name => new DataField(name, typeof(double))).ToArray();
        string path = temp.File("faithful.parquet");
        await WriteColumns(path, fields, [.. Enumerable.Range(0, faithful.Dimension).Select(c => (Array)Enumerable.Range(0, faithful.Rows).Select(n => faithful[n, c]).ToArray())], 100);
        string[] fit = ["--model", "gmm", "-k", "2", "--seed", "1", "--block-rows", "50"];
        AssertSameFit(temp, ["--data", "faithful", .. fit], ["--data", path, .. fit], path, "faithful");
    }

    [Fact]
    public async Task Fit_EarthquakesParquetHmm_SameModelFileAsCsv()
    {
        using var temp = new TempDirectory();
        var quakes = EmbeddedDatasets.Load("earthquakes", ["year", "count"]);
        string path = temp.File("earthquakes.parquet");
        await WriteColumns(
            path,
            [new DataField("year", typeof(int)), new DataField("count", typeof(long))],
            [Enumerable.Range(0, quakes.Rows).Select(n => (int)quakes[n, 0]).ToArray(), Enumerable.Range(0, quakes.Rows).Select(n => (long)quakes[n, 1]).ToArray()],
            40);
        string[] fit = ["--model", "hmm", "--emission", "poisson", "-k", "2", "--seed", "1"];
        AssertSameFit(temp, ["--data", "earthquakes", .. fit], ["--data", path, "--columns", "count", .. fit], path, "earthquakes");
    }

    private static void AssertSameFit(TempDirectory temp, string[] csv, string[] parquet, string path, string name)
    {
        string expected = Fit(temp, csv, "csv.json");
        string actual = Fit(temp, parquet, "parquet.json");
        Assert.Equal(Numbers(expected, name), Numbers(actual.Replace(JsonEncodedText.Encode(path).ToString(), name, StringComparison.Ordinal), name));
    }

    private static string Fit(TempDirectory temp, string[] arguments, string file)
    {
        string output = temp.File(file);
        var (code, _, stderr) = CliRunner.Run(["fit", .. arguments, "--output", output]);
        Assert.True(code == 0, stderr);
        return File.ReadAllText(output);
    }

    /// <summary>The model file without what depends on the run rather than the data: timings (<c>seconds</c>).</summary>
    private static string Numbers(string json, string name)
    {
        var node = JsonNode.Parse(json)!;
        Assert.Contains(name, json);
        RemoveTimings(node);
        return node.ToJsonString();
    }

    private static void RemoveTimings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                obj.Remove("seconds");
                foreach (var (_, child) in obj.ToList())
                {
                    RemoveTimings(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    RemoveTimings(child);
                }

                break;
        }
    }

    /// <summary>A Parquet file of the columns, in row groups of <paramref name="groupRows"/> rows.</summary>
    private static async Task WriteColumns(string path, DataField[] fields, Array[] columns, int groupRows)
    {
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        int rows = columns[0].Length;
        for (int at = 0; at < rows; at += groupRows)
        {
            int count = Math.Min(groupRows, rows - at);
            using var group = writer.CreateRowGroup();
            for (int c = 0; c < fields.Length; c++)
            {
                switch (columns[c])
                {
                    case double[] doubles:
                        await group.WriteAsync<double>(fields[c], doubles.AsMemory(at, count));
                        break;
                    case int[] ints:
                        await group.WriteAsync<int>(fields[c], ints.AsMemory(at, count));
                        break;
                    case long[] longs:
                        await group.WriteAsync<long>(fields[c], longs.AsMemory(at, count));
                        break;
                }
            }
        }
    }
}
