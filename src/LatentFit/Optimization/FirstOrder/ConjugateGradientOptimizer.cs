using System.Numerics.Tensors;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.LineSearch;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.FirstOrder;

/// <summary>
/// Nonlinear conjugate gradient on f = −ℓ(η), Polak–Ribière+ (Nocedal &amp; Wright, 2nd ed., eq. 5.44–5.45):
/// β = max(0, gₖ₊₁ᵀ(gₖ₊₁ − gₖ) / gₖᵀgₖ), restarted along −g every P iterations and whenever the direction is not
/// one of descent; strong-Wolfe line search with c₂ = 0.1 as CG needs. With the gradient from the E-step
/// statistics this is the expectation-conjugate-gradient method of Salakhutdinov, Roweis &amp; Ghahramani (2003).
/// </summary>
public sealed class ConjugateGradientOptimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "cg";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var (recorder, x, g, logLikelihood, norm, finished) = GradientStart.Begin(Name, problem, start, options, sink);
        if (finished is not null)
        {
            return finished;
        }

        // Minimises f = −ℓ, whose gradient is g = −∇ℓ.
        int n = x.Length;
        TensorPrimitives.Negate(g, g);
        double f = -logLikelihood;

        var lineSearch = new WolfeLineSearch(curvature: 0.1);
        var direction = new double[n];
        var newX = new double[n];
        var newG = new double[n];
        for (int i = 0; i < n; i++)
        {
            direction[i] = -g[i];
        }

        double previousStep = 1 / Math.Max(norm, double.Epsilon);
        double previousSlope = double.NaN;
        int sinceRestart = 0;
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(x, -f, iteration - 1, TerminationReason.Cancelled);
            }

            double slope = TensorPrimitives.Dot(g, direction);

            // N&W eq. 3.60: the first trial step assumes the first-order change equals the last one's.
            double initial = double.IsNaN(previousSlope) ? previousStep : Math.Min(1e10, previousStep * previousSlope / slope);
            var outcome = lineSearch.Search(problem, x, f, g, direction, initial, newX, newG);
            if (!outcome.Success && sinceRestart > 0)
            {
                Steepest(g, direction);
                sinceRestart = 0;
                slope = TensorPrimitives.Dot(g, direction);
                outcome = lineSearch.Search(problem, x, f, g, direction, 1 / TensorPrimitives.Norm(g), newX, newG);
            }

            if (!outcome.Success)
            {
                return recorder.Finish(x, -f, iteration - 1, TerminationReason.LineSearchFailed);
            }

            double gg = TensorPrimitives.Dot(g, g);
            double beta = Math.Max(0, (TensorPrimitives.Dot(newG, newG) - TensorPrimitives.Dot(newG, g)) / gg);
            previousStep = outcome.Step;
            previousSlope = slope;
            (x, newX) = (newX, x);
            (g, newG) = (newG, g);
            double previous = -f;
            f = outcome.Value;
            norm = TensorPrimitives.Norm(g);
            recorder.Record(iteration, -f, norm);
            if (recorder.Check(previous, -f, norm, newX, x) is { } reason)
            {
                return recorder.Finish(x, -f, iteration, reason);
            }

            sinceRestart++;
            for (int i = 0; i < n; i++)
            {
                direction[i] = -g[i] + beta * direction[i];
            }

            if (sinceRestart >= n || !(TensorPrimitives.Dot(g, direction) < 0))
            {
                Steepest(g, direction);
                sinceRestart = 0;
                previousSlope = double.NaN;
                previousStep = 1 / Math.Max(norm, double.Epsilon);
            }
        }

        return recorder.Finish(x, -f, options.MaxIterations, TerminationReason.IterationLimit);
    }

    private static void Steepest(ReadOnlySpan<double> g, Span<double> direction) => TensorPrimitives.Negate(g, direction);
}
