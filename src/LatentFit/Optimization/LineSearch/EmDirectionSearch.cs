using System.Numerics.Tensors;
using LatentFit.Objectives;

namespace LatentFit.Optimization.LineSearch;

/// <summary>
/// The step of the methods whose direction is built from the EM step g̃ = M(η) − η and ∇ℓ (QN2, EM-CG): a strong-Wolfe
/// search along the direction d; if d is not one of ascent (gᵀd ≤ 0) or the search fails along it, a restart along g̃
/// itself, EM's own direction (Jamshidian &amp; Jennrich 1993, §3; 1997, §4); and if that fails too, the EM step
/// M(η) itself, which cannot lower ℓ when M is the EM map of ℓ. Where it does lower ℓ beyond rounding (a regularised
/// M-step, whose fixed point is not ℓ's maximum) the step fails and the method stops there. Every accepted step
/// therefore raises ℓ (or leaves it, to rounding), and the note of the outcome says which fallback was taken.
/// </summary>
internal sealed class EmDirectionSearch(FitProblem problem, int dimension, double curvature)
{
    private readonly WolfeLineSearch _lineSearch = new(curvature: curvature);
    private readonly double[] _descent = new double[dimension];

    /// <summary>
    /// Where the step went: whether ℓ rose (to rounding), ℓ at the new point, whether the direction was replaced by g̃,
    /// and a note when it fell back.
    /// </summary>
    public readonly record struct Outcome(bool Success, double Value, bool Restarted, string? Note);

    /// <summary>
    /// Steps from <paramref name="point"/> (ℓ = <paramref name="value"/>, ∇ℓ = <paramref name="gradient"/>, EM image
    /// <paramref name="image"/>) along <paramref name="direction"/>, which is replaced by g̃ on a restart; writes the new
    /// point and ∇ℓ there. <paramref name="isEmStep"/> says that the direction already is g̃, so that it is not retried.
    /// </summary>
    public Outcome Step(ReadOnlySpan<double> point, double value, ReadOnlySpan<double> gradient, ReadOnlySpan<double> image, Span<double> direction, bool isEmStep, Span<double> newPoint, Span<double> newGradient)
    {
        // The Wolfe search minimises f = −ℓ, whose gradient is −∇ℓ.
        TensorPrimitives.Negate(gradient, _descent);
        string? note = null;
        bool restarted = false;
        if (!isEmStep && !(TensorPrimitives.Dot(gradient, direction) > 0))
        {
            EmDirection(point, image, direction);
            restarted = true;
            note = "not an ascent direction; restarted along the EM step";
        }

        // The directions are scaled like the EM step, so the natural first trial is α = 1 (J&J 1997, §4).
        var outcome = _lineSearch.Search(problem, point, -value, _descent, direction, 1, newPoint, newGradient);
        if (!outcome.Success && !isEmStep && !restarted)
        {
            EmDirection(point, image, direction);
            restarted = true;
            note = "line search failed; restarted along the EM step";
            outcome = _lineSearch.Search(problem, point, -value, _descent, direction, 1, newPoint, newGradient);
        }

        if (outcome.Success)
        {
            TensorPrimitives.Negate(newGradient, newGradient);
            return new Outcome(true, -outcome.Value, restarted, note);
        }

        // Along g̃ no step met the Wolfe conditions (ℓ flat to rounding, or g̃ not of ascent there): EM's step is
        // still monotone, so take it.
        image.CopyTo(newPoint);
        double newValue = problem.ValueAndGradient(newPoint, newGradient);
        EmDirection(point, image, direction);
        note = note is null ? "line search failed; EM step taken" : $"{note}; line search failed; EM step taken";

        // Rounding allowance as in SquaremOptimizer: near the maximum ℓ differs between points by a few ulps of the sum.
        return new Outcome(newValue >= value - 1e-12 * Math.Abs(value), newValue, true, note);
    }

    /// <summary>d = g̃ = M(η) − η.</summary>
    public static void EmDirection(ReadOnlySpan<double> point, ReadOnlySpan<double> image, Span<double> direction)
    {
        for (int i = 0; i < direction.Length; i++)
        {
            direction[i] = image[i] - point[i];
        }
    }
}
