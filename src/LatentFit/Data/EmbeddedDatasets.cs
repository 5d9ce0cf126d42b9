namespace LatentFit.Data;

/// <summary>Small public data sets embedded in the library (see Data/Datasets/README.md for their sources).</summary>
public static class EmbeddedDatasets
{
    private static readonly Dictionary<string, (string Resource, string[]? DefaultColumns)> Sets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["faithful"] = ("LatentFit.Data.Datasets.faithful.csv", null),
        ["iris"] = ("LatentFit.Data.Datasets.iris.csv", ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]),
    };

    /// <summary>The names: faithful (Old Faithful, 272×2), iris (Fisher's iris, 150×4 measurements).</summary>
    public static IReadOnlyList<string> Names { get; } = ["faithful", "iris"];

    /// <summary>Whether <paramref name="name"/> (case-insensitive) is an embedded data set.</summary>
    public static bool Contains(string name) => Sets.ContainsKey(name);

    /// <summary>
    /// Loads an embedded data set. Iris gives its four measurements, the species column left out, unless
    /// <paramref name="columns"/> says otherwise.
    /// </summary>
    /// <exception cref="ArgumentException">No embedded data set has that name.</exception>
    public static DataSet Load(string name, IReadOnlyList<string>? columns = null)
    {
        if (!Sets.TryGetValue(name, out var set))
        {
            throw new ArgumentException($"no embedded data set \"{name}\"; available: {string.Join(", ", Names)}", nameof(name));
        }

        using var stream = typeof(EmbeddedDatasets).Assembly.GetManifestResourceStream(set.Resource)
            ?? throw new InvalidOperationException($"the resource {set.Resource} is missing from the assembly");
        using var reader = new StreamReader(stream);
        return CsvDataReader.Read(reader, name.ToLowerInvariant(), columns ?? set.DefaultColumns);
    }
}

/// <summary>Resolves a <c>--data</c> argument: a file path, or the name of an embedded data set.</summary>
public static class DataSource
{
    /// <summary>An existing file at <paramref name="nameOrPath"/>, else the embedded data set of that name.</summary>
    /// <exception cref="DataFormatException">Neither a file nor an embedded name, or the file is malformed.</exception>
    public static DataSet Load(string nameOrPath, IReadOnlyList<string>? columns = null)
    {
        if (File.Exists(nameOrPath) || Directory.Exists(nameOrPath) || !EmbeddedDatasets.Contains(nameOrPath))
        {
            if (!File.Exists(nameOrPath) && !Directory.Exists(nameOrPath))
            {
                throw new DataFormatException($"{nameOrPath}: file not found (embedded data sets: {string.Join(", ", EmbeddedDatasets.Names)})", nameOrPath);
            }

            return CsvDataReader.ReadFile(nameOrPath, columns);
        }

        return EmbeddedDatasets.Load(nameOrPath, columns);
    }
}
