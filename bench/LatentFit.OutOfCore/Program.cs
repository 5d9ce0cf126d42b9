using System.Globalization;
using System.Text;
using LatentFit.Data;
using LatentFit.Data.Shards;

// Data for bench/out-of-core.sh: N rows of a K-component Gaussian mixture in D columns (seed fixed), written as a
// shard directory with the library's ShardWriter, and the first M rows also as a CSV file.
// Usage: LatentFit.OutOfCore ROWS DIMENSION COMPONENTS SHARDS SHARD_DIR SUBSET_ROWS SUBSET_CSV
if (args.Length != 7)
{
    Console.Error.WriteLine("usage: LatentFit.OutOfCore ROWS DIMENSION COMPONENTS SHARDS SHARD_DIR SUBSET_ROWS SUBSET_CSV");
    return 2;
}

int rows = int.Parse(args[0], CultureInfo.InvariantCulture), d = int.Parse(args[1], CultureInfo.InvariantCulture);
int k = int.Parse(args[2], CultureInfo.InvariantCulture), shards = int.Parse(args[3], CultureInfo.InvariantCulture);
int subset = int.Parse(args[5], CultureInfo.InvariantCulture);
var random = new Random(14);
var centres = new double[k * d];
for (int i = 0; i < centres.Length; i++)
{
    centres[i] = 6 * (random.NextDouble() - 0.5);
}

var values = new double[(long)rows * d];
for (int n = 0; n < rows; n++)
{
    int j = random.Next(k);
    for (int c = 0; c < d; c++)
    {
        // Box–Muller, one normal per pair of uniforms; scales 0.5 … 1.5 by column.
        double normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        values[((long)n * d) + c] = centres[(j * d) + c] + ((0.5 + ((double)c / d)) * normal);
    }
}

var names = Enumerable.Range(1, d).Select(c => $"x{c}").ToArray();
var data = new DataSet("generated", names, values, rows);
var written = ShardWriter.Write(data, shards, args[4]);
Console.WriteLine($"wrote {written.Count} shards, {written.Sum(s => s.Bytes) / 1e6:F0} MB, to {args[4]}");

var text = new StringBuilder(string.Join(",", names)).Append('\n');
for (int n = 0; n < subset; n++)
{
    text.AppendJoin(",", Enumerable.Range(0, d).Select(c => values[((long)n * d) + c].ToString("R", CultureInfo.InvariantCulture))).Append('\n');
}

File.WriteAllText(args[6], text.ToString());
Console.WriteLine($"wrote the first {subset} rows to {args[6]}");
return 0;
