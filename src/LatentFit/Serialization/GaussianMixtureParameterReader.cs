using System.Text.Json;
using LatentFit.Data;
using LatentFit.Models.Gaussian;

namespace LatentFit.Serialization;

/// <summary>
/// Reads initial parameters in the JSON shape <see cref="GaussianMixtureJson"/> writes: <c>weights</c> (K numbers),
/// <c>means</c> (K arrays of D numbers), <c>covariances</c> (K arrays of D arrays of D numbers). Other properties are
/// ignored, so a fit's output can be passed back as <c>--init</c>.
/// </summary>
public static class GaussianMixtureParameterReader
{
    /// <summary>Reads and validates the parameters in <paramref name="path"/> for the given structure.</summary>
    /// <exception cref="DataFormatException">The file is missing, not JSON (with line and column), or the parameters are malformed or invalid for the structure.</exception>
    public static GaussianMixtureParameters ReadFile(string path, CovarianceStructure structure)
    {
        if (Directory.Exists(path))
        {
            throw new DataFormatException($"{path}: is a directory, not a parameter file", path);
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found", path);
        }

        return Read(File.ReadAllBytes(path), path, structure);
    }

    /// <summary>Reads parameters from UTF-8 JSON bytes; <paramref name="source"/> names them in messages.</summary>
    public static GaussianMixtureParameters Read(ReadOnlySpan<byte> utf8Json, string source, CovarianceStructure structure)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray());
        }
        catch (JsonException e)
        {
            long line = (e.LineNumber ?? 0) + 1, column = (e.BytePositionInLine ?? 0) + 1;
            throw new DataFormatException($"{source}:{line}: column {column}: not valid JSON ({FirstSentence(e.Message)})", source, (int)line, (int)column);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(source, "the top level must be a JSON object with weights, means and covariances");
            }

            var weights = Numbers(Property(root, "weights", source), "weights", source);
            int k = weights.Length;
            if (k < 1)
            {
                throw Error(source, "weights: needs at least one component");
            }

            var meanRows = Array(Property(root, "means", source), "means", source, k);
            int d = Array(meanRows[0], "means[0]", source, null).Length;
            if (d < 1)
            {
                throw Error(source, "means[0]: needs at least one coordinate");
            }

            var means = new double[k * d];
            for (int j = 0; j < k; j++)
            {
                var row = Numbers(meanRows[j], $"means[{j}]", source, d);
                row.CopyTo(means, j * d);
            }

            var matrices = Array(Property(root, "covariances", source), "covariances", source, k);
            var covariances = new double[k * d * d];
            for (int j = 0; j < k; j++)
            {
                var rows = Array(matrices[j], $"covariances[{j}]", source, d);
                for (int r = 0; r < d; r++)
                {
                    Numbers(rows[r], $"covariances[{j}][{r}]", source, d).CopyTo(covariances, j * d * d + r * d);
                }
            }

            try
            {
                return GaussianMixtureParameters.FromFullCovariances(structure, weights, means, covariances, d);
            }
            catch (ArgumentException e)
            {
                throw Error(source, e.Message);
            }
        }
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message.TrimEnd('.');
    }

    private static DataFormatException Error(string source, string detail) => new($"{source}: {detail}", source);

    private static JsonElement Property(JsonElement root, string name, string source) =>
        root.TryGetProperty(name, out var value) ? value : throw Error(source, $"missing property \"{name}\"");

    private static JsonElement[] Array(JsonElement element, string path, string source, int? length)
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

    private static double[] Numbers(JsonElement element, string path, string source, int? length = null)
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
