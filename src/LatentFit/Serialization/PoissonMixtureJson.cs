using System.Text.Json;
using LatentFit.Data;
using LatentFit.Models.Poisson;

namespace LatentFit.Serialization;

/// <summary>The parameter fields of a Poisson mixture in JSON: <c>weights</c> (K) and <c>rates</c> (K); also read back as <c>--init</c>.</summary>
public static class PoissonMixtureJson
{
    /// <summary>Writes <c>weights</c> and <c>rates</c> as properties of the current object.</summary>
    public static void WriteParameters(Utf8JsonWriter json, PoissonMixtureParameters theta)
    {
        JsonOutput.Numbers(json, "weights", theta.Weights);
        WriteRates(json, theta.Emission);
    }

    /// <summary>Writes <c>rates</c> (K) of K Poisson emissions as a property of the current object; a mixture and a hidden Markov model share it.</summary>
    public static void WriteRates(Utf8JsonWriter json, PoissonEmissionParameters emission)
    {
        JsonOutput.Numbers(json, "rates", emission.Rates);
    }

    /// <summary>Reads and validates <c>weights</c> and <c>rates</c> from a JSON file; other properties are ignored.</summary>
    /// <exception cref="DataFormatException">The file is missing, not JSON (with line and column), or the parameters are malformed or invalid.</exception>
    public static PoissonMixtureParameters ReadFile(string path) => Read(JsonInput.ReadFile(path), path);

    /// <summary>Reads parameters from UTF-8 JSON bytes; <paramref name="source"/> names them in messages.</summary>
    public static PoissonMixtureParameters Read(ReadOnlySpan<byte> utf8Json, string source)
    {
        using var document = JsonInput.Parse(utf8Json, source);
        var root = JsonInput.Root(document, source, "weights and rates");
        var weights = JsonInput.Numbers(JsonInput.Property(root, "weights", source), "weights", source);
        var rates = JsonInput.Numbers(JsonInput.Property(root, "rates", source), "rates", source, weights.Length);
        try
        {
            return PoissonMixtureParameters.Create(weights, rates);
        }
        catch (ArgumentException e)
        {
            throw JsonInput.Error(source, e.Message);
        }
    }
}
