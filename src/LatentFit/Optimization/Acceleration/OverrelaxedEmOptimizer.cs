using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Acceleration;

/// <summary>
/// Adaptive over-relaxed EM (Salakhutdinov &amp; Roweis 2003): x' = x + ν(F(x) − x) with F the EM map. ν starts at
/// 1 (plain EM) and grows by a constant factor after every step that raises ℓ; a step that would lower ℓ (or
/// leave valid parameters) is replaced by the plain EM step F(x) and ν resets to 1. Runs in the natural
/// parameters (see <see cref="FixedPointView"/>).
/// </summary>
public sealed class OverrelaxedEmOptimizer(double growth = 1.5) : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "overrelaxed";

    /// <summary>The factor ν grows by after an accepted step.</summary>
    public double Growth { get; } = growth;

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = new RunRecorder(Name, problem, options, sink);
        var view = new FixedPointView(problem);
        int n = view.Length;
        var x = view.FromEta(start);
        var image = new double[n];
        var candidate = new double[n];
        double value = view.Value(x);
        if (recorder.Begin(value, view.GradientNorm))
        {
            return recorder.Finish(view.ToEta(x), value, 0, TerminationReason.GradientConverged);
        }

        double nu = 1;
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(view.ToEta(x), value, iteration - 1, TerminationReason.Cancelled);
            }

            view.Map(x, image);
            for (int i = 0; i < n; i++)
            {
                candidate[i] = x[i] + nu * (image[i] - x[i]);
            }

            double candidateValue = view.Value(candidate);
            string note = $"ν = {nu:G4}";
            // Over-relaxed steps must strictly raise ℓ: once ℓ is flat to rounding, ν would otherwise grow without
            // bound and the iterates wander along the flat top instead of settling.
            if (nu == 1 || candidateValue > value)
            {
                nu *= Growth;
            }
            else
            {
                note = $"step with ν = {nu:G4} would lower ℓ; EM step taken, ν reset to 1";
                nu = Growth;
                image.CopyTo(candidate, 0);
                candidateValue = view.Value(candidate);
            }

            if (view.Record(recorder, iteration, value, candidateValue, note, x, candidate) is { } result)
            {
                return result;
            }

            value = candidateValue;
            (x, candidate) = (candidate, x);
        }

        return recorder.Finish(view.ToEta(x), value, options.MaxIterations, TerminationReason.IterationLimit);
    }
}
