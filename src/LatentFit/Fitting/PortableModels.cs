using System.Text.Json;
using System.Text.Json.Nodes;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Categorical;
using LatentFit.Models.Emissions;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;
using LatentFit.Models.Uniform;

namespace LatentFit.Fitting;

/// <summary>
/// The catalog of portable models: rebuilds a model from its <see cref="ModelRecipe"/> on a machine that holds some of
/// the data, as the E-step it will run there. Kinds: <c>mixture</c> and <c>hidden-markov</c>, each around an emission
/// family's recipe (<c>gaussian</c>, <c>poisson</c>, <c>uniform</c>, <c>categorical</c>); every model <c>fit</c> runs
/// gives one of these (see <see cref="IPortableModel{TParams}.Recipe"/>).
/// </summary>
public static class PortableModels
{
    /// <summary>The model <paramref name="recipe"/> describes, with its E-step on flat θ and flat statistics.</summary>
    /// <exception cref="ArgumentException">The kind is unknown, or a setting is missing or invalid; the message names the kind.</exception>
    public static IPortableEStep Rebuild(ModelRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        if (recipe.Kind is not (PortableRecipes.MixtureKind or PortableRecipes.HiddenMarkovKind))
        {
            throw new ArgumentException($"unknown model kind \"{recipe.Kind}\"; the portable kinds are {PortableRecipes.MixtureKind} and {PortableRecipes.HiddenMarkovKind}", nameof(recipe));
        }

        var settings = Parse(recipe);
        try
        {
            var emission = Emission(settings, recipe.Kind);
            return recipe.Kind == PortableRecipes.MixtureKind ? RebuildMixture(emission) : RebuildHiddenMarkov(emission);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or FormatException or JsonException)
        {
            // Bad settings (a missing or mistyped value, a count below 1) are the recipe's fault, named by its kind.
            throw new ArgumentException($"model kind \"{recipe.Kind}\": {error.Message}", nameof(recipe), error);
        }
    }

    private static IPortableEStep RebuildMixture(ModelRecipe emission)
    {
        var settings = Parse(emission);
        switch (emission.Kind)
        {
            case GaussianEmissionFamily.RecipeKind:
                var (components, dimension, structure, regularization) = Gaussian(settings, emission.Kind);
                var gaussian = new GaussianMixtureModel(components, dimension, structure, regularization);
                return new PortableEStep<GaussianMixtureParameters, GaussianMixtureStatistics>(gaussian, gaussian);
            case PoissonEmissionFamily.RecipeKind:
                var poisson = new PoissonMixtureModel(Integer(settings, "components", emission.Kind));
                return new PortableEStep<PoissonMixtureParameters, PoissonMixtureStatistics>(poisson, poisson);
            case UniformEmissionFamily.RecipeKind:
                var uniform = new UniformMixtureModel(Integer(settings, "components", emission.Kind));
                return new PortableEStep<UniformMixtureParameters, UniformMixtureStatistics>(uniform, uniform);
            case CategoricalEmissionFamily.RecipeKind:
                var (k, categories, labels) = Categorical(settings, emission.Kind);
                var categorical = new CategoricalMixtureModel(k, categories, labels);
                return new PortableEStep<CategoricalMixtureParameters, CategoricalMixtureStatistics>(categorical, categorical);
            default:
                throw UnknownEmission(emission.Kind);
        }
    }

    private static IPortableEStep RebuildHiddenMarkov(ModelRecipe emission)
    {
        var settings = Parse(emission);
        switch (emission.Kind)
        {
            case GaussianEmissionFamily.RecipeKind:
                var (components, dimension, structure, regularization) = Gaussian(settings, emission.Kind);
                return Hmm(new GaussianEmissionFamily(components, dimension, structure, regularization));
            case PoissonEmissionFamily.RecipeKind:
                return Hmm(new PoissonEmissionFamily(Integer(settings, "components", emission.Kind)));
            case UniformEmissionFamily.RecipeKind:
                return Hmm(new UniformEmissionFamily(Integer(settings, "components", emission.Kind)));
            case CategoricalEmissionFamily.RecipeKind:
                var (k, categories, labels) = Categorical(settings, emission.Kind);
                return Hmm(new CategoricalEmissionFamily(k, categories, labels));
            default:
                throw UnknownEmission(emission.Kind);
        }
    }

    private static PortableEStep<HmmParameters<TEmission>, HmmStatistics<TStatistics>> Hmm<TEmission, TStatistics>(IEmissionFamily<TEmission, TStatistics> family)
        where TStatistics : IEmissionStatistics<TStatistics>
    {
        var model = new HiddenMarkovModel<TEmission, TStatistics>(family);
        return new(model, model);
    }

    private static ArgumentException UnknownEmission(string kind) =>
        new($"unknown emission kind \"{kind}\"; the portable emissions are {GaussianEmissionFamily.RecipeKind}, {PoissonEmissionFamily.RecipeKind}, {UniformEmissionFamily.RecipeKind} and {CategoricalEmissionFamily.RecipeKind}");

    private static (int Components, int Dimension, CovarianceStructure Structure, double Regularization) Gaussian(JsonObject settings, string kind)
    {
        string name = Required(settings, "structure", kind).GetValue<string>();
        if (!CovarianceStructure.TryParse(name, out var structure))
        {
            throw new ArgumentException($"{kind}: unknown covariance structure \"{name}\"");
        }

        return (Integer(settings, "components", kind), Integer(settings, "dimension", kind), structure, Required(settings, "regularization", kind).GetValue<double>());
    }

    private static (int Components, int Categories, IReadOnlyList<string>? Labels) Categorical(JsonObject settings, string kind)
    {
        IReadOnlyList<string>? labels = settings["labels"] is JsonArray array
            ? [.. array.Select(label => label?.GetValue<string>() ?? throw new ArgumentException($"{kind}: a category label is null"))]
            : null;
        return (Integer(settings, "components", kind), Integer(settings, "categories", kind), labels);
    }

    /// <summary>The emission family's recipe nested in a composite's settings.</summary>
    private static ModelRecipe Emission(JsonObject settings, string kind)
    {
        var emission = Required(settings, "emission", kind) as JsonObject ?? throw new ArgumentException($"{kind}: the setting \"emission\" is not an object");
        string emissionKind = Required(emission, "kind", kind).GetValue<string>();
        var emissionSettings = Required(emission, "settings", kind) as JsonObject ?? throw new ArgumentException($"{kind}: the emission's settings are not an object");
        return new ModelRecipe(emissionKind, emissionSettings.ToJsonString());
    }

    private static JsonObject Parse(ModelRecipe recipe)
    {
        try
        {
            return JsonNode.Parse(recipe.Settings) as JsonObject ?? throw new ArgumentException($"model kind \"{recipe.Kind}\": the settings are not a JSON object", nameof(recipe));
        }
        catch (JsonException error)
        {
            throw new ArgumentException($"model kind \"{recipe.Kind}\": the settings are not valid JSON ({error.Message})", nameof(recipe), error);
        }
    }

    private static JsonNode Required(JsonObject settings, string name, string kind) =>
        settings[name] ?? throw new ArgumentException($"{kind}: the setting \"{name}\" is missing");

    private static int Integer(JsonObject settings, string name, string kind) => Required(settings, name, kind).GetValue<int>();
}
