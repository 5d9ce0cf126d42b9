namespace LatentFit.Models.Emissions;

/// <summary>
/// An emission family whose statistics are moments about centres (the Gaussian's, about the current means): the
/// latent structure (a mixture, a hidden Markov model) passes its occupancies and asks for statistics anchored at
/// fixed centres, or for the centres an M-step would move to when moments about the present ones lose precision (see
/// <see cref="Abstractions.IRecentringModel{TParams, TStats}"/> and <see cref="Abstractions.IAnchoredStatisticsModel{TParams, TStats}"/>).
/// A family whose statistics do not depend on θ (Poisson counts) does not implement it.
/// </summary>
/// <typeparam name="TEmission">The K classes' emission parameters.</typeparam>
/// <typeparam name="TStatistics">The family's statistics.</typeparam>
public interface IRecentringEmissionFamily<TEmission, TStatistics>
    where TStatistics : IEmissionStatistics<TStatistics>
{
    /// <summary>Empty statistics whose moments are taken about <paramref name="anchor"/>'s centres, whatever θ later E-steps into them use.</summary>
    TStatistics CreateAnchoredStatistics(TEmission anchor);

    /// <summary>
    /// A factory of empty statistics about the centres the M-step from <paramref name="statistics"/> moves to, when the
    /// moments about their present centres (<paramref name="current"/>'s, unless the statistics fix their own) are too far
    /// from there to be precise; null when the update is precise as it is. <paramref name="current"/> may be null when the
    /// statistics fix their own centres (anchored statistics).
    /// </summary>
    Func<TStatistics>? CentresIfFar(TEmission? current, TStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight);
}
