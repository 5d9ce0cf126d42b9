using System.Text.Json;

namespace LatentFit.Data.Shards;

/// <summary>One shard as the manifest lists it.</summary>
/// <param name="File">The shard file's name in the shard directory.</param>
/// <param name="FirstRow">Its first row among all shards' rows.</param>
/// <param name="Rows">Its number of rows (≥ 1).</param>
/// <param name="Sequences">Its number of sequences (0 when the rows are independent).</param>
/// <param name="Bytes">The file's length in bytes.</param>
/// <param name="Sha256">The SHA-256 of the whole file, lower-case hexadecimal.</param>
internal sealed record ShardEntry(string File, int FirstRow, int Rows, int Sequences, long Bytes, string Sha256);

/// <summary>
/// <c>manifest.json</c> of a shard directory: what the shards hold together (see docs/execution.md, "Sharded data on
/// disk"). Written and read with the JSON reader and writer directly, so the library needs no serialisation contract
/// for it and every field is checked where it is read.
/// </summary>
internal sealed record ShardManifest
{
    /// <summary>The manifest's file name in a shard directory.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The <c>format</c> field, which tells a shard directory from any other folder.</summary>
    public const string FormatName = "latentfit-shards";

    /// <summary>The version this build writes and reads.</summary>
    public const int Version = 1;

    public required string Source { get; init; }

    public required int Rows { get; init; }

    public required IReadOnlyList<string> ColumnNames { get; init; }

    /// <summary>Per value column, its category labels or null (numeric).</summary>
    public required IReadOnlyList<string>?[] Categories { get; init; }

    public required IReadOnlyList<SourceColumn> SourceColumns { get; init; }

    public required bool RowWeights { get; init; }

    public required bool MissingCells { get; init; }

    public required bool Sequences { get; init; }

    public required bool SequenceIds { get; init; }

    public required IReadOnlyList<ShardEntry> Shards { get; init; }

    public int Dimension => ColumnNames.Count;

    /// <summary>Whether <paramref name="directory"/> holds a manifest of a shard directory (of any version).</summary>
    public static bool IsShardDirectory(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String && format.GetString() == FormatName;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", Version);
            json.WriteString("source", Source);
            json.WriteNumber("rows", Rows);
            json.WriteNumber("dimension", Dimension);
            json.WriteStartArray("columns");
            for (int c = 0; c < Dimension; c++)
            {
                json.WriteStartObject();
                json.WriteString("name", ColumnNames[c]);
                if (Categories[c] is { } labels)
                {
                    json.WriteStartArray("categories");
                    foreach (string label in labels)
                    {
                        json.WriteStringValue(label);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("sourceColumns");
            foreach (var column in SourceColumns)
            {
                json.WriteStartObject();
                json.WriteString("name", column.Name);
                json.WriteNumber("index", column.SourceIndex);
                json.WriteString("role", column.Role.ToString());
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteBoolean("rowWeights", RowWeights);
            json.WriteBoolean("missingCells", MissingCells);
            json.WriteBoolean("sequences", Sequences);
            json.WriteBoolean("sequenceIds", SequenceIds);
            json.WriteStartArray("shards");
            foreach (var shard in Shards)
            {
                json.WriteStartObject();
                json.WriteString("file", shard.File);
                json.WriteNumber("firstRow", shard.FirstRow);
                json.WriteNumber("rows", shard.Rows);
                json.WriteNumber("sequences", shard.Sequences);
                json.WriteNumber("bytes", shard.Bytes);
                json.WriteString("sha256", shard.Sha256);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads and checks the manifest of <paramref name="directory"/>.</summary>
    /// <exception cref="DataFormatException">No manifest, or one that is not JSON, of another format or version, or inconsistent; the message names the manifest's path.</exception>
    public static ShardManifest Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{directory}: is a directory without {FileName}: neither a CSV file nor a shard directory (write one with `latentfit shard`)", directory);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            string format = String(root, "format", path);
            if (format != FormatName)
            {
                throw new DataFormatException($"{path}: format \"{format}\", not \"{FormatName}\"", path);
            }

            int version = Int(root, "version", path);
            if (version != Version)
            {
                throw new DataFormatException($"{path}: shard format version {version}; this build reads version {Version} (write the shards again with this build's `latentfit shard`)", path);
            }

            var columns = Array(root, "columns", path);
            var names = columns.Select(c => String(c, "name", path)).ToArray();
            var categories = columns.Select(c => c.TryGetProperty("categories", out var labels) ? (IReadOnlyList<string>?)labels.EnumerateArray().Select(l => l.GetString() ?? throw Bad(path, "a category label is null")).ToArray() : null).ToArray();
            var sourceColumns = Array(root, "sourceColumns", path).Select(c => new SourceColumn(
                String(c, "name", path),
                Int(c, "index", path),
                Enum.TryParse<ColumnRole>(String(c, "role", path), out var role) ? role : throw Bad(path, $"unknown column role \"{String(c, "role", path)}\""))).ToArray();
            var shards = Array(root, "shards", path).Select(s => new ShardEntry(
                String(s, "file", path),
                Int(s, "firstRow", path),
                Int(s, "rows", path),
                Int(s, "sequences", path),
                s.TryGetProperty("bytes", out var bytes) && bytes.TryGetInt64(out long length) ? length : throw Bad(path, "a shard has no byte length"),
                String(s, "sha256", path))).ToArray();
            var manifest = new ShardManifest
            {
                Source = String(root, "source", path),
                Rows = Int(root, "rows", path),
                ColumnNames = names,
                Categories = categories,
                SourceColumns = sourceColumns,
                RowWeights = Bool(root, "rowWeights", path),
                MissingCells = Bool(root, "missingCells", path),
                Sequences = Bool(root, "sequences", path),
                SequenceIds = Bool(root, "sequenceIds", path),
                Shards = shards,
            };
            manifest.Check(path, Int(root, "dimension", path));
            return manifest;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new DataFormatException($"{path}: not a valid shard manifest ({e.Message})", path);
        }
    }

    private void Check(string path, int dimension)
    {
        if (dimension != Dimension || Dimension < 1)
        {
            throw Bad(path, $"dimension {dimension} but {Dimension} columns");
        }

        if (Shards.Count == 0)
        {
            throw Bad(path, "no shards");
        }

        long row = 0;
        foreach (var shard in Shards)
        {
            if (shard.FirstRow != row || shard.Rows < 1 || (Sequences ? shard.Sequences < 1 : shard.Sequences != 0))
            {
                throw Bad(path, $"shard {shard.File} holds rows {shard.FirstRow} + {shard.Rows} ({shard.Sequences} sequences); shards must follow each other from row 0, each with rows{(Sequences ? " and sequences" : string.Empty)}");
            }

            if (shard.File != Path.GetFileName(shard.File) || shard.File.Length == 0 || shard.File == FileName)
            {
                throw Bad(path, $"shard file name \"{shard.File}\" must be a plain file name in the directory");
            }

            row += shard.Rows;
        }

        if (row != Rows || (long)Rows * Dimension > int.MaxValue)
        {
            throw Bad(path, row != Rows ? $"the shards hold {row} rows, not {Rows}" : $"{Rows} × {Dimension} values are more than one data set holds ({int.MaxValue})");
        }
    }

    private static DataFormatException Bad(string path, string what) => new($"{path}: {what}", path);

    private static JsonElement Property(JsonElement element, string name, string path) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : throw Bad(path, $"no \"{name}\" field");

    private static string String(JsonElement element, string name, string path) =>
        Property(element, name, path) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw Bad(path, $"\"{name}\" is not a string");

    private static int Int(JsonElement element, string name, string path) =>
        Property(element, name, path).TryGetInt32(out int value) ? value : throw Bad(path, $"\"{name}\" is not an integer");

    private static bool Bool(JsonElement element, string name, string path) =>
        Property(element, name, path) is { ValueKind: JsonValueKind.True or JsonValueKind.False } value ? value.GetBoolean() : throw Bad(path, $"\"{name}\" is not true or false");

    private static JsonElement[] Array(JsonElement element, string name, string path) =>
        Property(element, name, path) is { ValueKind: JsonValueKind.Array } value ? [.. value.EnumerateArray()] : throw Bad(path, $"\"{name}\" is not an array");
}
