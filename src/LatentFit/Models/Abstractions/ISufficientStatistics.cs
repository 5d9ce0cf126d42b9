namespace LatentFit.Models.Abstractions;

/// <summary>
/// Expected complete-data sufficient statistics of a latent-variable model, accumulated over rows by the
/// E-step. Statistics are values owned by the caller: those of two disjoint chunks of rows
/// <see cref="Add">add</see> to the statistics of their union, which is what lets the E-step run over
/// chunks in parallel (and later on other machines) and merge in a fixed order.
/// </summary>
/// <typeparam name="TSelf">The concrete statistics type.</typeparam>
public interface ISufficientStatistics<TSelf> where TSelf : ISufficientStatistics<TSelf>
{
    /// <summary>Resets every accumulator to zero.</summary>
    void Clear();

    /// <summary>Adds the statistics of another, disjoint, set of rows.</summary>
    void Add(TSelf other);

    /// <summary>Marginal log-likelihood ℓ(θₜ) = Σₙ wₙ log p(xₙ | θₜ) of the accumulated rows (natural log).</summary>
    double LogLikelihood { get; }

    /// <summary>Total weight of the accumulated rows (the number of observations).</summary>
    double Weight { get; }
}
