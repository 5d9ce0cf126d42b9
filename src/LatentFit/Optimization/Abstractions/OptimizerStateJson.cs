using System.Globalization;
using System.Text.Json;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Abstractions;

/// <summary>
/// The exact JSON form of an <see cref="OptimizerState"/>: every double reads back to the same bits. Finite values are
/// JSON numbers in the shortest text that round-trips (.NET's "R" form, which <see cref="Utf8JsonWriter"/> writes and
/// <see cref="JsonElement.GetDouble"/> parses back exactly, −0 included); NaN and ±∞, which JSON numbers cannot hold,
/// are the strings "NaN", "Infinity" and "-Infinity".
/// </summary>
public static class OptimizerStateJson
{
    /// <summary>Writes <paramref name="state"/> as one JSON object.</summary>
    public static void Write(Utf8JsonWriter json, OptimizerState state)
    {
        json.WriteStartObject();
        json.WriteString("algorithm", state.Algorithm);
        json.WriteNumber("iteration", state.Iteration);
        if (state.Termination is { } termination)
        {
            json.WriteString("termination", termination.ToString());
        }
        else
        {
            json.WriteNull("termination");
        }

        WriteDouble(json, "logLikelihood", state.LogLikelihood);
        WriteDouble(json, "passes", state.Passes);
        WriteDouble(json, "seconds", state.Seconds);
        json.WritePropertyName("point");
        WriteVector(json, state.Point);
        var memory = state.Stopping;
        json.WriteStartObject("stopping");
        WriteDouble(json, "beforeLast", memory.BeforeLast);
        WriteDouble(json, "last", memory.Last);
        json.WriteBoolean("hasLast", memory.HasLast);
        WriteDouble(json, "rate", memory.Rate);
        WriteDouble(json, "rateBefore", memory.RateBefore);
        WriteDouble(json, "gap", memory.Gap);
        json.WriteNumber("heldInARow", memory.HeldInARow);
        json.WriteEndObject();
        json.WriteStartObject("history");
        foreach (var (name, vector) in state.History.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json.WritePropertyName(name);
            WriteVector(json, vector);
        }

        json.WriteEndObject();
        json.WriteStartArray("trace");
        foreach (var record in state.Trace)
        {
            json.WriteStartObject();
            json.WriteNumber("iteration", record.Iteration);
            WriteDouble(json, "logLikelihood", record.LogLikelihood);
            WriteDouble(json, "gradientNorm", record.GradientNorm);
            WriteDouble(json, "passes", record.Passes);
            WriteDouble(json, "seconds", record.Seconds);
            if (record.Note is not null)
            {
                json.WriteString("note", record.Note);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Reads a state <see cref="Write"/> wrote.</summary>
    /// <exception cref="FormatException">A field is missing or of the wrong kind; the message names it.</exception>
    public static OptimizerState Read(JsonElement json)
    {
        var stopping = Property(json, "stopping");
        var memory = new StoppingMemory(
            ReadDouble(Property(stopping, "beforeLast"), "stopping.beforeLast"),
            ReadDouble(Property(stopping, "last"), "stopping.last"),
            Property(stopping, "hasLast").ValueKind == JsonValueKind.True,
            ReadDouble(Property(stopping, "rate"), "stopping.rate"),
            ReadDouble(Property(stopping, "rateBefore"), "stopping.rateBefore"),
            ReadDouble(Property(stopping, "gap"), "stopping.gap"),
            Integer(Property(stopping, "heldInARow"), "stopping.heldInARow"));
        var history = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var entry in Property(json, "history").EnumerateObject())
        {
            history[entry.Name] = ReadVector(entry.Value, "history." + entry.Name);
        }

        var trace = new List<TraceRecord>();
        foreach (var record in Property(json, "trace").EnumerateArray())
        {
            trace.Add(new TraceRecord(
                Integer(Property(record, "iteration"), "trace.iteration"),
                ReadDouble(Property(record, "logLikelihood"), "trace.logLikelihood"),
                ReadDouble(Property(record, "gradientNorm"), "trace.gradientNorm"),
                ReadDouble(Property(record, "passes"), "trace.passes"),
                ReadDouble(Property(record, "seconds"), "trace.seconds"),
                record.TryGetProperty("note", out var note) ? note.GetString() : null));
        }

        var terminationElement = Property(json, "termination");
        TerminationReason? termination = null;
        if (terminationElement.ValueKind != JsonValueKind.Null)
        {
            termination = Enum.TryParse<TerminationReason>(terminationElement.GetString(), ignoreCase: false, out var reason) && Enum.IsDefined(reason)
                ? reason
                : throw new FormatException($"\"termination\": unknown value \"{terminationElement}\"");
        }

        return new OptimizerState(
            Property(json, "algorithm").GetString() ?? throw new FormatException("\"algorithm\" must be a string"),
            Integer(Property(json, "iteration"), "iteration"),
            ReadVector(Property(json, "point"), "point"),
            ReadDouble(Property(json, "logLikelihood"), "logLikelihood"),
            ReadDouble(Property(json, "passes"), "passes"),
            ReadDouble(Property(json, "seconds"), "seconds"),
            trace,
            memory,
            history)
        {
            Termination = termination,
        };
    }

    /// <summary>Writes property <paramref name="name"/> with <paramref name="value"/> as <see cref="WriteDouble(Utf8JsonWriter, double)"/> writes values.</summary>
    public static void WriteDouble(Utf8JsonWriter json, string name, double value)
    {
        json.WritePropertyName(name);
        WriteDouble(json, value);
    }

    /// <summary>Writes <paramref name="value"/> so that <see cref="ReadDouble"/> gives back its bits.</summary>
    public static void WriteDouble(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(value.ToString(CultureInfo.InvariantCulture) switch
            {
                "∞" => "Infinity",
                "-∞" => "-Infinity",
                var text => text,
            });
        }
    }

    /// <summary>A double <see cref="WriteDouble(Utf8JsonWriter, double)"/> wrote.</summary>
    /// <exception cref="FormatException">Neither a number nor NaN/Infinity/-Infinity; the message names <paramref name="field"/>.</exception>
    public static double ReadDouble(JsonElement element, string field) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetDouble(out double value) => value,
        JsonValueKind.String => element.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var text => throw new FormatException($"\"{field}\": \"{text}\" is not a number"),
        },
        _ => throw new FormatException($"\"{field}\": expected a number, found {element.ValueKind}"),
    };

    /// <summary>Writes <paramref name="vector"/> as an array of exact doubles.</summary>
    public static void WriteVector(Utf8JsonWriter json, ReadOnlySpan<double> vector)
    {
        json.WriteStartArray();
        foreach (double value in vector)
        {
            WriteDouble(json, value);
        }

        json.WriteEndArray();
    }

    /// <summary>An array <see cref="WriteVector"/> wrote.</summary>
    public static double[] ReadVector(JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"\"{field}\": expected an array of numbers, found {element.ValueKind}");
        }

        var vector = new double[element.GetArrayLength()];
        int i = 0;
        foreach (var item in element.EnumerateArray())
        {
            vector[i] = ReadDouble(item, $"{field}[{i}]");
            i++;
        }

        return vector;
    }

    private static JsonElement Property(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value)
            ? value
            : throw new FormatException($"\"{name}\" is missing");

    private static int Integer(JsonElement element, string field) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int value)
            ? value
            : throw new FormatException($"\"{field}\": expected an integer");
}
