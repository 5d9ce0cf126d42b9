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

    /// <summary>
    /// The step for a finite difference in coordinate i of η: <paramref name="fraction"/> of the coordinate's
    /// natural scale where the model gives one (see <see cref="IParameterScales{TParams}"/>), otherwise of max(1, |ηᵢ|).
    /// </summary>
    public double[] FiniteDifferenceSteps(ReadOnlySpan<double> eta, double fraction)
    {
        var steps = new double[eta.Length];
        Scales(eta, steps);
        for (int i = 0; i < steps.Length; i++)
        {
            steps[i] = fraction * (steps[i] > 0 && double.IsFinite(steps[i]) ? steps[i] : Math.Max(1, Math.Abs(eta[i])));
        }

        return steps;
    }

    /// <summary>Writes each coordinate's natural scale, or 0 where the model gives none.</summary>
    protected abstract void Scales(ReadOnlySpan<double> eta, Span<double> scales);

    /// <summary>Whether <see cref="Hessian"/> is analytic (the model accumulates it by Louis' identity) rather than finite differences of the gradient.</summary>
    public abstract bool HasAnalyticHessian { get; }

    /// <summary>
    /// ∇²ℓ(η) (P×P, row-major): analytic where the model provides it (one pass), otherwise central differences of
    /// the analytic gradient, symmetrised (2P passes).
    /// </summary>
    public void Hessian(ReadOnlySpan<double> eta, Span<double> hessian)
    {
        RequireGradient("the Hessian");
        int p = ParameterCount;
        if (HasAnalyticHessian)
        {
            AnalyticHessian(eta, hessian);
            return;
        }

        var point = eta.ToArray();
        var plus = new double[p];
        var minus = new double[p];
        var steps = FiniteDifferenceSteps(eta, 1e-5);
        for (int j = 0; j < p; j++)
        {
            double h = steps[j];
            point[j] = eta[j] + h;
            ValueAndGradient(point, plus);
            point[j] = eta[j] - h;
            ValueAndGradient(point, minus);
            point[j] = eta[j];
            for (int i = 0; i < p; i++)
            {
                hessian[i * p + j] = (plus[i] - minus[i]) / (2 * h);
            }
        }

        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < i; j++)
            {
                double mean = 0.5 * (hessian[i * p + j] + hessian[j * p + i]);
                hessian[i * p + j] = mean;
                hessian[j * p + i] = mean;
            }
        }
    }

    /// <summary>The model's analytic ∇²ℓ(η); only called when <see cref="HasAnalyticHessian"/>.</summary>
    protected abstract void AnalyticHessian(ReadOnlySpan<double> eta, Span<double> hessian);

    /// <summary>
    /// The natural parameters at η (weights, means, variances, rates: what users read and what the SQUAREM R
    /// package measures parameter changes in); η itself when the model does not name them.
    /// </summary>
    public abstract double[] NaturalParameters(ReadOnlySpan<double> eta);

    /// <summary>Names of <see cref="NaturalParameters"/>' entries.</summary>
    public abstract IReadOnlyList<string> NaturalParameterNames { get; }

    /// <summary>Whether the model names natural parameters and maps them back (<see cref="TryUnconstrainedFromNatural"/>).</summary>
    public abstract bool HasNaturalParameters { get; }

    /// <summary>η for natural parameters, or false when they are not valid parameters.</summary>
    public abstract bool TryUnconstrainedFromNatural(ReadOnlySpan<double> natural, Span<double> eta);

    /// <summary>log p(x | θ(η)) of one row x (natural log), e.g. to draw the fitted density; −∞ where it underflows.</summary>
    public abstract double LogDensity(ReadOnlySpan<double> eta, ReadOnlySpan<double> row);

    /// <summary>
    /// ℓ(η), with ∇ℓ(η) written to <paramref name="gradient"/> and its norm returned in <paramref name="gradientNorm"/>
    /// when the model has a gradient (NaN otherwise): what EM-type methods record in their traces.
    /// </summary>
    public double ValueAndGradientIfAny(ReadOnlySpan<double> eta, Span<double> gradient, out double gradientNorm)
    {
        if (!GradientSupport.IsExact)
        {
            gradientNorm = double.NaN;
            return Value(eta);
        }

        double value = ValueAndGradient(eta, gradient);
        gradientNorm = System.Numerics.Tensors.TensorPrimitives.Norm<double>(gradient);
        return value;
    }

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
    private readonly BlockPartition _partition;
    private double[]? _cachedEta;
    private TParams? _cachedTheta;
    private TStats? _cachedStats;
    private double _cachedValue;
    private double[]? _cachedGradient;
    private string? _cachedFailure;

    /// <summary>Binds a model to data.</summary>
    public FitProblem(ILatentVariableModel<TParams, TStats> model, DataSet data, ExecutionOptions? execution = null)
    {
        Model = model;
        Data = data;
        _execution = execution ?? ExecutionOptions.Default;
        _partition = _execution.Partition(data.Rows);
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

    /// <inheritdoc/>
    public override bool HasAnalyticHessian => Model is IObservedInformationModel<TParams>;

    /// <inheritdoc/>
    public override IReadOnlyList<string> NaturalParameterNames =>
        Model is INaturalParameterization<TParams> natural
            ? natural.NaturalParameterNames
            : Enumerable.Range(1, ParameterCount).Select(i => $"eta[{i}]").ToArray();

    /// <inheritdoc/>
    public override double LogDensity(ReadOnlySpan<double> eta, ReadOnlySpan<double> row)
    {
        // One row's E-step: its ℓ is log p(x); not counted as a pass over the data.
        var stats = Model.CreateStatistics();
        Model.Accumulate(Model.FromUnconstrained(eta), new DataBlock(row, 1, row.Length), stats);
        return stats.LogLikelihood;
    }

    /// <inheritdoc/>
    protected override void Scales(ReadOnlySpan<double> eta, Span<double> scales)
    {
        if (Model is IParameterScales<TParams> scaled)
        {
            scaled.Scales(Model.FromUnconstrained(eta), scales);
        }
        else
        {
            scales.Clear();
        }
    }

    /// <inheritdoc/>
    public override bool HasNaturalParameters => Model is INaturalParameterization<TParams>;

    /// <inheritdoc/>
    public override bool TryUnconstrainedFromNatural(ReadOnlySpan<double> natural, Span<double> eta)
    {
        if (Model is not INaturalParameterization<TParams> parameterization)
        {
            natural.CopyTo(eta);
            return true;
        }

        if (!parameterization.TryFromNatural(natural, out var theta))
        {
            return false;
        }

        Model.ToUnconstrained(theta, eta);
        return true;
    }

    /// <inheritdoc/>
    public override double[] NaturalParameters(ReadOnlySpan<double> eta)
    {
        if (Model is not INaturalParameterization<TParams> natural)
        {
            return eta.ToArray();
        }

        var values = new double[natural.NaturalParameterNames.Count];
        natural.ToNatural(Model.FromUnconstrained(eta), values);
        return values;
    }

    /// <inheritdoc/>
    protected override void AnalyticHessian(ReadOnlySpan<double> eta, Span<double> hessian)
    {
        var information = (IObservedInformationModel<TParams>)Model;
        var theta = Model.FromUnconstrained(eta);
        int p = ParameterCount;
        Passes++;

        // A pass like the statistics': per-block sums merged in block order, so the result depends on neither the
        // threads nor the backend.
        var sum = _execution.Backend.Reduce(Data, _partition, Range.All, _execution.Threads, () => new VectorSum(p * p), (_, rows, into) => information.AccumulateHessian(theta, rows, into.Values));
        sum.Values.CopyTo(hessian);
    }

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
        return ChunkedEStep.Run(Model, theta, Data, _partition, Range.All, _execution);
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
            throw new ModelFailureException(_cachedFailure ?? "the log-likelihood at the current parameters is not finite, so no EM step can be taken from them; start from other parameters.");
        }

        var stats = _cachedStats;
        if (Model is IRecentringModel<TParams, TStats> recentring && recentring.Recentre(_cachedTheta!, stats) is { } create)
        {
            // One more pass, with θₜ's responsibilities and moments about the new means (see IRecentringModel).
            Passes++;
            stats = ChunkedEStep.Run(Model, _cachedTheta!, Data, _partition, Range.All, _execution, create);
        }

        var updated = Model.Maximize(_cachedTheta!, stats);
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
        _cachedFailure = null;
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
        catch (InvalidParametersException failure)
        {
            // A probe whose parameters are numerically invalid has ℓ = −∞: line searches step back from it.
            // The reason is kept for an EM step asked of this point.
            _cachedFailure = failure.Message;
        }
    }
}
