using System.Numerics.Tensors;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.LineSearch;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.QuasiNewton;

/// <summary>
/// Limited-memory BFGS on f = −ℓ(η) (Nocedal &amp; Wright, 2nd ed., Alg. 7.4 and 7.5), with the two-loop
/// recursion, the initial scaling γ = sᵀy / yᵀy (eq. 7.20), and a strong-Wolfe line search so that sᵀy &gt; 0.
/// </summary>
/// <remarks>
/// Written here rather than taken from a library because each function evaluation is a pass over the data
/// that must go through <see cref="FitProblem"/> (cached, counted, traced), which the general-purpose
/// minimisers available for .NET do not allow without extra passes.
/// </remarks>
public sealed class LbfgsOptimizer : IResumableOptimizer
{
    /// <inheritdoc/>
    public string Name => "lbfgs";

    private const string GradientKey = "gradient";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        Run(problem, start, null, null, options, sink, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// The state holds the correction pairs (sₖ, yₖ, ρₖ in their ring, the newest slot and the count) and ∇f at η;
    /// the gradient is recomputed on resuming only to refill the problem's cache and check ℓ.
    /// </remarks>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, OptimizerState? resumeFrom, ICheckpointSink? checkpoints, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        if (resumeFrom is not null)
        {
            return Resume(problem, resumeFrom, checkpoints, options, sink, cancellationToken);
        }

        var (recorder, x, g, logLikelihood, _, finished) = GradientStart.Begin(Name, problem, start, options, sink, checkpoints);
        if (finished is not null)
        {
            return finished;
        }

        // Minimises f = −ℓ, whose gradient is g = −∇ℓ.
        TensorPrimitives.Negate(g, g);
        var memory = new CorrectionPairs(options.LbfgsMemory, x.Length);
        recorder.Offer(0, logLikelihood, () => x, () => memory.Save(g));
        return Iterate(problem, recorder, x, g, -logLikelihood, memory, 1, options, cancellationToken);
    }

    private FitResult Resume(FitProblem problem, OptimizerState state, ICheckpointSink? checkpoints, FitOptions options, ITraceSink? sink, CancellationToken cancellationToken)
    {
        problem.RequireGradient(Name);
        var recorder = RunRecorder.Resumable(Name, problem, options, sink, state, checkpoints, out var finished);
        if (finished is not null)
        {
            return finished;
        }

        var x = state.Point.ToArray();
        var g = new double[x.Length];
        recorder.Restore(state, problem.ValueAndGradient(x, g));
        state.Vector(GradientKey, x.Length).CopyTo(g, 0);
        var memory = new CorrectionPairs(options.LbfgsMemory, x.Length);
        memory.Restore(state);
        return Iterate(problem, recorder, x, g, -state.LogLikelihood, memory, state.Iteration + 1, options, cancellationToken);
    }

    private static FitResult Iterate(FitProblem problem, RunRecorder recorder, double[] x, double[] g, double f, CorrectionPairs memory, int firstIteration, FitOptions options, CancellationToken cancellationToken)
    {
        int n = x.Length;
        double norm;
        var lineSearch = new WolfeLineSearch();
        var direction = new double[n];
        var newX = new double[n];
        var newG = new double[n];
        for (int iteration = firstIteration; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(x, -f, iteration - 1, TerminationReason.Cancelled);
            }

            memory.Direction(g, direction);
            bool steepest = memory.Count == 0;
            if (!(TensorPrimitives.Dot(direction, g) < 0))
            {
                memory.Clear();
                memory.Direction(g, direction);
                steepest = true;
            }

            // Without curvature information, a first step of unit length in η; otherwise the quasi-Newton step α = 1.
            double initial = steepest ? Math.Min(1, 1 / TensorPrimitives.Norm(g)) : 1;
            var outcome = lineSearch.Search(problem, x, f, g, direction, initial, newX, newG);
            if (!outcome.Success && !steepest)
            {
                memory.Clear();
                memory.Direction(g, direction);
                outcome = lineSearch.Search(problem, x, f, g, direction, Math.Min(1, 1 / TensorPrimitives.Norm(g)), newX, newG);
            }

            if (!outcome.Success)
            {
                return recorder.Finish(x, -f, iteration - 1, TerminationReason.LineSearchFailed);
            }

            memory.Push(x, newX, g, newG);
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

            recorder.Offer(iteration, -f, () => x, () => memory.Save(g));
        }

        return recorder.Finish(x, -f, options.MaxIterations, TerminationReason.IterationLimit);
    }

    /// <summary>The m most recent pairs sₖ = xₖ₊₁ − xₖ, yₖ = ∇fₖ₊₁ − ∇fₖ in a ring.</summary>
    private sealed class CorrectionPairs(int capacity, int dimension)
    {
        private readonly double[][] _s = Enumerable.Range(0, capacity).Select(_ => new double[dimension]).ToArray();
        private readonly double[][] _y = Enumerable.Range(0, capacity).Select(_ => new double[dimension]).ToArray();
        private readonly double[] _rho = new double[capacity];
        private readonly double[] _alpha = new double[capacity];
        private int _newest = -1;

        public int Count { get; private set; }

        /// <summary>The ring as named vectors, with the current gradient <paramref name="gradient"/> of f.</summary>
        public IReadOnlyDictionary<string, double[]> Save(ReadOnlySpan<double> gradient) => new Dictionary<string, double[]>
        {
            ["s"] = _s.SelectMany(v => v).ToArray(),
            ["y"] = _y.SelectMany(v => v).ToArray(),
            ["rho"] = _rho.ToArray(),
            ["newest"] = [_newest],
            ["count"] = [Count],
            [GradientKey] = gradient.ToArray(),
        };

        /// <summary>The ring <see cref="Save"/> wrote, which must be of this capacity (the same L-BFGS memory).</summary>
        public void Restore(OptimizerState state)
        {
            var s = state.Vector("s", capacity * dimension);
            var y = state.Vector("y", capacity * dimension);
            state.Vector("rho", capacity).CopyTo(_rho, 0);
            for (int slot = 0; slot < capacity; slot++)
            {
                s.AsSpan(slot * dimension, dimension).CopyTo(_s[slot]);
                y.AsSpan(slot * dimension, dimension).CopyTo(_y[slot]);
            }

            _newest = (int)state.Scalar("newest");
            Count = (int)state.Scalar("count");
        }

        public void Clear()
        {
            Count = 0;
            _newest = -1;
        }

        public void Push(ReadOnlySpan<double> x, ReadOnlySpan<double> newX, ReadOnlySpan<double> g, ReadOnlySpan<double> newG)
        {
            double sy = 0, ss = 0, yy = 0;
            for (int i = 0; i < dimension; i++)
            {
                double si = newX[i] - x[i], yi = newG[i] - g[i];
                sy += si * yi;
                ss += si * si;
                yy += yi * yi;
            }

            // Keep only pairs with positive curvature (guaranteed by Wolfe up to rounding), so H stays positive
            // definite; a rejected pair must not overwrite the oldest pair still in use.
            if (!(sy > 1e-12 * Math.Sqrt(ss * yy)))
            {
                return;
            }

            int slot = (_newest + 1) % capacity;
            var s = _s[slot];
            var y = _y[slot];
            for (int i = 0; i < dimension; i++)
            {
                s[i] = newX[i] - x[i];
                y[i] = newG[i] - g[i];
            }

            _rho[slot] = 1 / sy;
            _newest = slot;
            Count = Math.Min(Count + 1, capacity);
        }

        /// <summary>d = −H∇f by the two-loop recursion (N&amp;W Alg. 7.4).</summary>
        public void Direction(ReadOnlySpan<double> g, Span<double> direction)
        {
            g.CopyTo(direction);
            for (int j = 0; j < Count; j++)
            {
                int slot = (_newest - j + capacity) % capacity;
                _alpha[slot] = _rho[slot] * TensorPrimitives.Dot(_s[slot], direction);
                for (int i = 0; i < dimension; i++)
                {
                    direction[i] -= _alpha[slot] * _y[slot][i];
                }
            }

            if (Count > 0)
            {
                double gamma = TensorPrimitives.Dot(_s[_newest], _y[_newest]) / TensorPrimitives.Dot(_y[_newest], _y[_newest]);
                for (int i = 0; i < dimension; i++)
                {
                    direction[i] *= gamma;
                }
            }

            for (int j = Count - 1; j >= 0; j--)
            {
                int slot = (_newest - j + capacity) % capacity;
                double beta = _rho[slot] * TensorPrimitives.Dot(_y[slot], direction);
                for (int i = 0; i < dimension; i++)
                {
                    direction[i] += (_alpha[slot] - beta) * _s[slot][i];
                }
            }

            for (int i = 0; i < dimension; i++)
            {
                direction[i] = -direction[i];
            }
        }
    }
}
