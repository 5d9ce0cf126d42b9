using System.Text.Json;
using LatentFit.Data;
using LatentFit.Models.Uniform;

namespace LatentFit.Serialization;

/// <summary>The parameter fields of a uniform mixture in JSON: <c>weights</c>, <c>lower</c> and <c>upper</c> (K each); also read back as <c>--init</c>.</summary>
public static class UniformMixtureJson
{
    /// <summary>Writes <c>weights</c>, <c>lower</c> and <c>upper</c> as properties of the current object.</summary>
    public static void WriteParameters(Utf8JsonWriter json, UniformMixtureParameters theta)
    {
        JsonOutput.Numbers(json, "weights", theta.Weights);
        JsonOutput.Numbers(json, "lower", theta.Lower);
        JsonOutput.Numbers(json, "upper", theta.Upper);
    }

    /// <summary>Reads and validates <c>weights</c>, <c>lower</c> and <c>upper</c> from a JSON file; other properties are ignored.</summary>
    /// <exception cref="DataFormatException">The file is missing, not JSON (with line and column), or the parameters are malformed or invalid.</exception>
    public static UniformMixtureParameters ReadFile(string path) => Read(JsonInput.ReadFile(path), path);

    /// <summary>Reads parameters from UTF-8 JSON bytes; <paramref name="source"/> names them in messages.</summary>
    public static UniformMixtureParameters Read(ReadOnlySpan<byte> utf8Json, string source)
    {
        using var document = JsonInput.Parse(utf8Json, source);
        var root = JsonInput.Root(document, source, "weights, lower and upper");
        var weights = JsonInput.Numbers(JsonInput.Property(root, "weights", source), "weights", source);
        var lower = JsonInput.Numbers(JsonInput.Property(root, "lower", source), "lower", source, weights.Length);
        var upper = JsonInput.Numbers(JsonInput.Property(root, "upper", source), "upper", source, weights.Length);
        try
        {
            return UniformMixtureParameters.Create(weights, lower, upper);
        }
        catch (ArgumentException e)
        {
            throw JsonInput.Error(source, e.Message);
        }
    }
}
