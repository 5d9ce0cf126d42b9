using System.Text.Json;
using LatentFit.Data;

namespace LatentFit.Serialization;

/// <summary>Reading JSON input files with errors that name the file, and the line and column or the field.</summary>
internal static class JsonInput
{
    public static byte[] ReadFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new DataFormatException($"{path}: is a directory, not a parameter file", path);
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found", path);
        }

        return File.ReadAllBytes(path);
    }

    public static JsonDocument Parse(ReadOnlySpan<byte> utf8Json, string source)
    {
        try
        {
            return JsonDocument.Parse(utf8Json.ToArray());
        }
        catch (JsonException e)
        {
            long line = (e.LineNumber ?? 0) + 1, column = (e.BytePositionInLine ?? 0) + 1;
            throw new DataFormatException($"{source}:{line}: column {column}: not valid JSON ({FirstSentence(e.Message)})", source, (int)line, (int)column);
        }
    }

    public static JsonElement Root(JsonDocument document, string source, string expected) =>
        document.RootElement.ValueKind == JsonValueKind.Object
            ? document.RootElement
            : throw Error(source, $"the top level must be a JSON object with {expected}");

    public static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message.TrimEnd('.');
    }

    public static DataFormatException Error(string source, string detail) => new($"{source}: {detail}", source);

    public static JsonElement Property(JsonElement root, string name, string source) =>
        root.TryGetProperty(name, out var value) ? value : throw Error(source, $"missing property \"{name}\"");

    public static JsonElement[] Array(JsonElement element, string path, string source, int? length)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Error(source, $"{path}: expected an array, found {element.ValueKind.ToString().ToLowerInvariant()}");
        }

        var items = element.EnumerateArray().ToArray();
        if (length is { } expected && items.Length != expected)
        {
            throw Error(source, $"{path}: expected {expected} entries, found {items.Length}");
        }

        return items;
    }

    public static double[] Numbers(JsonElement element, string path, string source, int? length = null)
    {
        var items = Array(element, path, source, length);
        var values = new double[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i].ValueKind != JsonValueKind.Number || !items[i].TryGetDouble(out values[i]) || !double.IsFinite(values[i]))
            {
                throw Error(source, $"{path}[{i}]: expected a finite number, found {items[i].GetRawText()}");
            }
        }

        return values;
    }
}
