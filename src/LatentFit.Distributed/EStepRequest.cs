using LatentFit.Models.Abstractions;

namespace LatentFit.Distributed;

/// <summary>
/// One E-step on one shard: what rebuilds the model, θ and the empty statistics in their flat forms, and which of the
/// shard's blocks to run. Everything a silo needs crosses with the call, so a call can be repeated, or answered by a
/// fresh activation on another silo, with the same result (the grain holds only its rows and a cache of the last
/// model it rebuilt).
/// </summary>
/// <param name="Kind">The model's kind (<see cref="ModelRecipe.Kind"/>).</param>
/// <param name="Settings">The model's settings as JSON (<see cref="ModelRecipe.Settings"/>).</param>
/// <param name="Theta">θ's exact flat form (<see cref="IPortableModel{TParams}.WriteParameters"/>).</param>
/// <param name="EmptyStatistics">The flat form of the empty statistics each block starts from (it carries the coordinates of anchored statistics).</param>
/// <param name="FirstBlock">The first block to run, counted within the shard.</param>
/// <param name="BlockCount">How many consecutive blocks to run.</param>
/// <param name="TargetRows">Rows per block (the partition's target).</param>
/// <param name="ShardRows">The rows the coordinator counts in this shard; a silo whose shard has other rows refuses the call.</param>
/// <param name="ShardBlocks">The blocks the coordinator counts in this shard; likewise checked.</param>
/// <param name="Threads">Threads the silo may use for the call (it uses at most its processor count).</param>
[GenerateSerializer]
[Immutable]
public sealed record EStepRequest(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Settings,
    [property: Id(2)] double[] Theta,
    [property: Id(3)] double[] EmptyStatistics,
    [property: Id(4)] int FirstBlock,
    [property: Id(5)] int BlockCount,
    [property: Id(6)] int TargetRows,
    [property: Id(7)] int ShardRows,
    [property: Id(8)] int ShardBlocks,
    [property: Id(9)] int Threads)
{
    /// <summary>The recipe the request carries.</summary>
    public ModelRecipe Recipe => new(Kind, Settings);
}

/// <summary>A shard on the silo is not the shard the coordinator sees (other rows, other blocks): the silos read another directory, or the data changed. Not retried.</summary>
[GenerateSerializer]
public sealed class ShardDataMismatchException : Exception
{
    /// <summary>An exception with <paramref name="message"/>.</summary>
    public ShardDataMismatchException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// The E-step itself failed on the silo, as it would have in the coordinator: a model failure (invalid parameters, a
/// collapsed component), or a recipe or request the silo's model refuses. The same request fails the same way
/// anywhere, so it is not retried; the coordinator throws the library's exception of the same kind
/// (<see cref="Rethrow"/>), which the objective handles as a local E-step's (invalid parameters are ℓ = −∞ to a line
/// search).
/// </summary>
[GenerateSerializer]
public sealed class ShardEStepFailedException : Exception
{
    /// <summary>What failed on the silo, in the words of the exception the E-step threw.</summary>
    public ShardEStepFailedException(string kind, string message, int[] settings)
        : base(message)
    {
        Kind = kind;
        Settings = settings;
    }

    /// <summary>The kind of failure: <see cref="InvalidParameters"/>, <see cref="ModelFailure"/> or <see cref="Refused"/>.</summary>
    [Id(0)]
    public string Kind { get; }

    /// <summary>The settings the failure's advice names (<see cref="FitSetting"/> values).</summary>
    [Id(1)]
    public int[] Settings { get; }

    /// <summary>An <see cref="InvalidParametersException"/>.</summary>
    public const string InvalidParameters = "invalid-parameters";

    /// <summary>Any other <see cref="ModelFailureException"/>.</summary>
    public const string ModelFailure = "model-failure";

    /// <summary>An <see cref="ArgumentException"/> or <see cref="NotSupportedException"/>: the model refused the recipe or the request.</summary>
    public const string Refused = "refused";

    /// <summary>The E-step's own failure as one that crosses the wire; null for any other exception (the silo's or the network's, which a retry may cure).</summary>
    public static ShardEStepFailedException? From(Exception failure) => failure switch
    {
        InvalidParametersException invalid => new(InvalidParameters, invalid.Message, [.. invalid.Settings.Select(s => (int)s)]),
        ModelFailureException model => new(ModelFailure, model.Message, [.. model.Settings.Select(s => (int)s)]),
        ArgumentException or NotSupportedException => new(Refused, failure.Message, []),
        _ => null,
    };

    /// <summary>The library's exception of this kind, with this message and settings.</summary>
    public Exception Rethrow()
    {
        var settings = Settings.Select(s => (FitSetting)s).ToArray();
        return Kind switch
        {
            InvalidParameters => new InvalidParametersException(Message, settings),
            ModelFailure => new ModelFailureException(Message, settings),
            _ => new ArgumentException(Message),
        };
    }
}
