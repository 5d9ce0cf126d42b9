using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Optimization.Stochastic;

/// <summary>
/// Smooth on-line learning of Baldi &amp; Chauvin (1994): after each mini-batch B (for HMMs, a group of whole
/// sequences), a gradient step in the unconstrained parameters η (softmax rows for probabilities, as they use; log rates;
/// Cholesky factors), ηₜ₊₁ = ηₜ + αₜ ∇ℓ_B(ηₜ)/N_B, on the per-observation gradient of the batch so that the step does
/// not grow with the data or the batch. The step size decays as αₜ = α₀ / (1 + t/τ)^κ, with α₀ the learning rate
/// (<see cref="FitOptions.LearningRate"/>, default <see cref="DefaultLearningRate"/>), t counting batches, τ the batches
/// per epoch (α stays near α₀ over the first epoch) and κ = <see cref="FitOptions.Kappa"/>: Σαₜ diverges and Σαₜ²
/// converges, the Robbins–Monro conditions.
/// </summary>
/// <remarks>
/// The returned point is the average of the iterates over the later half of the epochs (see
/// <see cref="MiniBatchOptimizer.AveragesIterates"/>), which removes most of the noise a decaying step leaves. A step that
/// leads to invalid parameters or a non-finite ℓ of the batch ends the run with <see cref="TerminationReason.StepTooLarge"/>.
/// </remarks>
public sealed class OnlineGradientOptimizer : MiniBatchOptimizer
{
    /// <summary>α₀ when <see cref="FitOptions.LearningRate"/> is not given.</summary>
    public const double DefaultLearningRate = 0.5;

    /// <inheritdoc/>
    public override string Name => "online-gradient";

    /// <inheritdoc/>
    protected override bool AveragesIterates => true;

    /// <inheritdoc/>
    protected override bool NeedsGradient => true;

    private protected override IBatchUpdate Begin(FitProblem problem, MiniBatches batches, FitOptions options) =>
        new State(problem, batches, options.LearningRate ?? DefaultLearningRate, options.Kappa);

    private sealed class State(FitProblem problem, MiniBatches batches, double rate, double kappa) : IBatchUpdate
    {
        private readonly double[] _gradient = new double[problem.ParameterCount];

        public bool Moved { get; private set; }

        public string? Update(int batch, long step, double[] eta)
        {
            Moved = false;
            if (BatchGradient.PerObservation(problem, batches, batch, step, rate, eta, _gradient) is { } failure)
            {
                return failure;
            }

            double alpha = rate / Math.Pow(1 + (step - 1) / (double)batches.Count, kappa);
            for (int i = 0; i < eta.Length; i++)
            {
                eta[i] += alpha * _gradient[i];
            }

            Moved = true;
            return null;
        }
    }
}
