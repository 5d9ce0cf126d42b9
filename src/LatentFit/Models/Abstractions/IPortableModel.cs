namespace LatentFit.Models.Abstractions;

/// <summary>
/// What another process needs to rebuild a model: the kind of model (a name the model catalog knows) and its
/// settings (shape, structure, regularisation; everything its constructor was given), as JSON. Together with the
/// model's exact flat form of θ (<see cref="IPortableModel{TParams}"/>) and the flat form of empty statistics, it lets
/// a machine holding a shard of the data run the E-step at θ and send back the statistics, with the bits the
/// coordinator would have computed itself.
/// </summary>
/// <param name="Kind">The model's kind, as the catalog of portable models names it.</param>
/// <param name="Settings">Its settings, as a JSON object.</param>
public sealed record ModelRecipe(string Kind, string Settings);

/// <summary>
/// A model that can be rebuilt in another process (<see cref="Recipe"/>) and whose parameters θ cross the wire
/// exactly: <see cref="ReadParameters"/> of what <see cref="WriteParameters"/> wrote is θ to the last bit, derived
/// quantities (Cholesky factors, log-determinants, log-weights) included, so that an E-step at the rebuilt θ gives the
/// bits of an E-step at θ. (η, the unconstrained vector, does not: θ(η(θ)) differs from θ in the last bits.)
/// </summary>
/// <typeparam name="TParams">Natural parameters θ.</typeparam>
public interface IPortableModel<TParams>
{
    /// <summary>What rebuilds this model elsewhere.</summary>
    ModelRecipe Recipe { get; }

    /// <summary>θ as doubles: every field θ holds, derived ones included.</summary>
    double[] WriteParameters(TParams theta);

    /// <summary>θ from what <see cref="WriteParameters"/> wrote, bit for bit.</summary>
    /// <exception cref="ArgumentException">The values do not fit this model's shape.</exception>
    TParams ReadParameters(ReadOnlySpan<double> values);
}
