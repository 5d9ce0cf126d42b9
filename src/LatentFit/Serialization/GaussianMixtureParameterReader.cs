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
    public static GaussianMixtureParameters ReadFile(string path, CovarianceStructure structure) =>
        Read(JsonInput.ReadFile(path), path, structure);

    /// <summary>Reads parameters from UTF-8 JSON bytes; <paramref name="source"/> names them in messages.</summary>
    public static GaussianMixtureParameters Read(ReadOnlySpan<byte> utf8Json, string source, CovarianceStructure structure)
    {
        using var document = JsonInput.Parse(utf8Json, source);
        var root = JsonInput.Root(document, source, "weights, means and covariances");
        var weights = JsonInput.Numbers(JsonInput.Property(root, "weights", source), "weights", source);
        int k = weights.Length;
        if (k < 1)
        {
            throw JsonInput.Error(source, "weights: needs at least one component");
        }

        var (means, covariances, d) = ReadMeansAndCovariances(root, source, k);
        try
        {
            return GaussianMixtureParameters.FromFullCovariances(structure, weights, means, covariances, d);
        }
        catch (ArgumentException e)
        {
            throw JsonInput.Error(source, e.Message);
        }
    }

    /// <summary>
    /// Reads the emission fields of K Gaussians, <c>means</c> (K arrays of D numbers) and <c>covariances</c> (K arrays of D
    /// arrays of D numbers), of the object <paramref name="root"/>; the part a mixture and a hidden Markov model share.
    /// </summary>
    /// <exception cref="DataFormatException">A field is missing or of the wrong shape; the message names the file and the field.</exception>
    internal static (double[] Means, double[] FullCovariances, int Dimension) ReadMeansAndCovariances(JsonElement root, string source, int k)
    {
        var meanRows = JsonInput.Array(JsonInput.Property(root, "means", source), "means", source, k);
        int d = JsonInput.Array(meanRows[0], "means[0]", source, null).Length;
        if (d < 1)
        {
            throw JsonInput.Error(source, "means[0]: needs at least one coordinate");
        }

        var means = new double[k * d];
        for (int j = 0; j < k; j++)
        {
            var row = JsonInput.Numbers(meanRows[j], $"means[{j}]", source, d);
            row.CopyTo(means, j * d);
        }

        var matrices = JsonInput.Array(JsonInput.Property(root, "covariances", source), "covariances", source, k);
        var covariances = new double[k * d * d];
        for (int j = 0; j < k; j++)
        {
            var rows = JsonInput.Array(matrices[j], $"covariances[{j}]", source, d);
            for (int r = 0; r < d; r++)
            {
                JsonInput.Numbers(rows[r], $"covariances[{j}][{r}]", source, d).CopyTo(covariances, j * d * d + r * d);
            }
        }

        return (means, covariances, d);
    }
}
