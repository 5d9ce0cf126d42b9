using System.Text.Json;
using LatentFit.Models.Gaussian;

namespace LatentFit.Serialization;

/// <summary>
/// The parameter fields of a Gaussian mixture in JSON: <c>weights</c> (K), <c>means</c> (K×D) and
/// <c>covariances</c> (K×D×D full matrices whatever the structure), the shape <see cref="GaussianMixtureParameterReader"/> reads.
/// </summary>
public static class GaussianMixtureJson
{
    /// <summary>Writes <c>weights</c>, <c>means</c> and <c>covariances</c> (full matrices) as properties of the current object.</summary>
    public static void WriteParameters(Utf8JsonWriter json, GaussianMixtureParameters theta)
    {
        JsonOutput.Numbers(json, "weights", theta.Weights);
        WriteEmission(json, theta.Emission);
    }

    /// <summary>
    /// Writes <c>means</c> (K×D) and <c>covariances</c> (K×D×D full matrices whatever the structure) of K Gaussian
    /// emissions as properties of the current object: the part a mixture and a hidden Markov model share.
    /// </summary>
    public static void WriteEmission(Utf8JsonWriter json, GaussianEmissionParameters emission)
    {
        int k = emission.Components, d = emission.Dimension;
        JsonOutput.Rows(json, "means", emission.Means, d);
        var full = emission.FullCovariances();
        json.WriteStartArray("covariances");
        for (int j = 0; j < k; j++)
        {
            JsonOutput.Rows(json, null, full.AsSpan(j * d * d, d * d), d);
        }

        json.WriteEndArray();
    }
}
