using System.Text.Json.Nodes;
using LatentFit.Models.Abstractions;

namespace LatentFit.Models.Emissions;

/// <summary>
/// An emission family that can be rebuilt in another process and whose parameters θₑ cross the wire exactly: the part
/// of <see cref="IPortableModel{TParams}"/> that a mixture or a hidden Markov model delegates to its emissions (STYLE.md
/// principle 8), which then only add their weights or transition probabilities.
/// </summary>
/// <typeparam name="TEmission">The K classes' emission parameters θₑ.</typeparam>
public interface IPortableEmissionFamily<TEmission>
{
    /// <summary>The family's kind and everything its constructor was given (see <see cref="ModelRecipe"/>).</summary>
    ModelRecipe Recipe { get; }

    /// <summary>θₑ as doubles: every field it holds, derived ones included (see <see cref="IPortableModel{TParams}.WriteParameters"/>).</summary>
    double[] WriteParameters(TEmission emission);

    /// <summary>θₑ from exactly what <see cref="WriteParameters"/> wrote, bit for bit.</summary>
    /// <exception cref="ArgumentException">The values do not fit this family's shape.</exception>
    TEmission ReadParameters(ReadOnlySpan<double> values);
}

/// <summary>How recipes are written: a kind and a JSON object of settings; composite models nest their parts' recipes.</summary>
public static class PortableRecipes
{
    /// <summary>The kind of a mixture's recipe, whose settings hold its emission family's recipe as <c>emission</c>.</summary>
    public const string MixtureKind = "mixture";

    /// <summary>The kind of a hidden Markov model's recipe, whose settings hold its emission family's recipe as <c>emission</c>.</summary>
    public const string HiddenMarkovKind = "hidden-markov";

    /// <summary>A composite's recipe of kind <paramref name="kind"/> whose only setting is its emission family's recipe.</summary>
    public static ModelRecipe WithEmission(string kind, ModelRecipe emission) => Create(kind, new JsonObject { ["emission"] = ToNode(emission) });

    /// <summary>The emission family's part of a model: the family itself when it is portable.</summary>
    /// <exception cref="NotSupportedException">The family cannot be rebuilt elsewhere.</exception>
    public static IPortableEmissionFamily<TEmission> Portable<TEmission>(object family) =>
        family as IPortableEmissionFamily<TEmission>
        ?? throw new NotSupportedException($"the emission family {family.GetType().Name} cannot be rebuilt in another process (it is not an IPortableEmissionFamily)");

    /// <summary>A recipe of kind <paramref name="kind"/> with <paramref name="settings"/> as its JSON object.</summary>
    public static ModelRecipe Create(string kind, JsonObject settings) => new(kind, settings.ToJsonString());

    /// <summary>A recipe as a JSON node ({"kind": …, "settings": {…}}), to nest inside another recipe's settings.</summary>
    public static JsonObject ToNode(ModelRecipe recipe) => new()
    {
        ["kind"] = recipe.Kind,
        ["settings"] = JsonNode.Parse(recipe.Settings),
    };

    /// <summary>Throws unless <paramref name="values"/> has <paramref name="expected"/> values.</summary>
    /// <exception cref="ArgumentException">It has another length.</exception>
    public static void RequireLength(ReadOnlySpan<double> values, int expected, string what)
    {
        if (values.Length != expected)
        {
            throw new ArgumentException($"{what}: expected {expected} parameter values, got {values.Length}", nameof(values));
        }
    }
}
