using System.Globalization;
using System.Numerics.Tensors;
using LatentFit.Numerics;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Proximal;

/// <summary>
/// The Kullback proximal-point algorithm (Chrétien &amp; Hero 2000): θₖ₊₁ = argmax ℓ(θ) − βₖ·I(θₖ, θ), with I the
/// Kullback–Leibler divergence between the latent posteriors p(z | x, θₖ) and p(z | x, θ). Since ℓ = Q(· | θₖ) − H(· | θₖ)
/// and I(θₖ, θ) = H(θₖ | θₖ) − H(θ | θₖ), the objective is Fₖ(θ) = (1 − βₖ)ℓ(θ) + βₖQ(θ | θₖ) up to a constant: βₖ = 1
/// is the M-step (EM exactly), βₖ → 0 maximises ℓ itself, and the iterates converge superlinearly as βₖ → 0
/// (Chrétien &amp; Hero 2000, their theorem on the rate of convergence). See docs/theory.md, "EM as a proximal-point algorithm".
/// </summary>
/// <remarks>
/// <para>βₖ = β₀·ρᵏ (<see cref="FitOptions.ProximalBeta"/>, <see cref="FitOptions.ProximalBetaDecay"/>). An iteration with
/// βₖ = 1 is the EM map itself, so β₀ = ρ = 1 reproduces <c>em</c> iterate by iterate.</para>
/// <para>For βₖ &lt; 1 the inner problem is solved by damped Newton-type steps on Fₖ, warm-started at the M-step (which
/// already raises both ℓ and Q, so Fₖ): the curvature −∇²Fₖ = (1 − βₖ)I_obs + βₖI_oc takes I_oc(θₖ) from the
/// surrogate (no pass) and I_obs from BFGS updates (Nocedal &amp; Wright, 2nd ed., eq. 6.19) with the differences of ∇ℓ
/// at the points the method visits, started at I_oc. Each trial point costs one pass (ℓ and ∇ℓ); Q and ∇Q cost none.
/// A step is taken only when it raises Fₖ (Armijo), and Fₖ(θ) − Fₖ(θₖ) = ℓ(θ) − ℓ(θₖ) − βₖI(θₖ, θ) ≤ ℓ(θ) − ℓ(θₖ), so ℓ
/// never falls.</para>
/// </remarks>
public sealed class ProximalPointOptimizer : IOptimizer
{
    /// <summary>
    /// Newton-type steps on Fₖ per outer iteration at most: a safeguard, rarely reached. The warm start is the M-step and
    /// the curvature is close to Fₖ's own, so the inner problem is usually solved to rounding (the Newton decrement)
    /// in a few steps; solving it, not a fixed number of steps, is what the rate theory of Chrétien &amp; Hero assumes.
    /// </summary>
    private const int MaxInnerSteps = 20;

    /// <summary>Halvings of the step before the inner line search gives up (the warm start then stands).</summary>
    private const int MaxHalvings = 30;

    /// <summary>Armijo's sufficient-increase fraction (Nocedal &amp; Wright, 2nd ed., eq. 3.4).</summary>
    private const double SufficientIncrease = 1e-4;

    /// <inheritdoc/>
    public string Name => "proximal";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = new RunRecorder(Name, problem, options, sink);
        bool emOnly = options.ProximalBeta == 1 && options.ProximalBetaDecay == 1;
        if (!emOnly)
        {
            problem.RequireGradient("proximal with β < 1");
            if (!problem.HasCompleteData)
            {
                throw new ArgumentException("proximal with β < 1 needs the EM surrogate Q(θ | θₖ) away from θₖ, which this model does not evaluate; use --beta 1 --beta-decay 1 (EM) or another algorithm.");
            }
        }

        var eta = start.ToArray();
        var next = new double[eta.Length];
        var gradient = new double[eta.Length];
        var nextGradient = new double[eta.Length];
        double value = problem.ValueAndGradientIfAny(eta, gradient, out double norm);
        if (recorder.Begin(value, norm))
        {
            return recorder.Finish(eta, value, 0, TerminationReason.GradientConverged);
        }

        var inner = emOnly ? null : new InnerSolver(problem);
        double beta = options.ProximalBeta;
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(eta, value, iteration - 1, TerminationReason.Cancelled);
            }

            double previous = value;
            string? note = null;
            if (beta == 1)
            {
                // The same calls, in the same order, as ExpectationMaximizationOptimizer: bit-identical iterates.
                gradient.CopyTo(nextGradient);
                problem.EmMap(eta, next);
                (eta, next) = (next, eta);
                value = problem.ValueAndGradientIfAny(eta, gradient, out norm);

                // The EM step's change of ∇ℓ teaches the curvature the later proximal steps use.
                inner?.Learn(next, nextGradient, eta, gradient);
            }
            else
            {
                value = inner!.Step(eta, value, gradient, beta, next, nextGradient, out int steps);
                (eta, next) = (next, eta);
                (gradient, nextGradient) = (nextGradient, gradient);
                norm = TensorPrimitives.Norm<double>(gradient);
                note = string.Create(CultureInfo.InvariantCulture, $"β = {beta:G3}, {steps} Newton-type step{(steps == 1 ? "" : "s")} on the proximal objective");
            }

            recorder.Record(iteration, value, norm, note);
            if (recorder.Check(previous, value, norm, next, eta) is { } reason)
            {
                return recorder.Finish(eta, value, iteration, reason);
            }

            beta *= options.ProximalBetaDecay;
        }

        return recorder.Finish(eta, value, options.MaxIterations, TerminationReason.IterationLimit);
    }

    /// <summary>
    /// Maximises Fₖ(η) = (1 − β)ℓ(η) + βQ(η | ηₖ) approximately, and keeps a BFGS estimate B of the observed information
    /// I_obs = −∇²ℓ across outer iterations.
    /// </summary>
    private sealed class InnerSolver(FitProblem problem)
    {
        private readonly int _p = problem.ParameterCount;
        private double[]? _observed;

        /// <summary>
        /// From ηₖ (ℓₖ = <paramref name="value"/>, ∇ℓₖ = <paramref name="gradient"/>) writes ηₖ₊₁ and ∇ℓ there and returns
        /// ℓ(ηₖ₊₁); <paramref name="steps"/> counts the Newton-type steps taken after the M-step.
        /// </summary>
        public double Step(double[] eta, double value, double[] gradient, double beta, double[] next, double[] nextGradient, out int steps)
        {
            int p = _p;
            steps = 0;

            // The surrogate, the M-step and I_oc all come from the E-step at ηₖ that gave ℓₖ: no pass.
            var surrogate = problem.CompleteData(eta);
            problem.EmMap(eta, next);
            var completeInformation = new double[p * p];
            surrogate.Information(completeInformation);
            if (_observed is null)
            {
                // I_oc ≥ I_obs (the missing information is positive semi-definite): a start that errs on the side of
                // short, EM-like steps.
                _observed = PositiveDefiniteOrScaledIdentity(completeInformation);
            }

            // The warm start: the M-step raises Q and ℓ, so Fₖ.
            double logLikelihood = problem.ValueAndGradient(next, nextGradient);
            if (!double.IsFinite(logLikelihood))
            {
                throw new Models.Abstractions.ModelFailureException("the log-likelihood after an M-step is not finite; start from other parameters.");
            }

            Learn(eta, gradient, next, nextGradient);
            var surrogateGradient = new double[p];
            double surrogateValue = surrogate.ValueAndGradient(next, surrogateGradient);
            double objective = (1 - beta) * logLikelihood + beta * surrogateValue;

            var objectiveGradient = new double[p];
            var curvature = new double[p * p];
            var direction = new double[p];
            var trial = new double[p];
            var trialGradient = new double[p];
            var trialSurrogateGradient = new double[p];
            for (int inner = 0; inner < MaxInnerSteps; inner++)
            {
                for (int i = 0; i < p; i++)
                {
                    objectiveGradient[i] = (1 - beta) * nextGradient[i] + beta * surrogateGradient[i];
                }

                if (!NewtonDirection(beta, completeInformation, objectiveGradient, curvature, direction))
                {
                    break;
                }

                // The Newton decrement gᵀH⁻¹g is twice the increase the quadratic model promises; below rounding of ℓ,
                // the inner problem is solved.
                double decrement = TensorPrimitives.Dot<double>(objectiveGradient, direction);
                if (!(decrement > 1e-15 * (1 + Math.Abs(logLikelihood))))
                {
                    break;
                }

                bool accepted = false;
                double step = 1;
                for (int halving = 0; halving <= MaxHalvings; halving++, step *= 0.5)
                {
                    for (int i = 0; i < p; i++)
                    {
                        trial[i] = next[i] + step * direction[i];
                    }

                    double trialLogLikelihood = problem.ValueAndGradient(trial, trialGradient);
                    if (!double.IsFinite(trialLogLikelihood))
                    {
                        continue;
                    }

                    double trialSurrogate = surrogate.ValueAndGradient(trial, trialSurrogateGradient);
                    double trialObjective = (1 - beta) * trialLogLikelihood + beta * trialSurrogate;
                    if (trialObjective >= objective + SufficientIncrease * step * decrement)
                    {
                        Learn(next, nextGradient, trial, trialGradient);
                        trial.CopyTo(next, 0);
                        trialGradient.CopyTo(nextGradient, 0);
                        trialSurrogateGradient.CopyTo(surrogateGradient, 0);
                        logLikelihood = trialLogLikelihood;
                        objective = trialObjective;
                        accepted = true;
                        break;
                    }
                }

                if (!accepted)
                {
                    break;
                }

                steps++;
            }

            return logLikelihood;
        }

        /// <summary>
        /// The BFGS update of B ≈ I_obs for the move from <paramref name="from"/> to <paramref name="to"/> (Nocedal &amp;
        /// Wright, 2nd ed., eq. 6.19, on f = −ℓ): B ← B − BssᵀB / sᵀBs + yyᵀ / yᵀs with s = Δη, y = −Δ∇ℓ; skipped
        /// unless yᵀs &gt; 0, which keeps B positive definite.
        /// </summary>
        public void Learn(ReadOnlySpan<double> from, ReadOnlySpan<double> fromGradient, ReadOnlySpan<double> to, ReadOnlySpan<double> toGradient)
        {
            if (_observed is null)
            {
                return;
            }

            int p = _p;
            var s = new double[p];
            var y = new double[p];
            for (int i = 0; i < p; i++)
            {
                s[i] = to[i] - from[i];
                y[i] = fromGradient[i] - toGradient[i];
            }

            var bs = new double[p];
            for (int i = 0; i < p; i++)
            {
                bs[i] = TensorPrimitives.Dot<double>(_observed.AsSpan(i * p, p), s);
            }

            double sy = TensorPrimitives.Dot<double>(s, y);
            double sbs = TensorPrimitives.Dot<double>(s, bs);
            if (!(sy > 1e-12 * TensorPrimitives.Norm<double>(s) * TensorPrimitives.Norm<double>(y)) || !(sbs > 0))
            {
                return;
            }

            for (int i = 0; i < p; i++)
            {
                for (int j = 0; j < p; j++)
                {
                    _observed[i * p + j] += y[i] * y[j] / sy - bs[i] * bs[j] / sbs;
                }
            }
        }

        /// <summary>
        /// d = H⁻¹g with H = (1 − β)B + βI_oc, the curvature of −Fₖ; B alone where H is not numerically positive definite
        /// (I_oc is taken at ηₖ, where Q need not be concave in η). False when neither factorises.
        /// </summary>
        private bool NewtonDirection(double beta, ReadOnlySpan<double> completeInformation, ReadOnlySpan<double> objectiveGradient, Span<double> curvature, Span<double> direction)
        {
            int p = _p;
            for (int i = 0; i < p * p; i++)
            {
                curvature[i] = (1 - beta) * _observed![i] + beta * completeInformation[i];
            }

            if (!DenseMatrix.TryCholesky(curvature, p))
            {
                _observed.CopyTo(curvature);
                if (!DenseMatrix.TryCholesky(curvature, p))
                {
                    return false;
                }
            }

            objectiveGradient.CopyTo(direction);
            DenseMatrix.SolveLower(curvature, p, direction);
            DenseMatrix.SolveLowerTransposed(curvature, p, direction);
            return true;
        }

        /// <summary>A copy of <paramref name="matrix"/> when it is positive definite, else the identity scaled by its mean |diagonal| (or 1).</summary>
        private double[] PositiveDefiniteOrScaledIdentity(ReadOnlySpan<double> matrix)
        {
            int p = _p;
            var factor = matrix.ToArray();
            if (DenseMatrix.TryCholesky(factor, p))
            {
                return matrix.ToArray();
            }

            double scale = 0;
            for (int i = 0; i < p; i++)
            {
                scale += Math.Abs(matrix[i * p + i]) / p;
            }

            var identity = new double[p * p];
            for (int i = 0; i < p; i++)
            {
                identity[i * p + i] = scale > 0 && double.IsFinite(scale) ? scale : 1;
            }

            return identity;
        }
    }
}
