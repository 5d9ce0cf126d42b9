using LatentFit.Models.Abstractions;
using LatentFit.Numerics;
using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>The outcome of <see cref="MaximumPolish.Run"/>.</summary>
/// <param name="Parameters">η after the Newton steps (the optimiser's η when none was taken).</param>
/// <param name="LogLikelihood">ℓ at <paramref name="Parameters"/>.</param>
/// <param name="StartLogLikelihood">ℓ where the optimiser stopped.</param>
/// <param name="StartDecrement">The squared Newton decrement gᵀI⁻¹g where the optimiser stopped; NaN when I was not positive definite there.</param>
/// <param name="FinalDecrement">gᵀI⁻¹g at <paramref name="Parameters"/>; NaN when I is not positive definite there.</param>
/// <param name="Steps">Newton steps taken.</param>
/// <param name="Failure">Why the point is not a verified maximum (the information is not positive definite, or the decrement stayed above the target), or null.</param>
public sealed record MaximumPolishReport(double[] Parameters, double LogLikelihood, double StartLogLikelihood, double StartDecrement, double FinalDecrement, int Steps, string? Failure)
{
    /// <summary>
    /// ½gᵀI⁻¹g where the optimiser stopped: the gain of ℓ a Newton step would make, the usual estimate of how far
    /// below the maximum ℓ was (Boyd &amp; Vandenberghe 2004, §9.5.1, eq. 9.29); NaN when unknown.
    /// </summary>
    public double StartGainEstimate => 0.5 * StartDecrement;

    /// <summary>Whether <see cref="Parameters"/> is a maximum to the accuracy standard errors need (<see cref="MaximumPolish.DecrementTarget"/>).</summary>
    public bool AtMaximum => Failure is null;
}

/// <summary>
/// Takes η where an optimiser stopped to the maximum with Newton's method, η ← η + I⁻¹g with I = −∇²ℓ (the observed
/// information, analytic where the model has it), halving a step that lowers ℓ. Standard errors are √diag(I⁻¹) at
/// the maximum; EM's relative-change rule can stop where ‖∇ℓ‖ is still far from 0, and I there differs from I at
/// the maximum by O(‖η − η̂‖). Newton converges quadratically from EM's end point, so a few steps suffice.
/// </summary>
public static class MaximumPolish
{
    /// <summary>
    /// The squared Newton decrement gᵀI⁻¹g below which η counts as the maximum: it is the squared distance to the
    /// maximum in units of the standard errors (to second order), so 1e-10 puts η within 1e-5 standard errors.
    /// </summary>
    public const double DecrementTarget = 1e-10;

    /// <summary>
    /// Steps are taken only from a point whose squared Newton decrement is at most this, i.e. within about one standard
    /// error of a maximum, where Newton's method converges quadratically. Farther out a step may head for another
    /// stationary point, or, in a Gaussian mixture held up by the regularisation, towards the unbounded likelihood of a
    /// collapsing component (the unregularised ℓ is what Newton maximises); the optimiser's point is then kept.
    /// </summary>
    public const double StartDecrementLimit = 1;

    /// <summary>Newton steps at most; each costs a Hessian (one pass when analytic, 2P otherwise).</summary>
    public const int MaximumSteps = 8;

    private const int MaximumHalvings = 30;

    /// <summary>
    /// Polishes <paramref name="eta"/>, whose ℓ is <paramref name="logLikelihood"/>, with at most
    /// <paramref name="maximumSteps"/> Newton steps (0: only measure the decrement); never returns a point with lower ℓ.
    /// </summary>
    public static MaximumPolishReport Run(FitProblem problem, ReadOnlySpan<double> eta, double logLikelihood, int maximumSteps = MaximumSteps)
    {
        int p = problem.ParameterCount;
        var x = eta.ToArray();
        var gradient = new double[p];
        var information = new double[p * p];
        var step = new double[p];
        var trial = new double[p];
        double value = problem.ValueAndGradient(x, gradient);
        double startValue = double.IsFinite(logLikelihood) ? logLikelihood : value;
        double startDecrement = double.NaN;
        for (int steps = 0; ; steps++)
        {
            double decrement;
            try
            {
                decrement = Decrement(problem, x, gradient, information, step);
            }
            catch (ModelFailureException failure)
            {
                return new MaximumPolishReport(x, value, startValue, startDecrement, double.NaN, steps, failure.Message);
            }

            if (steps == 0)
            {
                startDecrement = decrement;
                if (decrement > StartDecrementLimit && maximumSteps > 0)
                {
                    return new MaximumPolishReport(x, value, startValue, startDecrement, decrement, 0, FormattableString.Invariant($"the optimiser stopped an estimated {0.5 * decrement:G3} below a maximum (½gᵀI⁻¹g), too far for Newton steps to be trusted; lower the relative tolerance or use another algorithm"));
                }
            }

            if (double.IsNaN(decrement))
            {
                return new MaximumPolishReport(x, value, startValue, startDecrement, decrement, steps, "the observed information is not positive definite here, so this is not a strict maximum of the log-likelihood (or the model is not identified here)");
            }

            if (decrement <= DecrementTarget)
            {
                return new MaximumPolishReport(x, value, startValue, startDecrement, decrement, steps, null);
            }

            if (steps == maximumSteps)
            {
                return new MaximumPolishReport(x, value, startValue, startDecrement, decrement, steps, steps == 0
                    ? FormattableString.Invariant($"the squared Newton decrement gᵀI⁻¹g is {decrement:G3} here, so ℓ is an estimated {0.5 * decrement:G3} below the maximum")
                    : FormattableString.Invariant($"{steps} Newton steps left the squared Newton decrement at {decrement:G3}, above {DecrementTarget:G1}"));
            }

            double factor = 1;
            double trialValue = double.NegativeInfinity;
            for (int halving = 0; halving <= MaximumHalvings; halving++, factor /= 2)
            {
                for (int i = 0; i < p; i++)
                {
                    trial[i] = x[i] + factor * step[i];
                }

                trialValue = TryValue(problem, trial);
                if (trialValue >= value)
                {
                    break;
                }
            }

            if (!(trialValue >= value))
            {
                // ℓ is flat to rounding along the Newton direction: as close to the maximum as double precision gets.
                return new MaximumPolishReport(x, value, startValue, startDecrement, decrement, steps, decrement <= 1e3 * DecrementTarget ? null : FormattableString.Invariant($"no Newton step raised ℓ, with the squared Newton decrement still {decrement:G3}"));
            }

            (x, trial) = (trial, x);
            value = problem.ValueAndGradient(x, gradient);
        }
    }

    /// <summary>
    /// gᵀI⁻¹g at <paramref name="x"/>, with the Newton step I⁻¹g in <paramref name="step"/>; NaN when I is not positive
    /// definite. Where I is not positive definite, coordinates at the boundary of the parameter space (no curvature and no
    /// slope, see <see cref="StandardErrors"/>) are held fixed: their step is 0 and the decrement is that of the others.
    /// </summary>
    private static double Decrement(FitProblem problem, double[] x, double[] gradient, double[] information, double[] step)
    {
        int p = gradient.Length;
        problem.Hessian(x, information);
        for (int i = 0; i < information.Length; i++)
        {
            information[i] = -information[i];
        }

        double slope = 0;
        foreach (double g in gradient)
        {
            slope = Math.Max(slope, Math.Abs(g));
        }

        var factor = StandardErrors.FactorHoldingBoundary(information, p, j => Math.Abs(gradient[j]) > StandardErrors.BoundaryCurvature * Math.Max(1, slope), out var kept);
        if (factor is null)
        {
            return double.NaN;
        }

        int r = kept.Length;
        var reducedStep = new double[r];
        for (int i = 0; i < r; i++)
        {
            reducedStep[i] = gradient[kept[i]];
        }

        DenseMatrix.SolveLower(factor, r, reducedStep);
        double decrement = 0;
        foreach (double s in reducedStep)
        {
            decrement += s * s;
        }

        DenseMatrix.SolveLowerTransposed(factor, r, reducedStep);
        Array.Clear(step);
        for (int i = 0; i < r; i++)
        {
            step[kept[i]] = reducedStep[i];
        }

        return decrement;
    }

    private static double TryValue(FitProblem problem, double[] eta)
    {
        try
        {
            double value = problem.Value(eta);
            return double.IsFinite(value) ? value : double.NegativeInfinity;
        }
        catch (ModelFailureException)
        {
            return double.NegativeInfinity;
        }
    }
}
