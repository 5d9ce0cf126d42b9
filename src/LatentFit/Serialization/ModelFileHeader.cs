using System.Text.Json;
using LatentFit.Data;

namespace LatentFit.Serialization;

/// <summary>
/// What a model file says about itself, read before its parameters so that <c>--init</c> fits the model the file
/// holds: the format version, the model (e.g. <c>gmm</c>) and, for a Gaussian mixture, the covariance structure.
/// </summary>
/// <param name="FormatVersion">The file's <c>formatVersion</c>; null for files written before it existed (read as version 1).</param>
/// <param name="Model">The file's <c>model</c>, or, when it has none (a hand-written file), the model its parameter fields belong to (the first of the given parameter fields it has, e.g. <c>means</c>: gmm); null when neither tells.</param>
/// <param name="ModelStated">Whether <paramref name="Model"/> was written in the file rather than inferred from its fields.</param>
/// <param name="Covariance">The file's <c>covariance</c> (full, tied, diag, spherical), or null when it has none.</param>
public sealed record ModelFileHeader(int? FormatVersion, string? Model, bool ModelStated, string? Covariance)
{
    /// <summary>
    /// The version of the model file layout this latentfit writes and reads, written as <c>formatVersion</c>. Raise it
    /// when a field changes meaning, so that an older latentfit refuses a newer file instead of misreading it.
    /// </summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>
    /// Reads the header of the model file at <paramref name="path"/>; <paramref name="parameterFields"/> says which
    /// model a file holds that does not say (a field and the model whose parameters it marks).
    /// </summary>
    /// <exception cref="DataFormatException">
    /// The file is missing or not JSON (with line and column), its <c>formatVersion</c> is not a whole number, or it is
    /// newer than <see cref="CurrentFormatVersion"/> (written by a later latentfit, whose fields this one may misread).
    /// </exception>
    public static ModelFileHeader ReadFile(string path, IReadOnlyList<(string Field, string Model)> parameterFields) => Read(JsonInput.ReadFile(path), path, parameterFields);

    /// <summary>Reads the header from UTF-8 JSON bytes; <paramref name="source"/> names them in messages.</summary>
    /// <exception cref="DataFormatException">As <see cref="ReadFile"/>.</exception>
    public static ModelFileHeader Read(ReadOnlySpan<byte> utf8Json, string source, IReadOnlyList<(string Field, string Model)> parameterFields)
    {
        using var document = JsonInput.Parse(utf8Json, source);
        var root = JsonInput.Root(document, source, "the model's parameters");
        int? version = null;
        if (root.TryGetProperty("formatVersion", out var versionElement))
        {
            if (versionElement.ValueKind != JsonValueKind.Number || !versionElement.TryGetInt32(out int number) || number < 1)
            {
                throw JsonInput.Error(source, $"formatVersion: expected a whole number ≥ 1, found {versionElement.GetRawText()}");
            }

            if (number > CurrentFormatVersion)
            {
                throw JsonInput.Error(source, $"format version {number} is newer than this latentfit reads (up to {CurrentFormatVersion}); use a newer latentfit, or write the file again with this one");
            }

            version = number;
        }

        string? model = Text(root, "model", source);
        bool stated = model is not null;
        model ??= parameterFields.Where(p => root.TryGetProperty(p.Field, out _)).Select(p => p.Model).FirstOrDefault();
        return new ModelFileHeader(version, model, stated, Text(root, "covariance", source));
    }

    private static string? Text(JsonElement root, string name, string source)
    {
        if (!root.TryGetProperty(name, out var element))
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.String
            ? element.GetString()
            : throw JsonInput.Error(source, $"{name}: expected a string, found {element.GetRawText()}");
    }
}
