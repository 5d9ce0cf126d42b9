using System.Numerics.Tensors;
using LatentFit.Models.Abstractions;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.QuasiNewton;

/// <summary>
/// Jamshidian &amp; Jennrich's (1997) QN1: Broyden's method for the zero of the EM step g̃(θ) = M(θ) − θ, with M the
/// EM map. The iteration is θₖ₊₁ = θₖ − Aₖg̃ₖ, where A approximates the inverse Jacobian of g̃ (J_M − I)⁻¹; it starts
/// at A₀ = −I, so the first step is exactly EM's, and after each step takes Broyden's rank-one update of the inverse
/// (J&amp;J 1997, §3; Broyden's "good" update B₊ = B + (Δg̃ − BΔθ)Δθᵀ/ΔθᵀΔθ of Nocedal &amp; Wright, 2nd ed., §11.1,
/// inverted by Sherman–Morrison): A₊ = A + (Δθ − AΔg̃)ΔθᵀA / (ΔθᵀAΔg̃). It uses the EM map and ℓ only, so it runs on
/// models without a gradient, as SQUAREM does.
/// </summary>
/// <remarks>
/// <para>
/// Coordinates: the natural parameters where the model names them (weights, means, covariances, rates, transition
/// probabilities: J&amp;J's θ, and the coordinates in which SQUAREM extrapolates), else η. Broyden's method is
/// invariant under affine changes of variables only, and in η the EM map can be far from affine: an HMM's initial
/// distribution, which EM puts on a vertex of the simplex in one step, is a logit at the floor there, and Broyden
/// steps that extrapolate it were rejected at every iteration. In the natural parameters the steps stay on the
/// simplices' affine hulls (A maps vectors that sum to zero over a simplex to such vectors, by induction on the
/// update), and a step that leaves the valid region (a negative weight or rate, a covariance that is not positive
/// definite) is caught as invalid. The first step and every fallback take the EM map's own η.
/// </para>
/// <para>
/// Safeguard: J&amp;J's QN1 has no line search and need not raise ℓ, and Broyden's method may head for any zero of g̃
/// (a saddle or a minimum of ℓ as well as a maximum). A Broyden step is therefore accepted only if it keeps ℓ within
/// rounding of its value at θₖ and the EM map can be applied at the new point; otherwise the iteration takes the EM
/// step M(θₖ), which cannot lower ℓ, resets A to −I and updates it with that EM step, exactly as a fresh start from
/// θₖ would (the trace note says so). The cost of a rejection is one more pass; the iteration stays monotone.
/// </para>
/// </remarks>
public sealed class Qn1Optimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "qn1";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        var recorder = new RunRecorder(Name, problem, options, sink);
        int n = start.Length;
        var eta = start.ToArray();
        var gradient = new double[n];
        double value = problem.ValueAndGradientIfAny(eta, gradient, out double norm);
        if (recorder.Begin(value, norm))
        {
            return recorder.Finish(eta, value, 0, TerminationReason.GradientConverged);
        }

        var image = new double[n];
        var candidate = new double[n];
        var candidateImage = new double[n];
        problem.EmMap(eta, image);
        var x = Natural(problem, eta);
        var step = Difference(Natural(problem, image), x);
        var inverse = new BroydenInverse(x.Length);
        var proposal = new double[x.Length];
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(eta, value, iteration - 1, TerminationReason.Cancelled);
            }

            string? note = null;
            double candidateValue;
            if (iteration == 1)
            {
                // A₀ = −I: x − A₀g̃ = M(x); taken as the EM map's own η so that the first step is EM's to the bit.
                image.CopyTo(candidate, 0);
                candidateValue = ValueAndImage(problem, candidate, gradient, candidateImage, out norm);
            }
            else
            {
                inverse.Step(x, step, proposal);
                candidateValue = ToEta(problem, proposal, candidate)
                    ? ValueAndImage(problem, candidate, gradient, candidateImage, out norm)
                    : double.NegativeInfinity;

                // Rounding allowance as in SquaremOptimizer: near the maximum ℓ differs between points by a few
                // ulps of the sum, and rejecting on that noise would stall the iteration where it should finish.
                double floor = value - 1e-12 * Math.Abs(value);
                if (!(candidateValue >= floor))
                {
                    note = $"Broyden step rejected ({(double.IsFinite(candidateValue) ? "ℓ would fall" : "invalid parameters")}); EM step taken, A reset to −I";
                    inverse.Reset();
                    image.CopyTo(candidate, 0);
                    candidateValue = ValueAndImage(problem, candidate, gradient, candidateImage, out norm);
                }
            }

            if (!double.IsFinite(candidateValue))
            {
                throw new ModelFailureException("the EM step led to parameters where the log-likelihood is not finite; choose another start.");
            }

            var candidateX = Natural(problem, candidate);
            var candidateStep = Difference(Natural(problem, candidateImage), candidateX);
            inverse.Update(x, candidateX, step, candidateStep);
            recorder.Record(iteration, candidateValue, norm, note);
            if (recorder.Check(value, candidateValue, norm, eta, candidate) is { } reason)
            {
                return recorder.Finish(candidate, candidateValue, iteration, reason);
            }

            value = candidateValue;
            (eta, candidate) = (candidate, eta);
            (image, candidateImage) = (candidateImage, image);
            (x, step) = (candidateX, candidateStep);
        }

        return recorder.Finish(eta, value, options.MaxIterations, TerminationReason.IterationLimit);
    }

    /// <summary>The coordinates of the iteration: the natural parameters where the model names them, else η.</summary>
    private static double[] Natural(FitProblem problem, double[] eta) => problem.HasNaturalParameters ? problem.NaturalParameters(eta) : (double[])eta.Clone();

    /// <summary>η for a point of the iteration; false when it is not a valid parameter.</summary>
    private static bool ToEta(FitProblem problem, double[] x, double[] eta)
    {
        if (problem.HasNaturalParameters)
        {
            return problem.TryUnconstrainedFromNatural(x, eta);
        }

        x.CopyTo(eta, 0);
        return true;
    }

    /// <summary>
    /// ℓ at <paramref name="point"/> (with ∇ℓ's norm where the model has one) and the EM map's image there, from one
    /// pass; −∞ when ℓ is not finite or the M-step fails there.
    /// </summary>
    private static double ValueAndImage(FitProblem problem, double[] point, double[] gradient, double[] image, out double norm)
    {
        double value = problem.ValueAndGradientIfAny(point, gradient, out norm);
        if (!double.IsFinite(value))
        {
            return double.NegativeInfinity;
        }

        try
        {
            problem.EmMap(point, image);
        }
        catch (ModelFailureException)
        {
            return double.NegativeInfinity;
        }

        return value;
    }

    private static double[] Difference(double[] a, double[] b)
    {
        var difference = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            difference[i] = a[i] - b[i];
        }

        return difference;
    }

    /// <summary>A ≈ (∂g̃/∂θ)⁻¹, dense n × n, row-major, with Broyden's inverse update.</summary>
    internal sealed class BroydenInverse
    {
        private readonly int _n;
        private readonly double[] _matrix;
        private readonly double[] _deltaPoint;
        private readonly double[] _deltaStep;
        private readonly double[] _residual;
        private readonly double[] _row;

        public BroydenInverse(int n)
        {
            _n = n;
            _matrix = new double[n * n];
            _deltaPoint = new double[n];
            _deltaStep = new double[n];
            _residual = new double[n];
            _row = new double[n];
            Reset();
        }

        /// <summary>A = −I (J&amp;J's A₀), under which a quasi-Newton step is the EM step.</summary>
        public void Reset()
        {
            Array.Clear(_matrix);
            for (int i = 0; i < _n; i++)
            {
                _matrix[i * _n + i] = -1;
            }
        }

        /// <summary>θ − A g̃.</summary>
        public void Step(ReadOnlySpan<double> point, ReadOnlySpan<double> emStep, Span<double> next)
        {
            for (int i = 0; i < _n; i++)
            {
                next[i] = point[i] - TensorPrimitives.Dot(_matrix.AsSpan(i * _n, _n), emStep);
            }
        }

        /// <summary>
        /// A₊ = A + (Δθ − AΔg̃)(ΔθᵀA) / (ΔθᵀAΔg̃); skipped when the denominator vanishes to rounding (the secant
        /// pair then carries no usable information, and dividing by it would blow A up).
        /// </summary>
        public void Update(ReadOnlySpan<double> point, ReadOnlySpan<double> next, ReadOnlySpan<double> step, ReadOnlySpan<double> nextStep)
        {
            for (int i = 0; i < _n; i++)
            {
                _deltaPoint[i] = next[i] - point[i];
                _deltaStep[i] = nextStep[i] - step[i];
            }

            double denominator = 0, pointNorm = 0, productNorm = 0;
            for (int i = 0; i < _n; i++)
            {
                double product = 0, row = 0;
                for (int j = 0; j < _n; j++)
                {
                    product += _matrix[i * _n + j] * _deltaStep[j];
                    row += _deltaPoint[j] * _matrix[j * _n + i];
                }

                _residual[i] = _deltaPoint[i] - product;
                _row[i] = row;
                denominator += _deltaPoint[i] * product;
                pointNorm += _deltaPoint[i] * _deltaPoint[i];
                productNorm += product * product;
            }

            if (!(Math.Abs(denominator) > 1e-12 * Math.Sqrt(pointNorm * productNorm)) || !double.IsFinite(denominator))
            {
                return;
            }

            for (int i = 0; i < _n; i++)
            {
                double scale = _residual[i] / denominator;
                for (int j = 0; j < _n; j++)
                {
                    _matrix[i * _n + j] += scale * _row[j];
                }
            }
        }
    }
}
