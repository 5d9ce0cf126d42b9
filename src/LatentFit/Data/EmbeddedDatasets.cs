namespace LatentFit.Data;

/// <summary>Small public data sets embedded in the library (see Data/Datasets/README.md for their sources).</summary>
public static class EmbeddedDatasets
{
    private static readonly Dictionary<string, (string Resource, string[]? DefaultColumns, string? DefaultWeights)> Sets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["faithful"] = ("LatentFit.Data.Datasets.faithful.csv", null, null),
        ["iris"] = ("LatentFit.Data.Datasets.iris.csv", ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"], null),
        ["death_notices"] = ("LatentFit.Data.Datasets.death_notices.csv", ["deaths"], "days"),
        ["earthquakes"] = ("LatentFit.Data.Datasets.earthquakes.csv", ["count"], null),
    };

    /// <summary>
    /// The names: faithful (Old Faithful, 272×2), iris (Fisher's iris, 150×4 measurements), death_notices
    /// (deaths per day as a frequency table: 10 rows weighted by <c>days</c>, 1,096 observations), earthquakes (annual
    /// counts of major earthquakes 1900–2006, 107 rows, one time series).
    /// </summary>
    public static IReadOnlyList<string> Names { get; } = ["faithful", "iris", "death_notices", "earthquakes"];

    /// <summary>Whether <paramref name="name"/> (case-insensitive) is an embedded data set.</summary>
    public static bool Contains(string name) => Sets.ContainsKey(name);

    /// <summary>
    /// Loads an embedded data set. Iris gives its four measurements, the species column left out,
    /// death_notices its <c>deaths</c> weighted by <c>days</c>, and earthquakes its <c>count</c> (the year left out), unless <paramref name="columns"/> or
    /// <paramref name="weightsColumn"/> say otherwise.
    /// </summary>
    /// <exception cref="ArgumentException">No embedded data set has that name.</exception>
    /// <exception cref="DataFormatException">A column asked for is unknown, or the sequence column's ids are not grouped.</exception>
    public static DataSet Load(string name, IReadOnlyList<string>? columns = null, string? weightsColumn = null, string? sequenceColumn = null, IReadOnlyList<string>? categoricalColumns = null)
    {
        if (!Sets.TryGetValue(name, out var set))
        {
            throw new ArgumentException($"no embedded data set \"{name}\"; available: {string.Join(", ", Names)}", nameof(name));
        }

        using var stream = typeof(EmbeddedDatasets).Assembly.GetManifestResourceStream(set.Resource)
            ?? throw new InvalidOperationException($"the resource {set.Resource} is missing from the assembly");
        using var reader = new StreamReader(stream);
        bool defaults = columns is null && weightsColumn is null && sequenceColumn is null && categoricalColumns is null;
        return CsvDataReader.Read(reader, name.ToLowerInvariant(), defaults ? set.DefaultColumns : columns, defaults ? set.DefaultWeights : weightsColumn, Precision.Double, sequenceColumn, categoricalColumns);
    }
}

/// <summary>Resolves a <c>--data</c> argument: a file path, or the name of an embedded data set.</summary>
public static class DataSource
{
    /// <summary>Whether <paramref name="nameOrPath"/> names an embedded data set rather than a file: no file or folder has that path and an embedded set has that name.</summary>
    public static bool IsEmbedded(string nameOrPath) => !File.Exists(nameOrPath) && !Directory.Exists(nameOrPath) && EmbeddedDatasets.Contains(nameOrPath);

    /// <summary>
    /// An existing file at <paramref name="nameOrPath"/> (Parquet where its name ends in <c>.parquet</c>, see
    /// <see cref="ParquetDataReader"/>; a folder: a shard directory, see <see cref="Shards.ShardedData.Load"/>; CSV
    /// otherwise), else the embedded data set of that name, held in
    /// <paramref name="precision"/>; <paramref name="progress"/> hears the fraction of a file read (see <see cref="CsvDataReader.ReadFile"/>).
    /// </summary>
    /// <exception cref="DataFormatException">Neither a file nor an embedded name, or the file is malformed.</exception>
    public static DataSet Load(string nameOrPath, IReadOnlyList<string>? columns = null, string? weightsColumn = null, Precision precision = Precision.Double, IProgress<double>? progress = null, string? sequenceColumn = null, IReadOnlyList<string>? categoricalColumns = null)
    {
        if (string.IsNullOrWhiteSpace(nameOrPath))
        {
            throw new DataFormatException($"no data given: expected a CSV or Parquet file, a shard directory or an embedded data set ({string.Join(", ", EmbeddedDatasets.Names)})", nameOrPath);
        }

        if (File.Exists(nameOrPath) || Directory.Exists(nameOrPath) || !EmbeddedDatasets.Contains(nameOrPath))
        {
            if (Directory.Exists(nameOrPath))
            {
                return Shards.ShardedData.Load(nameOrPath, columns, weightsColumn, precision, sequenceColumn, categoricalColumns);
            }

            if (!File.Exists(nameOrPath))
            {
                throw new DataFormatException($"{nameOrPath}: file not found (embedded data sets: {string.Join(", ", EmbeddedDatasets.Names)})", nameOrPath);
            }

            return nameOrPath.EndsWith(ParquetDataReader.Extension, StringComparison.OrdinalIgnoreCase) && File.Exists(nameOrPath)
                ? ParquetDataReader.ReadFile(nameOrPath, columns, weightsColumn, precision, progress, sequenceColumn, categoricalColumns)
                : CsvDataReader.ReadFile(nameOrPath, columns, weightsColumn, precision, progress, sequenceColumn, categoricalColumns);
        }

        var embedded = EmbeddedDatasets.Load(nameOrPath, columns, weightsColumn, sequenceColumn, categoricalColumns);
        return precision == Precision.Single ? embedded.ToSinglePrecision() : embedded;
    }
}
