using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using LatentFit.Data;
using LatentFit.Numerics;
using LatentFit.Optimization.Abstractions;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>A checkpoint file that cannot be read, or that belongs to another model, data set, optimiser or setting.</summary>
public sealed class CheckpointException(string message) : IOException(message);

/// <summary>
/// The checkpoint file of a fit from one start (docs/checkpoints.md): JSON holding what identifies the fit — the
/// model's description (family, K, its settings), the data (source, rows, columns and a checksum of every value and
/// weight), the seed and start, the optimiser and every <see cref="FitOptions"/> setting — the start η, and the
/// optimiser's <see cref="OptimizerState"/> in its exact form (<see cref="OptimizerStateJson"/>). Resuming on anything
/// that differs is refused, naming the field, because only the same fit can end at the same bits.
/// </summary>
public static class FitCheckpoint
{
    /// <summary>The value of the file's <c>format</c> field.</summary>
    public const string FormatName = "latentfit-checkpoint";

    /// <summary>The layout's version, written as <c>version</c>; a file of another version is refused.</summary>
    public const int Version = 1;

    /// <summary>The identity fields, in the order they are compared.</summary>
    private static readonly string[] IdentityFields = ["model", "k", "description", "data", "rows", "columns", "dataChecksum", "seed", "starts", "initialization", "algorithm", "options", "blockRows", "kernelPath"];

    /// <summary>Writes a checkpoint of <paramref name="state"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, ModelSpecification specification, string algorithm, FitOptions options, ReadOnlySpan<double> initial, OptimizerState state, string dataChecksum)
    {
        var start = initial.ToArray();
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", Version);
            WriteIdentity(json, specification, algorithm, options, dataChecksum);
            json.WritePropertyName("initial");
            OptimizerStateJson.WriteVector(json, start);
            json.WritePropertyName("state");
            OptimizerStateJson.Write(json, state);
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> for a fit of <paramref name="specification"/> by
    /// <paramref name="algorithm"/> with <paramref name="options"/>: the start η and the state to resume from.
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing, not a checkpoint, damaged, or of another fit; the message names the file and what differs.</exception>
    public static (double[] Initial, OptimizerState State) Read(string path, ModelSpecification specification, string algorithm, FitOptions options, string dataChecksum)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException($"{path}: the checkpoint file does not exist (it is written by fit --checkpoint)");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: not a checkpoint file: line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
            {
                throw new CheckpointException($"{path}: not a checkpoint file (no \"format\": \"{FormatName}\")");
            }

            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int number) || number != Version)
            {
                throw new CheckpointException($"{path}: checkpoint version {(root.TryGetProperty("version", out var v) ? v.GetRawText() : "missing")}, but this version of latentfit reads version {Version} only");
            }

            using var expected = Identity(specification, algorithm, options, dataChecksum);
            foreach (string field in IdentityFields)
            {
                var want = expected.RootElement.GetProperty(field);
                if (!root.TryGetProperty(field, out var have))
                {
                    throw new CheckpointException($"{path}: \"{field}\" is missing; the file is damaged");
                }

                if (!JsonElement.DeepEquals(want, have))
                {
                    var (what, theirs, ours) = FirstDifference(Describe(field), have, want);
                    throw new CheckpointException($"{path}: the checkpoint is of another fit: its {what} is {theirs}, this run's is {ours}; resume with the command line that wrote it");
                }
            }

            try
            {
                var initial = OptimizerStateJson.ReadVector(root.TryGetProperty("initial", out var i) ? i : throw new FormatException("\"initial\" is missing"), "initial");
                var state = OptimizerStateJson.Read(root.TryGetProperty("state", out var s) ? s : throw new FormatException("\"state\" is missing"));
                return (initial, state);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new CheckpointException($"{path}: the checkpoint is damaged: {e.Message}");
            }
        }
    }

    /// <summary>
    /// A checksum of the data as fitted: FNV-1a (64 bits) over the dimensions, every value's bits, the row weights and
    /// the sequence starts. It is one pass over the values, against the many of a fit, and it tells the same file
    /// re-read (or the same data in another file) from data that differ in any value.
    /// </summary>
    public static string DataChecksum(DataSet data)
    {
        ulong hash = 14695981039346656037UL;
        void Mix(ulong word)
        {
            for (int b = 0; b < 8; b++)
            {
                hash ^= (word >> (8 * b)) & 0xFF;
                hash *= 1099511628211UL;
            }
        }

        Mix((ulong)data.Rows);
        Mix((ulong)data.Dimension);
        // Row by row (the values the indexer gives, a row's span at a time: for mapped shards one lookup of the shard a
        // row instead of one a value).
        var values = new double[data.Dimension];
        for (int row = 0; row < data.Rows; row++)
        {
            data.CopyRow(row, values);
            foreach (double value in values)
            {
                Mix((ulong)BitConverter.DoubleToInt64Bits(value));
            }
        }

        if (data.RowWeights is { } weights)
        {
            foreach (double weight in weights.Span)
            {
                Mix((ulong)BitConverter.DoubleToInt64Bits(weight));
            }
        }

        foreach (int start in data.SequenceStarts.Span)
        {
            Mix((ulong)start);
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static JsonDocument Identity(ModelSpecification specification, string algorithm, FitOptions options, string dataChecksum)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteIdentity(json, specification, algorithm, options, dataChecksum);
            json.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.ToArray());
    }

    private static void WriteIdentity(Utf8JsonWriter json, ModelSpecification specification, string algorithm, FitOptions options, string dataChecksum)
    {
        json.WriteString("model", specification.ModelName);
        json.WriteNumber("k", specification.Components);
        json.WriteStartObject("description");
        specification.WriteDescription(json);
        json.WriteEndObject();
        json.WriteString("data", specification.Data.Source);
        json.WriteNumber("rows", specification.Data.Rows);
        json.WriteStartArray("columns");
        foreach (string column in specification.Data.ColumnNames)
        {
            json.WriteStringValue(column);
        }

        json.WriteEndArray();
        json.WriteString("dataChecksum", dataChecksum);
        json.WriteNumber("seed", specification.Seed);
        json.WriteNumber("starts", specification.Starts);
        json.WriteString("initialization", specification.InitializationLabel);
        json.WriteString("algorithm", algorithm);

        // The blocks fix the order of the sums over rows, hence the bits (threads, backend and shards do not).
        json.WriteNumber("blockRows", specification.Execution.ChunkRows);

        // The last bits of ℓ depend on the SIMD width of the E-step kernels (as in the model file), so a state can be
        // continued exactly only on the same path; saying so is clearer than the ℓ that would not be reproduced.
        json.WriteString("kernelPath", KernelPath.Current);

        // Every setting of FitOptions, found by reflection so that one added later is covered: a run with other
        // stopping rules or method settings would take other steps from the same state.
        json.WriteStartObject("options");
        foreach (var property in typeof(FitOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            json.WriteString(property.Name, Convert.ToString(property.GetValue(options) switch
            {
                double value => value.ToString("R", CultureInfo.InvariantCulture),
                null => "null",
                var value => value,
            }, CultureInfo.InvariantCulture));
        }

        json.WriteEndObject();
    }

    private static string Describe(string field) => field switch
    {
        "k" => "K",
        "dataChecksum" => "data checksum (the values differ)",
        "options" => "setting",
        "description" => "model setting",
        "blockRows" => "--block-rows",
        "kernelPath" => "E-step kernel path (the machine's SIMD width, on which the last bits of ℓ depend)",
        _ => field,
    };

    /// <summary>The first property of two objects that differs (descending into objects), else the values whole.</summary>
    private static (string What, string Theirs, string Ours) FirstDifference(string what, JsonElement theirs, JsonElement ours)
    {
        if (theirs.ValueKind == JsonValueKind.Object && ours.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in ours.EnumerateObject())
            {
                if (!theirs.TryGetProperty(property.Name, out var their))
                {
                    return ($"{what} {property.Name}", "missing", Shorten(property.Value.GetRawText()));
                }

                if (!JsonElement.DeepEquals(their, property.Value))
                {
                    return FirstDifference($"{what} {property.Name}", their, property.Value);
                }
            }

            foreach (var property in theirs.EnumerateObject())
            {
                if (!ours.TryGetProperty(property.Name, out _))
                {
                    return ($"{what} {property.Name}", Shorten(property.Value.GetRawText()), "missing");
                }
            }
        }

        return (what, Shorten(theirs.GetRawText()), Shorten(ours.GetRawText()));
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}

/// <summary>
/// Writes the optimiser's state to a checkpoint file atomically, at most every <c>interval</c> (zero: after every
/// iteration), and always the run's last state.
/// </summary>
public sealed class CheckpointFileSink : ICheckpointSink
{
    private readonly string _path;
    private readonly TimeSpan _interval;
    private readonly ModelSpecification _specification;
    private readonly string _algorithm;
    private readonly FitOptions _options;
    private readonly double[] _initial;
    private readonly string _dataChecksum;
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();

    /// <summary>A sink writing to <paramref name="path"/> for the fit described by the other arguments.</summary>
    public CheckpointFileSink(string path, TimeSpan interval, ModelSpecification specification, string algorithm, FitOptions options, ReadOnlySpan<double> initial, string dataChecksum)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        _path = path;
        _interval = interval;
        _specification = specification;
        _algorithm = algorithm;
        _options = options;
        _initial = initial.ToArray();
        _dataChecksum = dataChecksum;
    }

    /// <summary>How many states were written.</summary>
    public int Written { get; private set; }

    /// <inheritdoc/>
    public bool IsDue(int iteration) => _interval == TimeSpan.Zero || _sinceLast.Elapsed >= _interval;

    /// <inheritdoc/>
    public void Save(OptimizerState state)
    {
        FitCheckpoint.Write(_path, _specification, _algorithm, _options, _initial, state, _dataChecksum);
        Written++;
        _sinceLast.Restart();
    }
}
