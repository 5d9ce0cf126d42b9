using System.Numerics.Tensors;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Optimization.Stopping;

/// <summary>How a gradient method ends an iteration once it has accepted a trial point.</summary>
internal static class GradientStep
{
    /// <summary>
    /// Takes ℓ and ∇ℓ at the accepted point <paramref name="to"/> (its E-step is the problem's cached one, from the trial
    /// evaluation, so this costs no pass), records the iteration and returns the stopping rule that holds after the move
    /// from <paramref name="from"/> (ℓ = <paramref name="previous"/>), if any.
    /// </summary>
    public static TerminationReason? Record(RunRecorder recorder, FitProblem problem, int iteration, double previous, ReadOnlySpan<double> from, ReadOnlySpan<double> to, Span<double> gradient, string? note, out double value)
    {
        value = problem.ValueAndGradient(to, gradient);
        double norm = TensorPrimitives.Norm(gradient);
        recorder.Record(iteration, value, norm, note);
        return recorder.Check(previous, value, norm, from, to);
    }
}
