using LatentFit.Data;

namespace LatentFit.Objectives;

/// <summary>
/// Statistics kept group by group (a group is consecutive blocks of rows), each group's computed at a θ of its own:
/// the distribution q̃ = (q₁, …, q_B) over the latent variables of Neal &amp; Hinton's (1998) free-energy view of EM,
/// F(q̃, θ) = Σ_b (E_{q_b}[log p(x_b, z_b | θ)] + H(q_b)). Replacing one group's statistics by those at the current θ
/// maximises F over q_b; an M-step from their sum maximises F over θ: incremental EM alternates the two. Optimisers see
/// only η, as everywhere else; the statistics stay inside the problem.
/// </summary>
public abstract class BlockStatistics
{
    /// <summary>Number of groups, B.</summary>
    public abstract int Groups { get; }

    /// <summary>The rows of group <paramref name="group"/>.</summary>
    public abstract RowRange GroupRows(int group);

    /// <summary>
    /// How many times the statistics were taken again about new coordinates because θ had moved far from those they
    /// were held in (each is one more pass; see <see cref="Models.Abstractions.IAnchoredStatisticsModel{TParams, TStats}"/>).
    /// </summary>
    public int Reanchorings { get; protected set; }

    /// <summary>
    /// Replaces every group's statistics by those at η (one pass), so that F(q̃, θ(η)) = ℓ(η), and returns ℓ(η);
    /// −∞ when η maps to numerically invalid parameters. Writes ∇ℓ(η) to <paramref name="gradient"/> and its norm to
    /// <paramref name="gradientNorm"/> where the model has a gradient (NaN otherwise).
    /// </summary>
    public abstract double Refresh(ReadOnlySpan<double> eta, Span<double> gradient, out double gradientNorm);

    /// <summary>Replaces group <paramref name="group"/>'s statistics by those at η: an E-step over its rows only (their share of a pass).</summary>
    /// <exception cref="Models.Abstractions.ModelFailureException">The E-step cannot be taken at η.</exception>
    public abstract void Replace(int group, ReadOnlySpan<double> eta);

    /// <summary>The M-step from the sum of every group's statistics, whatever θ each was computed at; writes η'.</summary>
    /// <param name="eta">The current point (the M-step's θₜ, whose role is only to fix the shape and coordinates).</param>
    /// <param name="next">Receives η'.</param>
    /// <exception cref="Models.Abstractions.ModelFailureException">The M-step cannot be taken (a collapsed component, a singular covariance).</exception>
    public abstract void Maximize(ReadOnlySpan<double> eta, Span<double> next);
}
