using System.Numerics.Tensors;
using LatentFit.Models.Abstractions;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;

namespace LatentFit.Optimization.Acceleration;

/// <summary>
/// The EM map as a fixed-point map on a flat vector x, for the accelerators: x is the natural parameters where the
/// model names them (weights, means, covariances, rates: the coordinates in which Varadhan &amp; Roland's SQUAREM
/// and its R package extrapolate), else η. An extrapolated x that is not a valid parameter (a negative weight, a
/// covariance that is not positive definite) has ℓ = −∞, so the accelerator's safeguard falls back to EM.
/// </summary>
internal sealed class FixedPointView
{
    private readonly FitProblem _problem;
    private readonly bool _natural;
    private readonly double[] _eta;
    private readonly double[] _etaNext;
    private readonly double[] _gradient;

    public FixedPointView(FitProblem problem)
    {
        _problem = problem;
        _natural = problem.HasNaturalParameters;
        _eta = new double[problem.ParameterCount];
        _etaNext = new double[problem.ParameterCount];
        _gradient = new double[problem.ParameterCount];
        Length = _natural ? problem.NaturalParameterNames.Count : problem.ParameterCount;
    }

    /// <summary>Length of x.</summary>
    public int Length { get; }

    /// <summary>‖∇ℓ‖ with respect to η at the point last given to <see cref="Value"/> (NaN without a gradient).</summary>
    public double GradientNorm { get; private set; } = double.NaN;

    public double[] FromEta(ReadOnlySpan<double> eta) => _natural ? _problem.NaturalParameters(eta) : eta.ToArray();

    public bool TryToEta(ReadOnlySpan<double> x, Span<double> eta) => _problem.TryUnconstrainedFromNatural(x, eta);

    /// <summary>ℓ(x), −∞ when x is not a valid parameter; also sets <see cref="GradientNorm"/>.</summary>
    public double Value(ReadOnlySpan<double> x)
    {
        GradientNorm = double.NaN;
        if (!TryToEta(x, _eta))
        {
            return double.NegativeInfinity;
        }

        if (!_problem.GradientSupport.IsExact)
        {
            return _problem.Value(_eta);
        }

        double value = _problem.ValueAndGradient(_eta, _gradient);
        GradientNorm = TensorPrimitives.Norm(_gradient);
        return value;
    }

    /// <summary>Writes F(x), the EM map's image, and returns true; false when x is not valid or the M-step fails there.</summary>
    public bool TryMap(ReadOnlySpan<double> x, Span<double> next)
    {
        if (!TryToEta(x, _eta))
        {
            return false;
        }

        try
        {
            _problem.EmMap(_eta, _etaNext);
        }
        catch (ModelFailureException)
        {
            return false;
        }

        FromEta(_etaNext).CopyTo(next);
        return true;
    }

    /// <summary>F(x) where x is known to be valid (an iterate the accelerator accepted): M-step failures propagate.</summary>
    public void Map(ReadOnlySpan<double> x, Span<double> next)
    {
        if (!TryToEta(x, _eta))
        {
            throw new ModelFailureException("an accepted iterate is not a valid parameter; this is a bug in the accelerator.");
        }

        _problem.EmMap(_eta, _etaNext);
        FromEta(_etaNext).CopyTo(next);
    }

    /// <summary>
    /// Records <paramref name="iteration"/> at <paramref name="to"/> (ℓ = <paramref name="value"/>, with the gradient norm
    /// of the last <see cref="Value"/>, which must have been at <paramref name="to"/>) and checks the stopping rules
    /// on the move from <paramref name="from"/> (ℓ = <paramref name="previous"/>); returns the result when one holds.
    /// </summary>
    public FitResult? Record(RunRecorder recorder, int iteration, double previous, double value, string note, ReadOnlySpan<double> from, ReadOnlySpan<double> to)
    {
        recorder.Record(iteration, value, GradientNorm, note);
        var toEta = ToEta(to);
        return recorder.Check(previous, value, GradientNorm, ToEta(from), toEta) is { } reason
            ? recorder.Finish(toEta, value, iteration, reason)
            : null;
    }

    /// <summary>η for the final x.</summary>
    public double[] ToEta(ReadOnlySpan<double> x)
    {
        var eta = new double[_problem.ParameterCount];
        if (!TryToEta(x, eta))
        {
            throw new ModelFailureException("the final iterate is not a valid parameter; this is a bug in the accelerator.");
        }

        return eta;
    }
}
