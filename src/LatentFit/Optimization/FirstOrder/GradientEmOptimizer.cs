using System.Numerics.Tensors;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.FirstOrder;

/// <summary>
/// First-order (gradient) EM of Balakrishnan, Wainwright &amp; Yu (2017), eq. (2.6): instead of maximising
/// Q(· | θₜ), take one fixed step along its gradient, θₜ₊₁ = θₜ + α ∇Qₙ(θ | θₜ)|θ=θₜ, where Qₙ = Q/N is the
/// per-observation function. By Fisher's identity ∇Q(θ | θₜ)|θ=θₜ = ∇ℓ(θₜ), so the step comes from the same
/// E-step statistics as EM's. It is taken in the unconstrained parameters η so that every iterate is a valid
/// mixture. With no line search, a step too large for the problem's curvature makes ℓ fall; the run then
/// stops with <see cref="TerminationReason.StepTooLarge"/> at the last point before the fall.
/// </summary>
public sealed class GradientEmOptimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "gradient-em";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var (recorder, eta, gradient, value, norm, finished) = GradientStart.Begin(Name, problem, start, options, sink);
        if (finished is not null)
        {
            return finished;
        }

        var next = new double[eta.Length];

        double scale = options.Step / problem.Observations;
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(eta, value, iteration - 1, TerminationReason.Cancelled);
            }

            for (int i = 0; i < eta.Length; i++)
            {
                next[i] = eta[i] + scale * gradient[i];
            }

            double candidate = problem.ValueAndGradient(next, gradient);
            double candidateNorm = TensorPrimitives.Norm(gradient);
            // Rounding can lower ℓ by a few ulps of the sum near the optimum; anything more is the step's fault.
            if (!double.IsFinite(candidate) || candidate < value - 1e-12 * Math.Abs(value))
            {
                recorder.AnnotateLast($"the next step (step {options.Step}) would lower ℓ to {candidate:R}: too large for this problem; reduce the step");
                return recorder.Finish(eta, value, iteration - 1, TerminationReason.StepTooLarge);
            }

            (eta, next) = (next, eta);
            double previous = value;
            value = candidate;
            norm = candidateNorm;
            recorder.Record(iteration, value, norm);
            if (recorder.Check(previous, value, norm, next, eta) is { } reason)
            {
                return recorder.Finish(eta, value, iteration, reason);
            }
        }

        return recorder.Finish(eta, value, options.MaxIterations, TerminationReason.IterationLimit);
    }
}
