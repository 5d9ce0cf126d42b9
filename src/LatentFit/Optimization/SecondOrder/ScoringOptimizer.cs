using LatentFit.Models.Abstractions;
using LatentFit.Numerics;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.SecondOrder;

/// <summary>
/// Fisher scoring with the empirical information: the Gauss–Newton method for a log-likelihood. The metric is
/// B(η) = Σᵢ sᵢsᵢᵀ, the cross products of the per-observation scores (Berndt, Hall, Hall &amp; Hausman 1974, "BHHH"),
/// which estimates the Fisher information without second derivatives, as JᵀJ does −∇² of a sum of squares in
/// Gauss–Newton. The step solves (B + λ·D) d = ∇ℓ by Cholesky, D = diag(B) (Marquardt 1963, §3: damping scaled
/// like the metric, so the method does not depend on the units of η), with λ adapted as Marquardt does: divided
/// by ten after an accepted step, multiplied by ten and the step tried again while ℓ would fall. As λ grows the
/// step turns towards the scaled gradient D⁻¹∇ℓ and shrinks, so some λ raises ℓ: the method is monotone.
/// </summary>
/// <remarks>
/// Each iteration costs one pass for B (<see cref="FitProblem.ScoreCrossProducts"/>) and one per trial point, which
/// also yields ∇ℓ there. Near a maximum of a correctly specified model B ≈ −∇²ℓ (the information equality), so the
/// rate is fast but linear; in finite samples, and for a model with few observations relative to its parameters
/// (one HMM sequence is one observation, so B has rank one), B is a poor metric and the damping does the work.
/// No model here has the expected information of the observed-data likelihood in closed form, so there is no
/// expected-information variant; the observed-information variant is <see cref="NewtonOptimizer"/> (see docs/theory.md).
/// </remarks>
public sealed class ScoringOptimizer : IOptimizer
{
    private const int MaxDampingIncreases = 40;
    private const double InitialDamping = 1e-3;
    private const double MinimumDamping = 1e-12;

    /// <inheritdoc/>
    public string Name => "scoring";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        if (problem.IndependentObservations < problem.ParameterCount)
        {
            // B = Σᵢ sᵢsᵢᵀ has rank at most the number of observations: with fewer than P the metric is the damping
            // alone in the other directions, and the method crawls (one HMM sequence: rank one; measured on the
            // earthquakes, 2.2 below the maximum after 35 iterations, with ℓ's steps too small to tell).
            throw new ModelFailureException(
                $"scoring needs at least as many independent observations as parameters for its empirical information Σᵢ sᵢsᵢᵀ to be nonsingular: the data have {problem.IndependentObservations} " +
                $"(a sequence of a hidden Markov model is one) and the model has {problem.ParameterCount} parameters. Use newton (the observed information) or another algorithm.",
                FitSetting.Algorithm);
        }

        var (recorder, x, gradient, value, _, finished) = GradientStart.Begin(Name, problem, start, options, sink);
        if (finished is not null)
        {
            return finished;
        }

        int n = x.Length;
        var metric = new double[n * n];
        var system = new double[n * n];
        var step = new double[n];
        var trial = new double[n];
        double damping = InitialDamping;
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(x, value, iteration - 1, TerminationReason.Cancelled);
            }

            problem.ScoreCrossProducts(x, metric);

            // A coordinate no observation's score moves (a component without responsibility) has a zero diagonal;
            // a floor relative to the largest keeps D positive so the damped system stays definite.
            double largest = 0;
            for (int i = 0; i < n; i++)
            {
                largest = Math.Max(largest, metric[i * n + i]);
            }

            double floor = 1e-12 * Math.Max(largest, 1e-300);
            bool accepted = false;
            double trialValue = double.NegativeInfinity;
            for (int attempt = 0; attempt < MaxDampingIncreases && !accepted; attempt++)
            {
                metric.CopyTo(system, 0);
                for (int i = 0; i < n; i++)
                {
                    system[i * n + i] += damping * Math.Max(metric[i * n + i], floor);
                }

                gradient.CopyTo(step, 0);
                if (DenseMatrix.TrySolvePositiveDefinite(system, n, step))
                {
                    for (int i = 0; i < n; i++)
                    {
                        trial[i] = x[i] + step[i];
                    }

                    // No allowance for a fall, however small: BHHH's metric can overshoot in a direction where B
                    // underestimates the curvature, and an allowance of even 10⁻¹²|ℓ| let the iterates drift down and
                    // up along such a direction near the maximum instead of damping it (measured on faithful).
                    trialValue = problem.Value(trial);
                    accepted = trialValue >= value;
                }

                if (!accepted)
                {
                    damping *= 10;
                }
            }

            if (!accepted)
            {
                return recorder.Finish(x, value, iteration - 1, TerminationReason.LineSearchFailed);
            }

            string note = $"BHHH metric; λ = {damping:G3}";
            damping = Math.Max(damping / 10, MinimumDamping);
            (x, trial) = (trial, x);
            if (GradientStep.Record(recorder, problem, iteration, value, trial, x, gradient, note, out value) is { } reason)
            {
                return recorder.Finish(x, value, iteration, reason);
            }
        }

        return recorder.Finish(x, value, options.MaxIterations, TerminationReason.IterationLimit);
    }
}
