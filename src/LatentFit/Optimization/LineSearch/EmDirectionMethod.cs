using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.LineSearch;

/// <summary>How a method turns ∇ℓ and the EM step g̃ into a search direction and learns from each step (QN2, EM-CG).</summary>
internal interface IEmDirectionRule
{
    /// <summary>
    /// Writes the direction at the current point, where ∇ℓ = <paramref name="gradient"/> and g̃ = <paramref name="emStep"/>;
    /// returns true when it is g̃ itself.
    /// </summary>
    bool Direction(ReadOnlySpan<double> gradient, ReadOnlySpan<double> emStep, Span<double> direction);

    /// <summary>
    /// Learns from the step just taken: Δη, Δ∇ℓ and Δg̃ between the two points, the new ∇ℓ and g̃, and the direction
    /// taken (g̃ of the old point when <paramref name="restarted"/>).
    /// </summary>
    void Update(ReadOnlySpan<double> deltaPoint, ReadOnlySpan<double> deltaGradient, ReadOnlySpan<double> deltaEmStep, ReadOnlySpan<double> gradient, ReadOnlySpan<double> emStep, ReadOnlySpan<double> direction, bool restarted);
}

/// <summary>
/// The iteration shared by the methods that search along directions built from ∇ℓ and the EM step g̃ = M(η) − η
/// (Jamshidian &amp; Jennrich 1993, 1997): at each point one pass gives ℓ, ∇ℓ and M(η) (the problem's cache serves the
/// EM map from the line search's last probe), the rule gives a direction, <see cref="EmDirectionSearch"/> steps along it
/// with its fallbacks, and the rule learns from the step. The run stops with
/// <see cref="TerminationReason.LineSearchFailed"/> where no step raises ℓ.
/// </summary>
internal static class EmDirectionMethod
{
    public static FitResult Run(string name, IEmDirectionRule rule, double curvature, FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink, CancellationToken cancellationToken)
    {
        var (recorder, x, g, value, norm, finished) = GradientStart.Begin(name, problem, start, options, sink);
        if (finished is not null)
        {
            return finished;
        }

        int n = x.Length;
        var search = new EmDirectionSearch(problem, n, curvature);
        var image = new double[n];
        var emStep = new double[n];
        var direction = new double[n];
        var newX = new double[n];
        var newG = new double[n];
        var newImage = new double[n];
        var newEmStep = new double[n];
        var deltaX = new double[n];
        var deltaG = new double[n];
        var deltaEmStep = new double[n];
        problem.EmMap(x, image);
        EmDirectionSearch.EmDirection(x, image, emStep);
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(x, value, iteration - 1, TerminationReason.Cancelled);
            }

            bool isEmStep = rule.Direction(g, emStep, direction);
            var outcome = search.Step(x, value, g, image, direction, isEmStep, newX, newG);
            if (!outcome.Success)
            {
                recorder.AnnotateLast("no step from here raises ℓ: the line search failed along the direction and the EM step, and the EM step itself lowers ℓ");
                return recorder.Finish(x, value, iteration - 1, TerminationReason.LineSearchFailed);
            }

            problem.EmMap(newX, newImage);
            EmDirectionSearch.EmDirection(newX, newImage, newEmStep);
            for (int i = 0; i < n; i++)
            {
                deltaX[i] = newX[i] - x[i];
                deltaG[i] = newG[i] - g[i];
                deltaEmStep[i] = newEmStep[i] - emStep[i];
            }

            rule.Update(deltaX, deltaG, deltaEmStep, newG, newEmStep, direction, outcome.Restarted);
            norm = System.Numerics.Tensors.TensorPrimitives.Norm<double>(newG);
            recorder.Record(iteration, outcome.Value, norm, outcome.Note);
            if (recorder.Check(value, outcome.Value, norm, x, newX) is { } reason)
            {
                return recorder.Finish(newX, outcome.Value, iteration, reason);
            }

            value = outcome.Value;
            (x, newX) = (newX, x);
            (g, newG) = (newG, g);
            (image, newImage) = (newImage, image);
            (emStep, newEmStep) = (newEmStep, emStep);
        }

        return recorder.Finish(x, value, options.MaxIterations, TerminationReason.IterationLimit);
    }
}
