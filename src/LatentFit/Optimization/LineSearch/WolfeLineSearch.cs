using LatentFit.Objectives;

namespace LatentFit.Optimization.LineSearch;

/// <summary>
/// A line search for the strong Wolfe conditions, by bracketing and zoom with safeguarded cubic interpolation
/// (Nocedal &amp; Wright, 2nd ed., Algorithms 3.5 and 3.6, eq. 3.59). It minimises φ(α) = f(x + αd) with
/// f = −ℓ, so the ascent problem reads as the textbook's descent one. A probe where ℓ is not finite counts as
/// too far and the bracket shrinks towards the last good step.
/// </summary>
internal sealed class WolfeLineSearch(double sufficientDecrease = 1e-4, double curvature = 0.9)
{
    private const int MaxBracketSteps = 30;
    private const int MaxZoomSteps = 40;

    /// <summary>An accepted step and the point, f = −ℓ and ∇f there.</summary>
    public readonly record struct Outcome(bool Success, double Step, double Value);

    /// <summary>
    /// Searches from x (where f = <paramref name="value"/>, ∇f = <paramref name="gradient"/>) along the descent
    /// direction <paramref name="direction"/>; on success writes the new point and its ∇f.
    /// </summary>
    public Outcome Search(FitProblem problem, ReadOnlySpan<double> x, double value, ReadOnlySpan<double> gradient, ReadOnlySpan<double> direction, double initialStep, Span<double> newPoint, Span<double> newGradient)
    {
        double slope0 = Dot(gradient, direction);
        if (!(slope0 < 0))
        {
            return new Outcome(false, 0, value);
        }

        var probe = new Probe(problem, x, direction, newPoint.Length);
        double previousStep = 0, previousValue = value, previousSlope = slope0;
        double step = initialStep;
        for (int i = 0; i < MaxBracketSteps; i++)
        {
            var (f, slope) = probe.Evaluate(step);
            if (!double.IsFinite(f) || f > value + sufficientDecrease * step * slope0 || (i > 0 && f >= previousValue))
            {
                return Zoom(probe, value, slope0, previousStep, previousValue, previousSlope, step, f, slope, newPoint, newGradient);
            }

            if (Math.Abs(slope) <= -curvature * slope0)
            {
                return probe.Accept(step, f, newPoint, newGradient);
            }

            if (slope >= 0)
            {
                return Zoom(probe, value, slope0, step, f, slope, previousStep, previousValue, previousSlope, newPoint, newGradient);
            }

            previousStep = step;
            previousValue = f;
            previousSlope = slope;
            step *= 2;
        }

        return new Outcome(false, 0, value);
    }

    private Outcome Zoom(Probe probe, double value0, double slope0, double low, double lowValue, double lowSlope, double high, double highValue, double highSlope, Span<double> newPoint, Span<double> newGradient)
    {
        for (int j = 0; j < MaxZoomSteps; j++)
        {
            double step = Interpolate(low, lowValue, lowSlope, high, highValue, highSlope);
            var (f, slope) = probe.Evaluate(step);
            if (!double.IsFinite(f) || f > value0 + sufficientDecrease * step * slope0 || f >= lowValue)
            {
                high = step;
                highValue = f;
                highSlope = slope;
            }
            else
            {
                if (Math.Abs(slope) <= -curvature * slope0)
                {
                    return probe.Accept(step, f, newPoint, newGradient);
                }

                if (slope * (high - low) >= 0)
                {
                    high = low;
                    highValue = lowValue;
                    highSlope = lowSlope;
                }

                low = step;
                lowValue = f;
                lowSlope = slope;
            }

            if (Math.Abs(high - low) <= 1e-14 * Math.Max(1, Math.Abs(low)))
            {
                break;
            }
        }

        // The bracket collapsed without the curvature condition; the low end still decreases f sufficiently.
        if (low > 0)
        {
            var (f, _) = probe.Evaluate(low);
            return probe.Accept(low, f, newPoint, newGradient);
        }

        return new Outcome(false, 0, value0);
    }

    /// <summary>Minimiser of the cubic through both ends (N&amp;W eq. 3.59), kept inside the middle 80% of the bracket; bisection when the cubic is unusable.</summary>
    private static double Interpolate(double a, double fa, double da, double b, double fb, double db)
    {
        double lo = Math.Min(a, b), hi = Math.Max(a, b), width = hi - lo;
        double candidate = double.NaN;
        if (double.IsFinite(fa) && double.IsFinite(fb) && double.IsFinite(da) && double.IsFinite(db))
        {
            double d1 = da + db - 3 * (fa - fb) / (a - b);
            double discriminant = d1 * d1 - da * db;
            if (discriminant >= 0)
            {
                double d2 = Math.Sign(b - a) * Math.Sqrt(discriminant);
                candidate = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
            }
        }

        if (!double.IsFinite(candidate) || candidate < lo + 0.1 * width || candidate > hi - 0.1 * width)
        {
            return lo + 0.5 * width;
        }

        return candidate;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    /// <summary>Evaluates φ and φ′ along the ray, one E-step pass per new step.</summary>
    private sealed class Probe(FitProblem problem, ReadOnlySpan<double> origin, ReadOnlySpan<double> direction, int length)
    {
        private readonly double[] _origin = origin.ToArray();
        private readonly double[] _direction = direction.ToArray();
        private readonly double[] _point = new double[length];
        private readonly double[] _gradient = new double[length];

        public (double Value, double Slope) Evaluate(double step)
        {
            for (int i = 0; i < _point.Length; i++)
            {
                _point[i] = _origin[i] + step * _direction[i];
            }

            double logLikelihood = problem.ValueAndGradient(_point, _gradient);
            if (!double.IsFinite(logLikelihood))
            {
                return (double.PositiveInfinity, double.NaN);
            }

            // f = −ℓ, ∇f = −∇ℓ.
            for (int i = 0; i < _gradient.Length; i++)
            {
                _gradient[i] = -_gradient[i];
            }

            return (-logLikelihood, Dot(_gradient, _direction));
        }

        public Outcome Accept(double step, double value, Span<double> point, Span<double> gradient)
        {
            _point.CopyTo(point);
            _gradient.CopyTo(gradient);
            return new Outcome(true, step, value);
        }
    }
}
