using System.Text.Json;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Emissions;
using LatentFit.Models.Hmm;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>
/// One emission distribution of a hidden Markov model's states, bound to its settings: it makes the emission family,
/// the emission part of a start, reads and writes its JSON fields and gives its columns of the parameter table. The
/// hidden Markov model itself (δ, Γ, forward–backward) is the same for every kind, so a new emission is one more
/// subclass of <see cref="HmmEmission{TEmission, TStatistics}"/> and one line in <see cref="Bind"/>.
/// </summary>
public abstract class HmmEmissionKind
{
    /// <summary>The emissions a hidden Markov model can have, by name; the first is the default.</summary>
    public static IReadOnlyList<string> Names { get; } = ["gaussian", "poisson", "categorical"];

    /// <summary>The name on the command line and in model files, e.g. poisson.</summary>
    public abstract string Name { get; }

    /// <summary>The emissions in words for a description, e.g. "Poisson emissions".</summary>
    public abstract string Description { get; }

    /// <summary>The canonical name of an emission given by name (case-insensitive).</summary>
    /// <exception cref="SettingException">No emission has that name; the message lists the names.</exception>
    public static string Canonical(string name) =>
        Names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new SettingException($"unknown emission \"{name}\" for a hidden Markov model; choose one of: {string.Join(", ", Names)}", FitSetting.Emission);

    /// <summary>The emission <paramref name="name"/> bound to the settings it reads (a Gaussian's covariance structure and regularisation).</summary>
    /// <exception cref="SettingException">The name is unknown, the emission is not available yet, or a setting does not apply to it.</exception>
    public static HmmEmissionKind Bind(string name, ModelSettings settings) => Canonical(name) switch
    {
        "gaussian" => new GaussianHmmEmission(settings),
        "poisson" => new PoissonHmmEmission(settings),
        _ => new CategoricalHmmEmission(settings),
    };

    /// <summary>Whether the emission <paramref name="name"/> reads its data column as categories (labels) rather than numbers.</summary>
    /// <exception cref="SettingException">The name is unknown.</exception>
    public static bool ReadsCategories(string name) => Canonical(name) == "categorical";

    /// <summary>The specification of a fit of <paramref name="components"/> states to <paramref name="data"/> (whole sequences) with these emissions.</summary>
    /// <exception cref="ArgumentException">The data or the start do not fit the emissions.</exception>
    public abstract HiddenMarkovSpecification CreateSpecification(DataSet data, int components, ModelSettings settings, HmmFile? start);
}

/// <summary>The typed hooks of one emission kind (see <see cref="HmmEmissionKind"/>).</summary>
/// <typeparam name="TEmission">The emission family's parameters.</typeparam>
/// <typeparam name="TStatistics">The emission family's statistics.</typeparam>
public abstract class HmmEmission<TEmission, TStatistics> : HmmEmissionKind
    where TStatistics : IEmissionStatistics<TStatistics>
{
    /// <inheritdoc/>
    public sealed override HiddenMarkovSpecification CreateSpecification(DataSet data, int components, ModelSettings settings, HmmFile? start)
    {
        data = Prepare(data, start);
        Validate(data);
        var parameters = start is null ? null : HmmJson.Parameters(start, Read(start, data));
        return new HiddenMarkovSpecification<TEmission, TStatistics>(data, components, settings.Seed, settings.Restarts, settings.Execution, this, parameters);
    }

    /// <summary>
    /// The data as the emissions read them (categorical emissions code their labels against a start file's); the data
    /// themselves by default.
    /// </summary>
    /// <exception cref="DataFormatException">The data cannot be read so.</exception>
    public virtual DataSet Prepare(DataSet data, HmmFile? start) => data;

    /// <summary>Refuses data the emissions cannot describe, with a message naming the first offending cell or column.</summary>
    public abstract void Validate(DataSet data);

    /// <summary>The emission family of K = <paramref name="states"/> states; <paramref name="exact"/> leaves out any regularisation of the M-step.</summary>
    public abstract IEmissionFamily<TEmission, TStatistics> CreateFamily(int states, int dimension, bool exact);

    /// <summary>The emission part of start <paramref name="restart"/>, seeded with <paramref name="seed"/> + restart, from the pooled observations of every sequence.</summary>
    public abstract TEmission Start(DataSet data, int states, int seed, int restart, ExecutionOptions execution);

    /// <summary>How start <paramref name="restart"/> is made, for reports.</summary>
    public abstract string StartMethod(int restart);

    /// <summary>What the exact family leaves out, for people; null when nothing.</summary>
    public virtual string? ExactNote => null;

    /// <summary>The emission part of a model file (K from its δ).</summary>
    /// <exception cref="DataFormatException">A field is missing, malformed, or does not fit the data.</exception>
    public abstract TEmission Read(HmmFile file, DataSet data);

    /// <summary>Writes the emissions' descriptive fields (e.g. <c>covariance</c>) into the current JSON object.</summary>
    public virtual void WriteDescription(Utf8JsonWriter json, DataSet data)
    {
    }

    /// <summary>Writes the emission parameter fields, in the shape <see cref="Read"/> reads back.</summary>
    public abstract void WriteParameters(Utf8JsonWriter json, TEmission emission);

    /// <summary>The parameter table's emission columns.</summary>
    public abstract IReadOnlyList<string> TableHeaders { get; }

    /// <summary>State <paramref name="state"/>'s cells under <see cref="TableHeaders"/>.</summary>
    public abstract IEnumerable<string> TableCells(TEmission emission, int state);
}
