using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Optimization.Stochastic;

/// <summary>
/// Online EM of Cappé &amp; Moulines (2009): after each mini-batch B the running expected complete-data statistics move
/// towards the batch's, scaled to the whole data, s ← (1 − γₜ) s + γₜ (N/N_B) s_B(θₜ) (their eq. 6), and θₜ₊₁ is the
/// M-step from s (eq. 7). With γₜ = t^(−κ), κ ∈ (0.5, 1] (<see cref="FitOptions.Kappa"/>, t counting batches), it is a
/// stochastic approximation of the EM map's fixed point; on a finite data set, of a stationary point of ℓ. For HMMs the
/// batches are whole sequences, which makes it the block version of Cappé (2011) over independent sequences.
/// </summary>
/// <remarks>
/// Warm-up: the first <see cref="WarmUpBatches"/> batches (fewer when there are fewer) are averaged with γₜ = 1/t at the
/// start θ₀ before the first M-step, so that it does not rest on one small batch (Cappé &amp; Moulines 2009 likewise take
/// no M-step over the first observations). The returned point is the average of the iterates in η over the later half
/// of the epochs (see <see cref="MiniBatchOptimizer.AveragesIterates"/>).
/// </remarks>
public sealed class OnlineEmOptimizer : MiniBatchOptimizer
{
    /// <summary>Batches averaged at the start before the first M-step.</summary>
    public const int WarmUpBatches = 5;

    /// <inheritdoc/>
    public override string Name => "online-em";

    /// <inheritdoc/>
    protected override bool AveragesIterates => true;

    /// <inheritdoc/>
    protected override bool NeedsGradient => false;

    private protected override IBatchUpdate Begin(FitProblem problem, MiniBatches batches, FitOptions options) =>
        new State(batches, options.Kappa, Math.Min(WarmUpBatches, batches.Count));

    private sealed class State(MiniBatches batches, double kappa, int warmUp) : IBatchUpdate
    {
        private double[] _next = [];

        public bool Moved { get; private set; }

        public string? Update(int batch, long step, double[] eta)
        {
            double gamma = step <= warmUp ? 1.0 / step : Math.Pow(step, -kappa);
            batches.Average(batch, eta, gamma);
            Moved = step >= warmUp;
            if (!Moved)
            {
                return null;
            }

            if (_next.Length != eta.Length)
            {
                _next = new double[eta.Length];
            }

            batches.Maximize(eta, _next);
            _next.CopyTo(eta, 0);
            return null;
        }
    }
}
