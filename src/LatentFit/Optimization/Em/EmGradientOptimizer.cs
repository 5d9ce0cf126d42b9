using LatentFit.Numerics;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Em;

/// <summary>
/// Lange's (1995) EM gradient algorithm: instead of maximising Q(· | θₜ) (the M-step), take one Newton step on it
/// from θₜ. Since ∇Q(θ | θₜ) = ∇ℓ(θ) at θ = θₜ (Fisher's identity), the step is θₜ + I_oc(θₜ)⁻¹∇ℓ(θₜ), with
/// I_oc = −∇²Q(θ | θₜ) at θₜ the complete-data information (<see cref="CompleteDataObjective.Information"/>), solved by
/// Cholesky. Its Jacobian at a maximum is I − I_oc⁻¹I_o, the EM map's, so it converges at EM's rate (Lange 1995, §2),
/// and it needs no closed-form M-step. The step is halved until ℓ does not fall (Lange 1995, §3: with I_oc positive
/// definite the step is an ascent direction, so some fraction of it raises ℓ).
/// </summary>
/// <remarks>
/// In η, −∇²_η Q carries a term in ∇_θQ times the curvature of θ(η), so away from a maximum it may fail to be positive
/// definite; then μI is added, μ raised tenfold until Cholesky succeeds (as <see cref="SecondOrder.NewtonOptimizer"/>
/// does), which the trace notes. One pass per trial point; I_oc comes from the statistics of the pass already made at θₜ.
/// </remarks>
public sealed class EmGradientOptimizer : IOptimizer
{
    private const int MaxHalvings = 50;
    private const int MaxShifts = 60;

    /// <inheritdoc/>
    public string Name => "em-gradient";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        problem.RequireGradient(Name);
        if (!problem.HasCompleteData)
        {
            throw new NotSupportedException($"{Name} needs the complete-data information I_oc(θ), but this model does not evaluate Q(θ | θₜ) away from θₜ; use em or newton instead.");
        }

        var (recorder, x, gradient, value, _, finished) = GradientStart.Begin(Name, problem, start, options, sink);
        if (finished is not null)
        {
            return finished;
        }

        int n = x.Length;
        var information = new double[n * n];
        var system = new double[n * n];
        var step = new double[n];
        var trial = new double[n];
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(x, value, iteration - 1, TerminationReason.Cancelled);
            }

            problem.CompleteData(x).Information(information);
            double shift = Solve(information, system, gradient, step);
            if (double.IsNaN(shift))
            {
                return recorder.Finish(x, value, iteration - 1, TerminationReason.LineSearchFailed);
            }

            double fraction = 1;
            bool accepted = false;
            for (int halving = 0; halving <= MaxHalvings && !accepted; halving++)
            {
                for (int i = 0; i < n; i++)
                {
                    trial[i] = x[i] + fraction * step[i];
                }

                // Rounding allowance: at the maximum ℓ differs between nearby points by a few ulps of the sum.
                accepted = problem.Value(trial) >= value - 1e-12 * Math.Abs(value);
                if (!accepted)
                {
                    fraction /= 2;
                }
            }

            if (!accepted)
            {
                return recorder.Finish(x, value, iteration - 1, TerminationReason.LineSearchFailed);
            }

            string? note = (fraction < 1, shift > 0) switch
            {
                (true, true) => $"step × {fraction:G3}; I_oc shifted by {shift:G3}·I",
                (true, false) => $"step × {fraction:G3}",
                (false, true) => $"I_oc shifted by {shift:G3}·I",
                _ => null,
            };
            (x, trial) = (trial, x);
            if (GradientStep.Record(recorder, problem, iteration, value, trial, x, gradient, note, out value) is { } reason)
            {
                return recorder.Finish(x, value, iteration, reason);
            }
        }

        return recorder.Finish(x, value, options.MaxIterations, TerminationReason.IterationLimit);
    }

    /// <summary>
    /// Solves (I_oc + μI) d = ∇ℓ with the smallest μ ∈ {0, 10⁻¹²s, 10⁻¹¹s, …} (s the largest |diagonal|) that leaves the
    /// matrix positive definite; returns μ, or NaN when none does.
    /// </summary>
    private static double Solve(double[] information, double[] system, double[] gradient, double[] step)
    {
        int n = gradient.Length;
        double scale = 0;
        for (int i = 0; i < n; i++)
        {
            scale = Math.Max(scale, Math.Abs(information[i * n + i]));
        }

        double shift = 0;
        for (int attempt = 0; attempt < MaxShifts; attempt++)
        {
            information.CopyTo(system, 0);
            for (int i = 0; i < n; i++)
            {
                system[i * n + i] += shift;
            }

            gradient.CopyTo(step, 0);
            if (DenseMatrix.TrySolvePositiveDefinite(system, n, step))
            {
                return shift;
            }

            shift = shift == 0 ? 1e-12 * Math.Max(scale, 1e-300) : 10 * shift;
        }

        return double.NaN;
    }
}
