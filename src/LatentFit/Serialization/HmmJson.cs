using System.Text.Json;
using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;

namespace LatentFit.Serialization;

/// <summary>
/// A hidden Markov model file as read, before its emission part is: the stated emission, δ and Γ, and the whole
/// object for the emission's own fields.
/// </summary>
/// <param name="Source">The file, for messages.</param>
/// <param name="Emission">The file's <c>emission</c> (e.g. poisson), or null when it has none.</param>
/// <param name="Initial">δ, K numbers as written.</param>
/// <param name="Transition">Γ row-major, K×K numbers as written.</param>
/// <param name="Root">The file's top-level object, for the emission's fields.</param>
public sealed record HmmFile(string Source, string? Emission, double[] Initial, double[] Transition, JsonElement Root)
{
    /// <summary>K.</summary>
    public int States => Initial.Length;
}

/// <summary>
/// The parameter fields of a hidden Markov model in JSON: <c>initial</c> (δ, K numbers), <c>transition</c> (Γ, K rows of
/// K numbers, row i the distribution of the next state from state i), then the emission's fields as the mixtures
/// write them (<c>rates</c>; <c>means</c> and <c>covariances</c>). Read back as <c>--init</c> and by <c>decode</c>.
/// </summary>
public static class HmmJson
{
    /// <summary>Writes <c>initial</c> and <c>transition</c> as properties of the current object.</summary>
    public static void WriteChain<TEmission>(Utf8JsonWriter json, HmmParameters<TEmission> theta)
    {
        JsonOutput.Numbers(json, "initial", theta.Initial);
        JsonOutput.Rows(json, "transition", theta.Transition, theta.States);
    }

    /// <summary>Reads <c>emission</c>, <c>initial</c> and <c>transition</c> of the model file at <paramref name="path"/>; other fields are kept for the emission.</summary>
    /// <exception cref="DataFormatException">The file is missing or not JSON (with line and column), or a field is missing or of the wrong shape (naming it).</exception>
    public static HmmFile ReadFile(string path) => Read(JsonInput.ReadFile(path), path);

    /// <summary>Reads a model from UTF-8 JSON bytes; <paramref name="source"/> names them in messages.</summary>
    /// <exception cref="DataFormatException">As <see cref="ReadFile"/>.</exception>
    public static HmmFile Read(ReadOnlySpan<byte> utf8Json, string source)
    {
        using var document = JsonInput.Parse(utf8Json, source);
        var root = JsonInput.Root(document, source, "initial, transition and the emission parameters");
        string? emission = null;
        if (root.TryGetProperty("emission", out var emissionElement))
        {
            emission = emissionElement.ValueKind == JsonValueKind.String
                ? emissionElement.GetString()
                : throw JsonInput.Error(source, $"emission: expected a string, found {emissionElement.GetRawText()}");
        }

        var initial = JsonInput.Numbers(JsonInput.Property(root, "initial", source), "initial", source);
        int k = initial.Length;
        if (k < 1)
        {
            throw JsonInput.Error(source, "initial: needs at least one state");
        }

        var rows = JsonInput.Array(JsonInput.Property(root, "transition", source), "transition", source, k);
        var transition = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            JsonInput.Numbers(rows[i], $"transition[{i}]", source, k).CopyTo(transition, i * k);
        }

        return new HmmFile(source, emission, initial, transition, root.Clone());
    }

    /// <summary>θ from the file's δ and Γ and the emission read from it.</summary>
    /// <exception cref="DataFormatException">δ or a row of Γ is not a probability distribution; the message names the file and the field.</exception>
    public static HmmParameters<TEmission> Parameters<TEmission>(HmmFile file, TEmission emission)
    {
        try
        {
            return HmmParameters<TEmission>.Create(file.Initial, file.Transition, emission);
        }
        catch (ArgumentException e)
        {
            throw JsonInput.Error(file.Source, e.Message);
        }
    }

    /// <summary>The <c>rates</c> of the file's K Poisson emissions.</summary>
    /// <exception cref="DataFormatException">The field is missing, of the wrong length, or a rate is not positive.</exception>
    public static PoissonEmissionParameters PoissonEmission(HmmFile file)
    {
        int k = file.States;
        var rates = JsonInput.Numbers(JsonInput.Property(file.Root, "rates", file.Source), "rates", file.Source, k);
        try
        {
            return PoissonMixtureParameters.Create(Uniform(k), rates).Emission;
        }
        catch (ArgumentException e)
        {
            throw JsonInput.Error(file.Source, $"rates: {e.Message}");
        }
    }

    /// <summary>The <c>means</c> and <c>covariances</c> of the file's K Gaussian emissions, in <paramref name="structure"/>.</summary>
    /// <exception cref="DataFormatException">A field is missing or of the wrong shape, or a covariance is not valid for the structure.</exception>
    public static GaussianEmissionParameters GaussianEmission(HmmFile file, CovarianceStructure structure)
    {
        int k = file.States;
        var (means, covariances, d) = GaussianMixtureParameterReader.ReadMeansAndCovariances(file.Root, file.Source, k);
        try
        {
            return GaussianMixtureParameters.FromFullCovariances(structure, Uniform(k), means, covariances, d).Emission;
        }
        catch (ArgumentException e)
        {
            throw JsonInput.Error(file.Source, e.Message);
        }
    }

    // The emission readers reuse the mixtures' validation, which takes weights; these are only a placeholder.
    private static double[] Uniform(int k) => [.. Enumerable.Repeat(1.0 / k, k)];
}
