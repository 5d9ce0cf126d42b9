using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;

namespace LatentFit.Objectives;

/// <summary>
/// What an optimiser sees of a model bound to data: a flat unconstrained vector η, the log-likelihood ℓ(η),
/// its gradient, and the EM map η ↦ η'. One E-step pass at η yields all three; the problem caches the
/// η it last evaluated, so an EM step, a gradient and a line-search probe at the same η share one pass,
/// and it counts the passes over the data.
/// </summary>
public abstract class FitProblem
{
    /// <summary>Length of η.</summary>
    public abstract int ParameterCount { get; }

    /// <summary>Whether <see cref="ValueAndGradient"/> is available (Fisher's identity holds for the model).</summary>
    public abstract GradientSupport GradientSupport { get; }

    /// <summary>Total weight of the observations, N.</summary>
    public abstract double Observations { get; }

    /// <summary>E-step evaluations over the data so far (each yields ℓ, the statistics and the gradient at one η).</summary>
    public long Passes { get; protected set; }

    /// <summary>ℓ(η); −∞ when η maps to numerically invalid parameters (e.g. a singular covariance at a line-search probe).</summary>
    public abstract double Value(ReadOnlySpan<double> eta);

    /// <summary>ℓ(η) and ∇ℓ(η) with respect to η.</summary>
    /// <exception cref="GradientNotDefinedException">Fisher's identity does not hold for the model.</exception>
    public abstract double ValueAndGradient(ReadOnlySpan<double> eta, Span<double> gradient);

    /// <summary>The EM map: writes η' = η(M-step(E-step(θ(η)))) and returns ℓ(η).</summary>
    /// <exception cref="ModelFailureException">The M-step cannot be taken (a collapsed component, a singular covariance, ℓ(η) = −∞).</exception>
    public abstract double EmMap(ReadOnlySpan<double> eta, Span<double> next);

    /// <summary>Throws a clear error when the gradient is not available; called by optimisers that need it.</summary>
    public void RequireGradient(string algorithm)
    {
        if (!GradientSupport.IsExact)
        {
            throw new GradientNotDefinedException(algorithm, GradientSupport.Reason ?? "Fisher's identity does not hold");
        }
    }
}

/// <summary>A <see cref="FitProblem"/> for a concrete model and data set.</summary>
public sealed class FitProblem<TParams, TStats> : FitProblem
    where TStats : ISufficientStatistics<TStats>
{
    private readonly ExecutionOptions _execution;
    private double[]? _cachedEta;
    private TParams? _cachedTheta;
    private TStats? _cachedStats;
    private double _cachedValue;
    private double[]? _cachedGradient;

    /// <summary>Binds a model to data.</summary>
    public FitProblem(ILatentVariableModel<TParams, TStats> model, DataSet data, ExecutionOptions? execution = null)
    {
        Model = model;
        Data = data;
        _execution = execution ?? ExecutionOptions.Default;
        double total = 0;
        if (data.RowWeights is { } weights)
        {
            foreach (double w in weights.Span)
            {
                total += w;
            }
        }
        else
        {
            total = data.Rows;
        }

        Observations = total;
    }

    /// <summary>The model.</summary>
    public ILatentVariableModel<TParams, TStats> Model { get; }

    /// <summary>The data.</summary>
    public DataSet Data { get; }

    /// <inheritdoc/>
    public override int ParameterCount => Model.ParameterCount;

    /// <inheritdoc/>
    public override GradientSupport GradientSupport => Model.GradientSupport;

    /// <inheritdoc/>
    public override double Observations { get; }

    /// <summary>θ for η.</summary>
    public TParams ToParameters(ReadOnlySpan<double> eta) => Model.FromUnconstrained(eta);

    /// <summary>η for θ.</summary>
    public double[] ToUnconstrained(TParams theta)
    {
        var eta = new double[Model.ParameterCount];
        Model.ToUnconstrained(theta, eta);
        return eta;
    }

    /// <summary>One E-step pass at θ (counted), bypassing the cache.</summary>
    public TStats Statistics(TParams theta)
    {
        Passes++;
        return ChunkedEStep.Run(Model, theta, Data, _execution);
    }

    /// <inheritdoc/>
    public override double Value(ReadOnlySpan<double> eta)
    {
        Evaluate(eta);
        return _cachedValue;
    }

    /// <inheritdoc/>
    public override double ValueAndGradient(ReadOnlySpan<double> eta, Span<double> gradient)
    {
        RequireGradient("this optimiser");
        Evaluate(eta);
        if (_cachedGradient is null)
        {
            _cachedGradient = new double[ParameterCount];
            if (double.IsFinite(_cachedValue))
            {
                Model.Gradient(_cachedTheta!, _cachedStats!, _cachedGradient);
            }
            else
            {
                Array.Fill(_cachedGradient, double.NaN);
            }
        }

        _cachedGradient.CopyTo(gradient);
        return _cachedValue;
    }

    /// <inheritdoc/>
    public override double EmMap(ReadOnlySpan<double> eta, Span<double> next)
    {
        Evaluate(eta);
        if (_cachedStats is null || !double.IsFinite(_cachedValue))
        {
            throw new ModelFailureException("the log-likelihood at the current parameters is not finite, so no EM step can be taken from them; start from other parameters.");
        }

        var updated = Model.Maximize(_cachedTheta!, _cachedStats);
        Model.ToUnconstrained(updated, next);
        return _cachedValue;
    }

    private void Evaluate(ReadOnlySpan<double> eta)
    {
        if (_cachedEta is not null && eta.SequenceEqual(_cachedEta))
        {
            return;
        }

        _cachedEta = eta.ToArray();
        _cachedGradient = null;
        _cachedStats = default;
        _cachedTheta = default;
        _cachedValue = double.NegativeInfinity;
        foreach (double v in eta)
        {
            if (!double.IsFinite(v))
            {
                return;
            }
        }

        try
        {
            var theta = Model.FromUnconstrained(eta);
            var stats = Statistics(theta);
            _cachedTheta = theta;
            _cachedStats = stats;
            _cachedValue = double.IsNaN(stats.LogLikelihood) ? double.NegativeInfinity : stats.LogLikelihood;
        }
        catch (SingularCovarianceException)
        {
            // A probe whose parameters are numerically invalid has ℓ = −∞: line searches step back from it.
        }
    }
}
