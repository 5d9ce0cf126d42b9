using System.Text.Json;
using LatentFit.Data;
using LatentFit.Models.Categorical;

namespace LatentFit.Serialization;

/// <summary>A categorical emission as a model file stores it: the category labels and the K rows of probabilities over them.</summary>
/// <param name="Categories">The C labels; code c of the data is label [c].</param>
/// <param name="Parameters">K rows of C probabilities, in the order of <paramref name="Categories"/>.</param>
public sealed record CategoricalEmission(IReadOnlyList<string> Categories, CategoricalEmissionParameters Parameters);

/// <summary>
/// The fields of a categorical emission in JSON: <c>"categories":["A","C","G","T"]</c> and
/// <c>"probabilities":[[…],[…]]</c>, one row per component or state over the categories, in their order. It knows no
/// latent structure: a mixture's or a hidden Markov model's file writes its own fields beside these.
/// </summary>
public static class CategoricalEmissionJson
{
    /// <summary>How far a row of probabilities may sum from 1 (rounding in a file written by hand or by another program).</summary>
    public const double SumTolerance = 1e-9;

    /// <summary>Writes <c>categories</c> and <c>probabilities</c> as properties of the current object.</summary>
    /// <exception cref="ArgumentException">The number of labels is not the parameters' C.</exception>
    public static void WriteFields(Utf8JsonWriter json, IReadOnlyList<string> categories, CategoricalEmissionParameters emission)
    {
        if (categories.Count != emission.Categories)
        {
            throw new ArgumentException($"expected {emission.Categories} category labels, got {categories.Count}", nameof(categories));
        }

        json.WriteStartArray("categories");
        foreach (string label in categories)
        {
            json.WriteStringValue(label);
        }

        json.WriteEndArray();
        JsonOutput.Rows(json, "probabilities", emission.Probabilities, emission.Categories);
    }

    /// <summary>Reads and validates <c>categories</c> and <c>probabilities</c> from a JSON file; other properties are ignored.</summary>
    /// <exception cref="DataFormatException">The file is missing, not JSON (with line and column), or the fields are malformed or invalid.</exception>
    public static CategoricalEmission ReadFile(string path, int? components = null) => Read(JsonInput.ReadFile(path), path, components);

    /// <summary>Reads the fields from UTF-8 JSON bytes; <paramref name="source"/> names them in messages.</summary>
    /// <exception cref="DataFormatException">Not JSON (with line and column), or the fields are malformed or invalid.</exception>
    public static CategoricalEmission Read(ReadOnlySpan<byte> utf8Json, string source, int? components = null)
    {
        using var document = JsonInput.Parse(utf8Json, source);
        return Read(JsonInput.Root(document, source, "categories and probabilities"), source, components);
    }

    /// <summary>
    /// Reads the fields from <paramref name="model"/>, a JSON object that holds them (a model file's top level);
    /// <paramref name="components"/>, when given, is the number of rows required (the model's K).
    /// </summary>
    /// <exception cref="DataFormatException">
    /// A field is missing or of the wrong shape; a label is empty, reads as a missing cell (NA, N/A) or is repeated; there
    /// are fewer than two categories; a probability is negative or not finite, or a row does not sum to 1 — each naming
    /// <paramref name="source"/> and the field.
    /// </exception>
    public static CategoricalEmission Read(JsonElement model, string source, int? components = null)
    {
        var labelItems = JsonInput.Array(JsonInput.Property(model, "categories", source), "categories", source, null);
        if (labelItems.Length < 2)
        {
            throw JsonInput.Error(source, $"categories: a categorical emission needs at least 2 categories, found {labelItems.Length}");
        }

        var labels = new string[labelItems.Length];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < labels.Length; c++)
        {
            if (labelItems[c].ValueKind != JsonValueKind.String)
            {
                throw JsonInput.Error(source, $"categories[{c}]: expected a string label, found {labelItems[c].GetRawText()}");
            }

            string label = labelItems[c].GetString()!;
            if (label.Trim() != label || label.Length == 0 || label.Equals("NA", StringComparison.OrdinalIgnoreCase) || label.Equals("N/A", StringComparison.OrdinalIgnoreCase))
            {
                throw JsonInput.Error(source, $"categories[{c}]: label \"{label}\" could never match a data cell (a CSV cell is trimmed, and empty, NA and N/A are missing)");
            }

            if (!seen.TryAdd(label, c))
            {
                throw JsonInput.Error(source, $"categories[{c}]: label \"{label}\" repeats categories[{seen[label]}]; labels must be unique");
            }

            labels[c] = label;
        }

        var rows = JsonInput.Array(JsonInput.Property(model, "probabilities", source), "probabilities", source, components);
        if (rows.Length < 1)
        {
            throw JsonInput.Error(source, "probabilities: needs at least one row (one per component or state)");
        }

        var probabilities = new double[rows.Length * labels.Length];
        for (int k = 0; k < rows.Length; k++)
        {
            var row = JsonInput.Numbers(rows[k], $"probabilities[{k}]", source, labels.Length);
            double sum = 0;
            for (int c = 0; c < row.Length; c++)
            {
                if (row[c] < 0)
                {
                    throw JsonInput.Error(source, $"probabilities[{k}][{c}]: {row[c]} is negative; probabilities are non-negative");
                }

                sum += row[c];
            }

            if (!(Math.Abs(sum - 1) <= SumTolerance))
            {
                throw JsonInput.Error(source, $"probabilities[{k}]: sums to {sum:R}; each row is a probability distribution over the categories and must sum to 1");
            }

            row.CopyTo(probabilities, k * labels.Length);
        }

        return new CategoricalEmission(labels, CategoricalEmissionParameters.Create(labels.Length, probabilities));
    }
}
