using LatentFit.Numerics;

namespace LatentFit.Models.Abstractions;

/// <summary>
/// Expected complete-data sufficient statistics of a latent-variable model, accumulated over rows by the
/// E-step. Statistics are values owned by the caller: those of two disjoint chunks of rows
/// <see cref="IAdditive{TSelf}.Add">add</see> to the statistics of their union, which is what lets the E-step run over
/// blocks in parallel (and on other machines, through the <see cref="IAdditive{TSelf}.WriteFlat">flat form</see>) and merge in a
/// fixed order.
/// </summary>
/// <remarks>
/// Statistics are expressed in coordinates that may depend on the parameters they were computed at (a Gaussian
/// mixture's moments are taken about the current means). Operands in different coordinates are refused with
/// <see cref="IncompatibleStatisticsException"/>, never merged silently.
/// </remarks>
/// <typeparam name="TSelf">The concrete statistics type.</typeparam>
public interface ISufficientStatistics<TSelf> : IAdditive<TSelf> where TSelf : ISufficientStatistics<TSelf>
{
    /// <summary>this ← this + <paramref name="factor"/> · other, every accumulator including ℓ and the weight (online EM's running averages).</summary>
    /// <exception cref="IncompatibleStatisticsException">The operands have different shapes or coordinates.</exception>
    void AddScaled(TSelf other, double factor);

    /// <summary>Multiplies every accumulator, ℓ and the weight included, by <paramref name="factor"/>.</summary>
    void Scale(double factor);

    /// <summary>Marginal log-likelihood ℓ(θₜ) = Σₙ wₙ log p(xₙ | θₜ) of the accumulated rows (natural log).</summary>
    double LogLikelihood { get; }

    /// <summary>Total weight of the accumulated rows (the number of observations).</summary>
    double Weight { get; }
}

/// <summary>Two statistics cannot be merged: different shapes, or moments taken in different coordinates (e.g. about different means).</summary>
public sealed class IncompatibleStatisticsException(string message) : InvalidOperationException(message);
