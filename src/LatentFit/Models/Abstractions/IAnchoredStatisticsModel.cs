namespace LatentFit.Models.Abstractions;

/// <summary>
/// A model whose statistics are taken in coordinates that depend on the parameters of the E-step (a Gaussian
/// mixture's moments about θ's means), so that statistics computed at two parameters do not add. It can fix those
/// coordinates at an anchor instead: statistics anchored at the same point are in the same coordinates whatever θ
/// their responsibilities come from, so they add (incremental EM keeps blocks of rows computed at different θ). A
/// model whose statistics do not depend on θ (a Poisson mixture's counts and sums) needs none of this.
/// </summary>
/// <typeparam name="TParams">Natural parameters θ.</typeparam>
/// <typeparam name="TStats">The statistics.</typeparam>
public interface IAnchoredStatisticsModel<TParams, TStats>
{
    /// <summary>Empty statistics in the coordinates <paramref name="anchor"/> fixes (moments about its means), whatever θ later E-steps into them use.</summary>
    TStats CreateAnchoredStatistics(TParams anchor);

    /// <summary>
    /// A factory of empty statistics anchored where the M-step from <paramref name="stats"/> moves the parameters,
    /// when that M-step would lose precision because they move far from the anchor (the criterion of
    /// <see cref="IRecentringModel{TParams, TStats}.Recentre"/>); null when the update is precise as it is.
    /// </summary>
    Func<TStats>? Reanchor(TStats stats);
}
