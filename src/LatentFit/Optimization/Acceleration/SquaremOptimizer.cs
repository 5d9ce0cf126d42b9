using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Acceleration;

/// <summary>The steplength schemes of Varadhan &amp; Roland (2008), §4.</summary>
public enum SquaremScheme
{
    /// <summary>α = −rᵀv / vᵀv.</summary>
    S1 = 1,

    /// <summary>α = −rᵀr / rᵀv.</summary>
    S2 = 2,

    /// <summary>α = √(rᵀr / vᵀv) (the R package's default).</summary>
    S3 = 3,
}

/// <summary>
/// SQUAREM (Varadhan &amp; Roland 2008) around the EM map F: from x, r = F(x) − x, v = F(F(x)) − 2F(x) + x, the
/// squared extrapolation x' = x + 2αr + α²v with α from the scheme, bounded as in the R package (the lower bound
/// stays 1; the upper bound starts at 1, grows fourfold each time it binds and shrinks fourfold when a step at the
/// bound is rejected), then one EM step from x' to stabilise it when α ≠ 1 (§6). x is the natural parameters
/// (see <see cref="FixedPointView"/>). The monotonicity safeguard: if the new point is invalid or ℓ there is below
/// ℓ(x) (beyond rounding), the step falls back to F(F(x)), which cannot lower ℓ. (The R package lets ℓ fall by up
/// to 1 before it falls back; here it may not fall.)
/// </summary>
public sealed class SquaremOptimizer(SquaremScheme scheme = SquaremScheme.S3) : IResumableOptimizer
{
    private const double StepGrowth = 4;
    private const string IterateKey = "x";
    private const string StepMaxKey = "stepMax";
    private const string SchemeKey = "scheme";

    /// <inheritdoc/>
    public string Name => "squarem";

    /// <summary>The steplength scheme.</summary>
    public SquaremScheme Scheme { get; } = scheme;

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        Run(problem, start, null, null, options, sink, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// The state holds the iterate x in the accelerator's own coordinates (natural parameters: η → x → η need not
    /// return the same bits), the step bound α_max, and the scheme, which must be this optimiser's.
    /// </remarks>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, OptimizerState? resumeFrom, ICheckpointSink? checkpoints, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = RunRecorder.Resumable(Name, problem, options, sink, resumeFrom, checkpoints, out var finished);
        if (finished is not null)
        {
            return finished;
        }

        var view = new FixedPointView(problem);
        int n = view.Length;
        var x = resumeFrom is null ? view.FromEta(start) : resumeFrom.Vector(IterateKey, n).ToArray();
        var first = new double[n];
        var second = new double[n];
        var candidate = new double[n];
        double value = view.Value(x);
        double stepMax = 1;
        const double stepMin = 1;
        int firstIteration = 1;
        if (resumeFrom is not null)
        {
            if (resumeFrom.Scalar(SchemeKey) != (double)Scheme)
            {
                throw new ArgumentException($"the state was written by squarem with scheme S{resumeFrom.Scalar(SchemeKey)}, not S{(int)Scheme}; resume with --scheme S{resumeFrom.Scalar(SchemeKey)}");
            }

            recorder.Restore(resumeFrom, value);
            stepMax = resumeFrom.Scalar(StepMaxKey);
            firstIteration = resumeFrom.Iteration + 1;
        }
        else if (recorder.Begin(value, view.GradientNorm))
        {
            return recorder.Finish(view.ToEta(x), value, 0, TerminationReason.GradientConverged);
        }
        else
        {
            Offer(0);
        }

        void Offer(int iteration) => recorder.Offer(iteration, value, () => view.ToEta(x), () => new Dictionary<string, double[]>
        {
            [IterateKey] = x.ToArray(),
            [StepMaxKey] = [stepMax],
            [SchemeKey] = [(double)Scheme],
        });

        for (int iteration = firstIteration; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(view.ToEta(x), value, iteration - 1, TerminationReason.Cancelled);
            }

            // The R package's convergence test: stop on an EM step shorter than the tolerance.
            FitResult Stop(double[] last)
            {
                double lastValue = view.Value(last);
                recorder.Record(iteration, lastValue, view.GradientNorm, "EM step below the parameter tolerance");
                return recorder.Finish(view.ToEta(last), lastValue, iteration, TerminationReason.ParametersConverged);
            }

            view.Map(x, first);
            if (Converged(recorder, view, x, first))
            {
                return Stop(first);
            }

            view.Map(first, second);
            if (Converged(recorder, view, first, second))
            {
                return Stop(second);
            }

            double rr = 0, rv = 0, vv = 0;
            for (int i = 0; i < n; i++)
            {
                double r = first[i] - x[i];
                double v = second[i] - 2 * first[i] + x[i];
                rr += r * r;
                rv += r * v;
                vv += v * v;
            }

            double alpha = Scheme switch
            {
                SquaremScheme.S1 => -rv / vv,
                SquaremScheme.S2 => -rr / rv,
                _ => Math.Sqrt(rr / vv),
            };
            alpha = double.IsFinite(alpha) ? Math.Max(stepMin, Math.Min(stepMax, alpha)) : 1;
            double candidateValue = Extrapolate(view, x, first, second, alpha, candidate, out bool valid);
            string note = $"α = {alpha:G4}";

            // Rounding allowance: near the optimum ℓ differs between points by a few ulps of the sum, and
            // rejecting on that noise would stall the extrapolation exactly where it should finish.
            double floor = value - 1e-12 * Math.Abs(value);
            if (!(candidateValue >= floor))
            {
                note = $"extrapolation with α = {alpha:G4} rejected ({(valid ? "ℓ would fall" : "invalid parameters")}); EM step taken";
                second.CopyTo(candidate, 0);
                candidateValue = view.Value(candidate);
                if (alpha == stepMax)
                {
                    stepMax = Math.Max(1, stepMax / StepGrowth);
                }
            }

            if (alpha == stepMax)
            {
                stepMax *= StepGrowth;
            }

            if (view.Record(recorder, iteration, value, candidateValue, note, x, candidate) is { } result)
            {
                return result;
            }

            value = candidateValue;
            (x, candidate) = (candidate, x);
            Offer(iteration);
        }

        return recorder.Finish(view.ToEta(x), value, options.MaxIterations, TerminationReason.IterationLimit);
    }

    /// <summary>x' = x + 2αr + α²v, stabilised by one EM step when α ≠ 1; returns ℓ there (−∞ when invalid).</summary>
    private static double Extrapolate(FixedPointView view, double[] x, double[] first, double[] second, double alpha, double[] candidate, out bool valid)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double r = first[i] - x[i];
            double v = second[i] - 2 * first[i] + x[i];
            candidate[i] = x[i] + 2 * alpha * r + alpha * alpha * v;
        }

        valid = Math.Abs(alpha - 1) <= 0.01 || view.TryMap(candidate, candidate);
        return valid ? view.Value(candidate) : double.NegativeInfinity;
    }

    private static bool Converged(RunRecorder recorder, FixedPointView view, double[] from, double[] to) =>
        recorder.ParametersConverged(view.ToEta(from), view.ToEta(to));
}
