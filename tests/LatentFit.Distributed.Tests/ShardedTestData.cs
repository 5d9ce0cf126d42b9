using LatentFit.Data;

namespace LatentFit.Distributed.Tests;

/// <summary>Data sets cut into shards in memory, as the shard files would hold them: the whole (with its shard starts) for the coordinator, each shard's rows alone for the silos.</summary>
internal sealed class InMemoryShards : IShardSource
{
    private readonly Dictionary<string, DataSet> _whole = [];

    /// <summary>Shard loads so far, by (directory, shard).</summary>
    public Dictionary<(string Directory, int Shard), int> Loads { get; } = [];

    /// <summary>Called before each load; throws to fail it (a shard that cannot be read).</summary>
    public Action<string, int, int>? BeforeLoad { get; set; }

    public void Add(string directory, DataSet whole) => _whole[directory] = whole;

    public DataSet Load(string directory, int shard)
    {
        int attempt;
        lock (Loads)
        {
            Loads.TryGetValue((directory, shard), out attempt);
            Loads[(directory, shard)] = ++attempt;
        }

        BeforeLoad?.Invoke(directory, shard, attempt);
        if (!_whole.TryGetValue(directory, out var whole))
        {
            throw new DirectoryNotFoundException($"no shards in {directory}");
        }

        return Shard(whole, shard);
    }

    /// <summary>Rows of shard <paramref name="shard"/> of <paramref name="whole"/> as a data set of their own (no shard starts).</summary>
    public static DataSet Shard(DataSet whole, int shard)
    {
        var starts = whole.ShardStarts.Span;
        int start = starts[shard], end = shard + 1 < starts.Length ? starts[shard + 1] : whole.Rows;
        return whole.Subset(start, end - start);
    }

    /// <summary><paramref name="values"/> (rows × columns) with <paramref name="shards"/> shards of near-equal rows.</summary>
    public static DataSet Sharded(string source, string[] columns, double[] values, int rows, int shards, double[]? weights = null)
    {
        var starts = Enumerable.Range(0, shards).Select(s => (int)((long)s * rows / shards)).ToArray();
        return new DataSet(source, columns, values, rows, weights, new DataSetLayout { ShardStarts = starts });
    }

    /// <summary>
    /// Counts from a two-state Poisson hidden Markov chain (rates 2 and 9, staying with probability 0.8) over
    /// <paramref name="sequences"/> sequences of 20–80 rows, in <paramref name="shards"/> shards that start where
    /// sequences start.
    /// </summary>
    public static DataSet ShardedSequences(string source, Random random, int sequences, int shards)
    {
        var counts = new List<double>();
        var starts = new List<int>();
        for (int s = 0; s < sequences; s++)
        {
            starts.Add(counts.Count);
            int state = random.Next(2), length = random.Next(20, 81);
            for (int t = 0; t < length; t++)
            {
                counts.Add(Poisson(random, state == 0 ? 2 : 9));
                state = random.NextDouble() < 0.8 ? state : 1 - state;
            }
        }

        var shardStarts = Enumerable.Range(0, shards).Select(k => starts[k * sequences / shards]).ToArray();
        return new DataSet(source, ["y"], [.. counts], counts.Count, null, new DataSetLayout { SequenceStarts = [.. starts], ShardStarts = shardStarts });
    }

    private static double Poisson(Random random, double rate)
    {
        // Knuth's product of uniforms: small rates only.
        double limit = Math.Exp(-rate), product = random.NextDouble();
        int count = 0;
        while (product > limit)
        {
            count++;
            product *= random.NextDouble();
        }

        return count;
    }

    /// <summary>Rows drawn around <paramref name="clusters"/> random centres (a seeded Gaussian mixture).</summary>
    public static double[] MixtureValues(Random random, int rows, int dimension, int clusters)
    {
        var centres = new double[clusters * dimension];
        for (int i = 0; i < centres.Length; i++)
        {
            centres[i] = 4 * Normal(random);
        }

        var values = new double[rows * dimension];
        for (int r = 0; r < rows; r++)
        {
            int k = random.Next(clusters);
            for (int c = 0; c < dimension; c++)
            {
                values[r * dimension + c] = centres[k * dimension + c] + Normal(random) * (1 + 0.3 * c);
            }
        }

        return values;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
