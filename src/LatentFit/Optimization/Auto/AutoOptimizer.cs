using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Acceleration;
using LatentFit.Optimization.Em;
using LatentFit.Optimization.QuasiNewton;
using LatentFit.Optimization.SecondOrder;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Auto;

/// <summary>
/// A hybrid that starts with EM, estimates EM's linear rate r from the ratio of successive steps (which tends to
/// the largest fraction of missing information), and then takes the route expected to need the fewest further
/// passes over the data:
/// <list type="bullet">
/// <item>EM itself, when r is small: about log(tol)/log r more steps;</item>
/// <item>Newton's method, quadratic from close by, at about one Hessian (one pass when analytic, 2P from
/// differences of the gradient) plus 1.5 passes per iteration, over about six iterations;</item>
/// <item>Jamshidian &amp; Jennrich's QN2 (when ℓ has a gradient), a quasi-Newton method that starts from EM's own metric:
/// on the problems measured (docs/benchmarks.md) 8–43 passes, about 20 typically, whatever r;</item>
/// <item>Anderson-accelerated EM, one pass per step and, on the problems measured, about 20–25 steps whatever r; it
/// needs only the EM map, so it is the route for a model without a gradient.</item>
/// </list>
/// The other methods built from the E-step were measured from the same starts and are not routes: the EM gradient
/// algorithm has EM's rate at no fewer passes; scoring converges linearly at two or more passes a step; QN1 needed
/// more passes than Anderson on every problem; the proximal method's inner problems cost 18–78 passes, and EM-CG's
/// line searches more. The choice and the estimates behind it are recorded in the trace.
/// </summary>
public sealed class AutoOptimizer : IResumableOptimizer
{
    private const int MinWarmup = 5;
    private const int MaxWarmup = 30;
    private const double NewtonIterations = 6;
    private const double AndersonPasses = 25;
    private const double Qn2Passes = 20;
    private const string PreviousKey = "previous";
    private const string RateKey = "rate";
    private const string PreviousStepKey = "previousStep";

    /// <inheritdoc/>
    public string Name => "auto";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        Run(problem, start, null, null, options, sink, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// States are taken during the EM warm-up only (η, the η before it, the last rate estimate and the last step; the
    /// estimate before the last is overwritten before it is read),
    /// and at the end. The route chosen after the warm-up runs as a whole: a run killed during it resumes from the last
    /// warm-up state, repeats the last warm-up steps and the decision, and runs the route again from the same point, so
    /// it ends at the same bits, having repeated the route's work.
    /// </remarks>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, OptimizerState? resumeFrom, ICheckpointSink? checkpoints, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = RunRecorder.Resumable(Name, problem, options, sink, resumeFrom, checkpoints, out var finished);
        if (finished is not null)
        {
            return finished;
        }

        bool hasGradient = problem.GradientSupport.IsExact;
        var eta = (resumeFrom?.Point ?? start).ToArray();
        var next = new double[eta.Length];
        var gradient = new double[eta.Length];
        double value = problem.ValueAndGradientIfAny(eta, gradient, out double norm);
        double rate = double.NaN, previousRate = double.NaN, previousStep = double.NaN;
        int warmup = Math.Min(MaxWarmup, options.MaxIterations);
        int iteration = 0;
        if (resumeFrom is not null)
        {
            recorder.Restore(resumeFrom, value);
            resumeFrom.Vector(PreviousKey, eta.Length).CopyTo(next, 0);
            rate = resumeFrom.Scalar(RateKey);
            previousStep = resumeFrom.Scalar(PreviousStepKey);
            iteration = resumeFrom.Iteration;
        }
        else if (recorder.Begin(value, norm))
        {
            return recorder.Finish(eta, value, 0, TerminationReason.GradientConverged);
        }
        else
        {
            Offer();
        }

        void Offer() => recorder.Offer(iteration, value, () => eta, () => new Dictionary<string, double[]>
        {
            [PreviousKey] = next.ToArray(),
            [RateKey] = [rate],
            [PreviousStepKey] = [previousStep],
        });

        while (iteration < warmup)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(eta, value, iteration, TerminationReason.Cancelled);
            }

            iteration++;
            problem.EmMap(eta, next);
            double step = Distance(eta, next);
            (eta, next) = (next, eta);
            double previous = value;
            value = problem.ValueAndGradientIfAny(eta, gradient, out norm);
            recorder.Record(iteration, value, norm, "EM (warm-up)");
            if (recorder.Check(previous, value, norm, next, eta) is { } reason)
            {
                return recorder.Finish(eta, value, iteration, reason);
            }

            previousRate = rate;
            rate = previousStep > 0 ? step / previousStep : double.NaN;
            previousStep = step;
            // Early ratios mix the fast directions in; wait until two successive estimates agree to 2%.
            if (iteration >= MinWarmup && Math.Abs(rate - previousRate) <= 0.02 * rate)
            {
                break;
            }

            Offer();
        }

        if (iteration >= options.MaxIterations)
        {
            return recorder.Finish(eta, value, iteration, TerminationReason.IterationLimit);
        }

        int p = problem.ParameterCount;
        double hessianPasses = hasGradient ? (problem.HasAnalyticHessian ? 1 : 2 * p) : double.PositiveInfinity;
        double emPasses = RemainingEmSteps(rate, recorder.ParameterChange(next, eta), options);
        double newtonPasses = NewtonIterations * (hessianPasses + 1.5);
        double qn2Passes = hasGradient ? Qn2Passes : double.PositiveInfinity;
        double accelerated = Math.Min(qn2Passes, AndersonPasses);
        (IOptimizer route, string label) = emPasses <= Math.Min(newtonPasses, accelerated)
            ? ((IOptimizer)new ExpectationMaximizationOptimizer(), "EM")
            : newtonPasses <= accelerated
                ? (new NewtonOptimizer(), "Newton")
                : qn2Passes <= AndersonPasses
                    ? (new Qn2Optimizer(), "QN2")
                    : (new AndersonOptimizer(), "Anderson-accelerated EM");
        string decision = $"EM rate r = {rate:F4} after {iteration} EM steps; estimated further passes: EM {emPasses:F0}, Newton {newtonPasses:F0} " +
            $"({(problem.HasAnalyticHessian ? "analytic" : "finite-difference")} Hessian, P = {p}), QN2 {(hasGradient ? $"{Qn2Passes:F0}" : "n/a (no gradient)")}, " +
            $"Anderson {AndersonPasses:F0}: switching to {label}";

        // EM is given twice its estimate; if the estimate was too hopeful the run moves on to Anderson acceleration.
        int budget = options.MaxIterations - iteration;
        var rest = Continue(recorder, problem, route, eta, options with { MaxIterations = label == "EM" ? (int)Math.Min(budget, 2 * emPasses + 10) : budget }, iteration, decision + ". " + label, cancellationToken);
        iteration += rest.Iterations;
        if (label == "EM" && rest.Termination == TerminationReason.IterationLimit && iteration < options.MaxIterations)
        {
            string overrun = $"EM overran its estimate of {emPasses:F0} passes: switching to Anderson-accelerated EM";
            rest = Continue(recorder, problem, new AndersonOptimizer(), rest.Parameters, options with { MaxIterations = options.MaxIterations - iteration }, iteration, overrun, cancellationToken);
            iteration += rest.Iterations;
        }

        return recorder.Finish(rest.Parameters, rest.LogLikelihood, iteration, rest.Termination);
    }

    /// <summary>Runs <paramref name="route"/> from η and copies its trace after <paramref name="iteration"/>, counts shifted.</summary>
    private static FitResult Continue(RunRecorder recorder, FitProblem problem, IOptimizer route, double[] eta, FitOptions options, int iteration, string note, CancellationToken cancellationToken)
    {
        double passes = recorder.Passes;
        double seconds = recorder.Seconds;
        var rest = route.Run(problem, eta, options, null, cancellationToken);
        foreach (var record in rest.Trace.Skip(1))
        {
            recorder.Record(record with
            {
                Iteration = iteration + record.Iteration,
                Passes = passes + record.Passes,
                Seconds = seconds + record.Seconds,
                Note = record.Iteration == 1 ? $"{note}: {record.Note}" : record.Note,
            });
        }

        return rest;
    }

    /// <summary>EM steps until the step falls under the parameter tolerance, or ℓ* − ℓ (which shrinks by r² per step) under the relative tolerance.</summary>
    private static double RemainingEmSteps(double rate, double lastStep, FitOptions options)
    {
        if (!(rate > 0) || rate >= 1)
        {
            return double.PositiveInfinity;
        }

        double target = options.ParameterTolerance > 0
            ? options.ParameterTolerance / Math.Max(lastStep, double.Epsilon)
            : Math.Sqrt(Math.Max(options.RelativeTolerance, 1e-16));
        return target >= 1 ? 1 : Math.Log(target) / Math.Log(rate);
    }

    private static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }

        return Math.Sqrt(sum);
    }
}
