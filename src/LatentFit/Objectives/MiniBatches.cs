using LatentFit.Data;

namespace LatentFit.Objectives;

/// <summary>
/// The rows cut into fixed mini-batches B (consecutive blocks; for sequence models whole sequences), and E-steps over one
/// batch at the current η, for stochastic methods that move θ after each batch. Every E-step here counts as its share
/// of a pass, N_B rows over N. Optimisers see only η, as everywhere else: the running statistics stay inside.
/// </summary>
/// <remarks>
/// The batch's quantities are scaled to the whole data by N/N_B (N the total weight of the rows, N_B the batch's), so
/// that they estimate the full-data ones: E[(N/N_B) ∇ℓ_B] = ∇ℓ when batches are drawn with probability N_B/N.
/// </remarks>
public abstract class MiniBatches
{
    /// <summary>Number of batches.</summary>
    public abstract int Count { get; }

    /// <summary>The rows of batch <paramref name="batch"/>.</summary>
    public abstract RowRange BatchRows(int batch);

    /// <summary>
    /// One E-step over batch <paramref name="batch"/> at η: writes (N/N_B) ∇ℓ_B(η), the batch's gradient scaled to the
    /// whole data, and returns (N/N_B) ℓ_B(η); −∞ (and a NaN gradient) when η maps to numerically invalid parameters.
    /// </summary>
    /// <exception cref="Models.Abstractions.GradientNotDefinedException">Fisher's identity does not hold for the model.</exception>
    public abstract double ScaledGradient(int batch, ReadOnlySpan<double> eta, Span<double> gradient);

    /// <summary>
    /// The stochastic-approximation step of online EM (Cappé &amp; Moulines 2009, eq. 6):
    /// s ← (1 − γ) s + γ (N/N_B) s_B(θ(η)), with s_B the expected complete-data statistics of batch
    /// <paramref name="batch"/> under θ(η). The running statistics start empty, so the first step after construction or
    /// <see cref="Reset"/> must have γ = 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">γ is not in (0, 1], or is not 1 on empty statistics.</exception>
    /// <exception cref="Models.Abstractions.ModelFailureException">The E-step cannot be taken at η.</exception>
    public abstract void Average(int batch, ReadOnlySpan<double> eta, double gamma);

    /// <summary>The M-step from the running statistics s (Cappé &amp; Moulines 2009, eq. 7): writes η' = η(θ̄(s)).</summary>
    /// <param name="eta">The current point (the M-step's θₜ, whose role is only to fix the shape and coordinates).</param>
    /// <param name="next">Receives η'.</param>
    /// <exception cref="Models.Abstractions.ModelFailureException">The M-step cannot be taken (a collapsed component, a singular covariance).</exception>
    public abstract void Maximize(ReadOnlySpan<double> eta, Span<double> next);

    /// <summary>Empties the running statistics.</summary>
    public abstract void Reset();
}
