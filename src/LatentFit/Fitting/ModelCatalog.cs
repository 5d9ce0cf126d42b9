using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>The model families by name, as <see cref="Optimization.OptimizerCatalog"/> holds the optimisers.</summary>
public static class ModelCatalog
{
    /// <summary>Every family, in the order they are listed to users; the first is the default.</summary>
    public static IReadOnlyList<ModelFamily> Families { get; } = [GaussianMixtureFamily.Instance, PoissonMixtureFamily.Instance, HiddenMarkovFamily.Instance, UniformMixtureFamily.Instance];

    /// <summary>Every family's name, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Families.Select(f => f.Name)];

    /// <summary>The family used when none is named.</summary>
    public static ModelFamily Default => Families[0];

    /// <summary>
    /// Which family a model file holds when it does not say: the family whose parameter field it has, looked for from
    /// the last family listed to the first, since a later family's file may also hold an earlier one's field (a Gaussian
    /// hidden Markov model's means, a Poisson one's rates) but not the reverse.
    /// </summary>
    public static IReadOnlyList<(string Field, string Model)> ParameterFields { get; } = [.. Families.Reverse().Select(f => (f.ParameterField, f.Name))];

    /// <summary>The family named <paramref name="name"/> (case-insensitive), or false.</summary>
    public static bool TryGet(string name, out ModelFamily family)
    {
        family = Families.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return family is not null;
    }

    /// <summary>The family named <paramref name="name"/>.</summary>
    /// <exception cref="SettingException">No family has that name; the message lists the names.</exception>
    public static ModelFamily Get(string name) =>
        TryGet(name, out var family) ? family : throw new SettingException($"unknown model \"{name}\"; choose one of: {string.Join(", ", Names)}", FitSetting.Model);

    /// <summary>The header of the model file at <paramref name="path"/>, its model inferred from the catalog's parameter fields when not stated.</summary>
    /// <exception cref="Data.DataFormatException">As <see cref="ModelFileHeader.ReadFile"/>.</exception>
    public static ModelFileHeader ReadHeader(string path) => ModelFileHeader.ReadFile(path, ParameterFields);
}
