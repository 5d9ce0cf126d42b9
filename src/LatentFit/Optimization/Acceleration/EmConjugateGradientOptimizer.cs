using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.LineSearch;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Acceleration;

/// <summary>
/// Jamshidian &amp; Jennrich's (1993) conjugate-gradient acceleration of EM: the EM step g̃(η) = M(η) − η ≈ (−∇²Q)⁻¹∇ℓ
/// is a generalised gradient, ∇ℓ preconditioned by the complete-data information, and the method is preconditioned
/// nonlinear CG with it: d₀ = g̃₀ (the EM step), dₖ = g̃ₖ + βₖdₖ₋₁ with the Hestenes–Stiefel βₖ in that metric,
/// βₖ = −g̃ₖᵀ(gₖ − gₖ₋₁) / dₖ₋₁ᵀ(gₖ − gₖ₋₁), g = ∇ℓ (J&amp;J 1993, §2–3; Nocedal &amp; Wright, 2nd ed., eq. 5.46 and
/// Alg. 5.3 with the preconditioner (−∇²Q)⁻¹, for ascent). With exact line searches on a quadratic ℓ the directions
/// are conjugate, dₖᵀ∇²ℓ dₖ₋₁ = 0. Restarted along g̃ every P iterations (P = the number of parameters) and whenever
/// the direction is not one of ascent; strong-Wolfe line search with c₂ = 0.1 as CG needs (see
/// <see cref="EmDirectionSearch"/>).
/// </summary>
public sealed class EmConjugateGradientOptimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "em-cg";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        EmDirectionMethod.Run(Name, new ConjugacyRule(start.Length), 0.1, problem, start, options, sink, cancellationToken);

    /// <summary>The last direction and βₖ for the next.</summary>
    internal sealed class ConjugacyRule(int n) : IEmDirectionRule
    {
        private readonly double[] _previous = new double[n];
        private double _beta;
        private int _sinceRestart = -1;

        public bool Direction(ReadOnlySpan<double> gradient, ReadOnlySpan<double> emStep, Span<double> direction)
        {
            bool restart = _sinceRestart < 0 || _sinceRestart >= n;
            for (int i = 0; i < n; i++)
            {
                direction[i] = restart ? emStep[i] : emStep[i] + _beta * _previous[i];
            }

            if (restart)
            {
                _sinceRestart = 0;
            }

            return restart;
        }

        public void Update(ReadOnlySpan<double> deltaPoint, ReadOnlySpan<double> deltaGradient, ReadOnlySpan<double> deltaEmStep, ReadOnlySpan<double> gradient, ReadOnlySpan<double> emStep, ReadOnlySpan<double> direction, bool restarted)
        {
            double numerator = 0, denominator = 0;
            for (int i = 0; i < n; i++)
            {
                numerator += emStep[i] * deltaGradient[i];
                denominator += direction[i] * deltaGradient[i];
            }

            direction.CopyTo(_previous);
            _beta = -numerator / denominator;
            _sinceRestart = restarted ? 1 : _sinceRestart + 1;

            // Without curvature along the last direction (a fallback EM step, rounding at the end) β means nothing.
            if (!double.IsFinite(_beta) || !(denominator < 0))
            {
                _sinceRestart = -1;
            }
        }
    }
}
