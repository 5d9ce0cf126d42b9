using System.Numerics.Tensors;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.LineSearch;
using LatentFit.Tracing;

namespace LatentFit.Optimization.QuasiNewton;

/// <summary>
/// Jamshidian &amp; Jennrich's (1997) QN2: a BFGS-type method on ℓ that uses the EM step as the part of the Newton step
/// it already knows. Near the maximum g̃(η) = M(η) − η ≈ (−∇²Q)⁻¹g with g = ∇ℓ and ∇²Q the complete-data Hessian, so the
/// Newton step (−∇²ℓ)⁻¹g = g̃ − Sg with S ≈ (−∇²Q)⁻¹ − (−∇²ℓ)⁻¹ (up to first order); S starts at 0, so the first
/// direction is the EM step, and is learnt by J&amp;J's (1997, §4) BFGS-form update, which makes S₊Δg = Δη + Δg̃ exact:
/// ΔS = (1 + ΔgᵀΔη̃ / ΔgᵀΔη) ΔηΔηᵀ / ΔgᵀΔη − (Δη̃Δηᵀ + ΔηΔη̃ᵀ) / ΔgᵀΔη, with Δη̃ = −Δg̃ + SΔg.
/// Each direction d = g̃ − Sg is searched by a strong-Wolfe line search from α = 1; a direction that is not one of
/// ascent, or along which the search fails, restarts with S = 0 (see <see cref="EmDirectionSearch"/>).
/// </summary>
public sealed class Qn2Optimizer : IOptimizer
{
    /// <inheritdoc/>
    public string Name => "qn2";

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default) =>
        EmDirectionMethod.Run(Name, new SecantRule(start.Length), 0.9, problem, start, options, sink, cancellationToken);

    /// <summary>S, dense n × n and symmetric, with J&amp;J's update.</summary>
    internal sealed class SecantRule(int n) : IEmDirectionRule
    {
        private readonly double[] _matrix = new double[n * n];
        private readonly double[] _tilde = new double[n];
        private bool _zero = true;

        public bool Direction(ReadOnlySpan<double> gradient, ReadOnlySpan<double> emStep, Span<double> direction)
        {
            for (int i = 0; i < n; i++)
            {
                direction[i] = emStep[i] - TensorPrimitives.Dot(_matrix.AsSpan(i * n, n), gradient);
            }

            return _zero;
        }

        public void Update(ReadOnlySpan<double> deltaPoint, ReadOnlySpan<double> deltaGradient, ReadOnlySpan<double> deltaEmStep, ReadOnlySpan<double> gradient, ReadOnlySpan<double> emStep, ReadOnlySpan<double> direction, bool restarted)
        {
            if (restarted)
            {
                Array.Clear(_matrix);
                _zero = true;
            }

            double curvature = 0, tildeCurvature = 0, pointNorm = 0, gradientNorm = 0;
            for (int i = 0; i < n; i++)
            {
                double product = 0;
                for (int j = 0; j < n; j++)
                {
                    product += _matrix[i * n + j] * deltaGradient[j];
                }

                _tilde[i] = -deltaEmStep[i] + product;
                curvature += deltaGradient[i] * deltaPoint[i];
                tildeCurvature += deltaGradient[i] * _tilde[i];
                pointNorm += deltaPoint[i] * deltaPoint[i];
                gradientNorm += deltaGradient[i] * deltaGradient[i];
            }

            // ℓ is concave along the step (ΔgᵀΔη < 0) whenever the Wolfe curvature condition holds; a pair without
            // that curvature (a fallback EM step, rounding at the end) is skipped, as BFGS skips sᵀy ≤ 0.
            if (!(curvature < -1e-12 * Math.Sqrt(pointNorm * gradientNorm)))
            {
                return;
            }

            double scale = (1 + tildeCurvature / curvature) / curvature;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    _matrix[i * n + j] += scale * deltaPoint[i] * deltaPoint[j] - (_tilde[i] * deltaPoint[j] + deltaPoint[i] * _tilde[j]) / curvature;
                }
            }

            _zero = false;
        }
    }
}
