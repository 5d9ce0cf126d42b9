using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;

namespace LatentFit.Objectives;

/// <summary>
/// What an optimiser sees of a model bound to data: a flat unconstrained vector η, the log-likelihood ℓ(η),
/// its gradient, and the EM map η ↦ η'. One E-step pass at η yields all three; the problem caches the
/// η it last evaluated, so an EM step, a gradient and a line-search probe at the same η share one pass,
/// and it counts the passes over the data. Besides full passes it offers E-steps over groups of blocks of rows
/// (<see cref="CreateBlockStatistics"/>) for methods that update θ between blocks.
/// </summary>
public abstract class FitProblem
{
    private long _rowsVisited;

    /// <summary>Length of η.</summary>
    public abstract int ParameterCount { get; }

    /// <summary>Whether <see cref="ValueAndGradient"/> is available (Fisher's identity holds for the model).</summary>
    public abstract GradientSupport GradientSupport { get; }

    /// <summary>Total weight of the observations, N.</summary>
    public abstract double Observations { get; }

    /// <summary>Number of rows of the data (not their weight): what one pass visits.</summary>
    public abstract int Rows { get; }

    /// <summary>
    /// One unit of rounding of ℓ relative to |ℓ|: 2⁻⁵² when ℓ is computed in float64; 2⁻²³/√rows when the model
    /// computes in float32 (single-precision data; <see cref="ISinglePrecisionRounding"/>), whose roundings of each
    /// row's log-densities add up like a random walk over the rows.
    /// </summary>
    internal virtual double LogLikelihoodRoundingUnit => DoubleRoundingUnit;

    /// <summary>The spacing of doubles at 1, 2⁻⁵².</summary>
    internal const double DoubleRoundingUnit = 2.220446049250313e-16;

    /// <summary>
    /// E-step evaluations over the data so far (each full pass yields ℓ, the statistics and the gradient at one η),
    /// counted in rows visited over <see cref="Rows"/>: an E-step over a tenth of the rows is 0.1 pass. Whole passes are
    /// exact integers (a multiple of N over N rounds to itself).
    /// </summary>
    public double Passes => _rowsVisited / (double)Math.Max(1, Rows);

    /// <summary>Counts an E-step over <paramref name="rows"/> rows (<see cref="Rows"/> for a full pass).</summary>
    protected void CountRows(int rows) => _rowsVisited += rows;

    /// <summary>
    /// Cuts the rows into at most <paramref name="groups"/> groups of consecutive blocks of the partition (about N/B rows
    /// each; a block is never split) and returns statistics kept group by group, each computed at a θ of its own.
    /// </summary>
    /// <param name="groups">B ≥ 1; fewer groups are formed when the data have fewer blocks.</param>
    public abstract BlockStatistics CreateBlockStatistics(int groups);

    /// <summary>
    /// Cuts the rows into mini-batches of about <paramref name="rowsPerBatch"/> rows (consecutive blocks of the partition;
    /// a block, and so a sequence, is never split, so a batch holds at least one block) for the stochastic methods:
    /// scaled gradients of a batch's ℓ and stochastic-approximation averages of its statistics (see <see cref="MiniBatches"/>).
    /// </summary>
    /// <param name="rowsPerBatch">The batch size in rows, ≥ 1; batches are larger where blocks are.</param>
    public abstract MiniBatches CreateMiniBatches(int rowsPerBatch);

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
        if (HasAnalyticHessian)
        {
            AnalyticHessian(eta, hessian);
            return;
        }

        SymmetricDifferences.Jacobian(eta, FiniteDifferenceSteps(eta, 1e-5), (point, gradient) => ValueAndGradient(point, gradient), 1, hessian);
    }

    /// <summary>Whether the model evaluates the EM surrogate Q(θ | θₜ) away from θₜ (<see cref="CompleteData"/>).</summary>
    public abstract bool HasCompleteData { get; }

    /// <summary>
    /// Q(· | θ(η)) from the E-step at η (shared with <see cref="Value"/>, <see cref="ValueAndGradient"/> and <see cref="EmMap"/>
    /// at the same η, so it costs at most one pass); evaluating it elsewhere costs none.
    /// </summary>
    /// <exception cref="NotSupportedException">The model does not evaluate Q (<see cref="HasCompleteData"/> is false).</exception>
    /// <exception cref="ModelFailureException">ℓ(η) is not finite.</exception>
    public abstract CompleteDataObjective CompleteData(ReadOnlySpan<double> eta);

    /// <summary>
    /// The empirical information Σᵢ sᵢsᵢᵀ of the per-observation scores sᵢ = ∇_η log p(xᵢ | θ(η)) (Berndt, Hall, Hall &amp;
    /// Hausman 1974), P×P row-major, each sᵢ from observation i's own E-step statistics by Fisher's identity; an observation is
    /// a row (a row of frequency weight w counts as w observations) or, for a <see cref="ISequenceModel"/>, a sequence. One pass;
    /// returns ℓ(η).
    /// </summary>
    /// <exception cref="GradientNotDefinedException">Fisher's identity does not hold for the model.</exception>
    public abstract double ScoreCrossProducts(ReadOnlySpan<double> eta, Span<double> crossProducts);

    /// <summary>
    /// The number of independent observations whose scores <see cref="ScoreCrossProducts"/> sums: the rows, or the
    /// sequences of a <see cref="ISequenceModel"/>. Fewer than <see cref="ParameterCount"/> make that matrix singular.
    /// </summary>
    public abstract int IndependentObservations { get; }

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
        _partition = _execution.Partition(data);
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

    /// <inheritdoc/>
    public override int Rows => Data.Rows;

    /// <inheritdoc/>
    internal override double LogLikelihoodRoundingUnit =>
        Model is ISinglePrecisionRounding rounding && rounding.RoundsInSingle(Data.Precision)
            ? SingleRoundingUnit / Math.Sqrt(Math.Max(1, Data.Rows))
            : DoubleRoundingUnit;

    /// <summary>The spacing of floats at 1, 2⁻²³.</summary>
    private const double SingleRoundingUnit = 1.1920928955078125e-7;

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
        CountRows(Data.Rows);

        // A pass like the statistics': per-block sums merged in block order, so the result depends on neither the
        // threads nor the backend.
        var sum = _execution.Backend.Reduce(Data, _partition, Range.All, _execution.Threads, () => new VectorSum(p * p), (_, rows, into) => information.AccumulateHessian(theta, rows, into.Values));
        sum.Values.CopyTo(hessian);
    }

    /// <inheritdoc/>
    public override bool HasCompleteData => Model is ICompleteDataModel<TParams, TStats>;

    /// <inheritdoc/>
    public override CompleteDataObjective CompleteData(ReadOnlySpan<double> eta)
    {
        if (Model is not ICompleteDataModel<TParams, TStats> completeData)
        {
            throw new NotSupportedException("this model does not evaluate the EM surrogate Q(θ | θₜ) away from θₜ");
        }

        Evaluate(eta);
        if (_cachedStats is null || !double.IsFinite(_cachedValue))
        {
            throw new ModelFailureException(_cachedFailure ?? "the log-likelihood at the current parameters is not finite, so there is no EM surrogate at them; start from other parameters.");
        }

        return new Surrogate(this, completeData, _cachedEta!, _cachedTheta!, _cachedStats, _cachedValue);
    }

    /// <inheritdoc/>
    public override int IndependentObservations => Model is ISequenceModel ? Math.Max(1, Data.SequenceStarts.Length) : Data.Rows;

    /// <inheritdoc/>
    public override double ScoreCrossProducts(ReadOnlySpan<double> eta, Span<double> crossProducts)
    {
        RequireGradient("the empirical information");
        int p = ParameterCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(crossProducts.Length, p * p);
        var theta = Model.FromUnconstrained(eta);
        bool sequences = Model is ISequenceModel;
        CountRows(Data.Rows);

        // Entries 0..P²−1 hold Σ sᵢsᵢᵀ, entry P² holds ℓ: one accumulator, merged in block order like the statistics.
        var sum = _execution.Backend.Reduce(Data, _partition, Range.All, _execution.Threads, () => new VectorSum(p * p + 1), (_, rows, into) => AddScoreCrossProducts(theta, rows, sequences, into.Values));
        sum.Values.AsSpan(0, p * p).CopyTo(crossProducts);
        double value = sum.Values[p * p];
        return double.IsNaN(value) ? double.NegativeInfinity : value;
    }

    /// <summary>Adds each observation's sᵢsᵢᵀ (and its ℓ) in <paramref name="rows"/> to <paramref name="into"/>.</summary>
    private void AddScoreCrossProducts(TParams theta, DataBlock rows, bool sequences, Span<double> into)
    {
        int p = ParameterCount;
        var score = new double[p];

        // One statistics object per block, emptied for each observation (Clear restores the state CreateStatistics
        // gives), not one allocated per row.
        var stats = Model.CreateStatistics();
        int units = sequences ? Math.Max(1, rows.SequenceCount) : rows.Rows;
        for (int u = 0; u < units; u++)
        {
            var range = !sequences ? new RowRange(u, 1) : rows.HasSequences ? rows.Sequence(u) : new RowRange(0, rows.Rows);
            stats.Clear();
            Model.Accumulate(theta, rows.Slice(range.Start, range.Count), stats);
            Model.Gradient(theta, stats, score);

            // A row of frequency weight w holds w observations with score s each, and its statistics give w·s:
            // Σ over them of s sᵀ is (w·s)(w·s)ᵀ / w. A sequence is one observation.
            double weight = sequences ? 1 : rows.RowWeight(u);
            if (weight > 0)
            {
                for (int i = 0; i < p; i++)
                {
                    double si = score[i] / weight;
                    var row = into.Slice(i * p, p);
                    for (int j = 0; j < p; j++)
                    {
                        row[j] += si * score[j];
                    }
                }
            }

            into[p * p] += stats.LogLikelihood;
        }
    }

    /// <summary>η for θ.</summary>
    public double[] ToUnconstrained(TParams theta)
    {
        var eta = new double[Model.ParameterCount];
        Model.ToUnconstrained(theta, eta);
        return eta;
    }

    /// <summary>One E-step pass at θ (counted), bypassing the cache.</summary>
    public TStats Statistics(TParams theta) => EStep(theta, _partition, Range.All, null);

    /// <summary>
    /// The one place where the problem runs the E-step: over blocks <paramref name="blocks"/> of <paramref name="partition"/>
    /// under θ, on the execution's backend, into statistics that <paramref name="create"/> makes (the model's own by
    /// default), counted as their share of a pass.
    /// </summary>
    private TStats EStep(TParams theta, BlockPartition partition, Range blocks, Func<TStats>? create)
    {
        CountRows(partition.RowsIn(blocks));
        return ChunkedEStep.Run(Model, theta, Data, partition, blocks, _execution, create);
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
            stats = EStep(_cachedTheta!, _partition, Range.All, create);
        }

        var updated = Model.Maximize(_cachedTheta!, stats);
        Model.ToUnconstrained(updated, next);
        return _cachedValue;
    }

    /// <inheritdoc/>
    public override BlockStatistics CreateBlockStatistics(int groups)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        var (partition, ranges, blocks) = Groups(groups);
        return new GroupStatistics(this, partition, ranges, blocks);
    }

    /// <inheritdoc/>
    public override MiniBatches CreateMiniBatches(int rowsPerBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerBatch, 1);
        return new MiniBatchStatistics(this, Groups((int)Math.Max(1, ((long)Data.Rows + rowsPerBatch - 1) / rowsPerBatch)));
    }

    /// <summary>
    /// At most <paramref name="groups"/> groups of consecutive blocks (about N/B rows each; a block, and so a sequence,
    /// is never split): the partition they are cut from, their rows and their blocks.
    /// </summary>
    private Grouping Groups(int groups)
    {
        // Blocks no longer than the execution's chunks, nor than N/B rows, so that B groups can be formed on small
        // data too; above B·chunk rows the blocks are the chunks a full pass uses.
        int rows = Data.Rows;
        int target = (int)Math.Max(1, Math.Min(_execution.ChunkRows, ((long)rows + groups - 1) / groups));
        var partition = target == _execution.ChunkRows ? _partition : BlockPartition.Create(rows, target, Data.SequenceStarts.Span, Data.ShardStarts.Span);
        int count = Math.Max(1, Math.Min(groups, partition.Count));
        var ranges = new RowRange[count];
        var blocks = new Range[count];
        for (int g = 0; g < count; g++)
        {
            int first = (int)((long)g * partition.Count / count), last = (int)((long)(g + 1) * partition.Count / count);
            int start = first < partition.Count ? partition[first].Start : rows;
            int end = last > first ? partition[last - 1].End : start;
            ranges[g] = new RowRange(start, end - start);
            blocks[g] = first..last;
        }

        return new Grouping(partition, ranges, blocks);
    }

    /// <summary>Groups of consecutive blocks of <paramref name="Partition"/>: each group's rows and blocks.</summary>
    private sealed record Grouping(BlockPartition Partition, RowRange[] Rows, Range[] Blocks);

    /// <summary>Q(· | θₜ) over the statistics of one E-step at θₜ.</summary>
    private sealed class Surrogate(FitProblem<TParams, TStats> problem, ICompleteDataModel<TParams, TStats> model, double[] at, TParams atTheta, TStats stats, double logLikelihood) : CompleteDataObjective
    {
        public override ReadOnlySpan<double> At => at;

        public override double LogLikelihood => logLikelihood;

        public override double ValueAndGradient(ReadOnlySpan<double> eta, Span<double> gradient)
        {
            foreach (double v in eta)
            {
                if (!double.IsFinite(v))
                {
                    gradient.Fill(double.NaN);
                    return double.NegativeInfinity;
                }
            }

            try
            {
                double value = model.CompleteDataLogLikelihood(problem.Model.FromUnconstrained(eta), atTheta, stats, gradient);
                return double.IsNaN(value) ? double.NegativeInfinity : value;
            }
            catch (InvalidParametersException)
            {
                gradient.Fill(double.NaN);
                return double.NegativeInfinity;
            }
        }

        protected override double[] Steps(double fraction) => problem.FiniteDifferenceSteps(at, fraction);
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

    /// <summary>
    /// Group statistics held in one set of coordinates: a model whose statistics depend on θ's coordinates
    /// (<see cref="IAnchoredStatisticsModel{TParams, TStats}"/>) has them anchored at one θ for every group, so that groups
    /// computed at different θ add; any other model's statistics add as they are.
    /// </summary>
    private sealed class GroupStatistics : BlockStatistics
    {
        private readonly FitProblem<TParams, TStats> _problem;
        private readonly IAnchoredStatisticsModel<TParams, TStats>? _anchored;
        private readonly BlockPartition _partition;
        private readonly RowRange[] _rows;
        private readonly Range[] _blocks;
        private readonly TStats?[] _stats;
        private readonly TParams?[] _thetas;
        private Func<TStats> _create;

        public GroupStatistics(FitProblem<TParams, TStats> problem, BlockPartition partition, RowRange[] rows, Range[] blocks)
        {
            _problem = problem;
            _anchored = problem.Model as IAnchoredStatisticsModel<TParams, TStats>;
            _partition = partition;
            _rows = rows;
            _blocks = blocks;
            _stats = new TStats?[rows.Length];
            _thetas = new TParams?[rows.Length];
            _create = problem.Model.CreateStatistics;
        }

        public override int Groups => _rows.Length;

        public override RowRange GroupRows(int group) => _rows[group];

        public override double Refresh(ReadOnlySpan<double> eta, Span<double> gradient, out double gradientNorm)
        {
            gradientNorm = double.NaN;
            var model = _problem.Model;
            TParams theta;
            try
            {
                theta = model.FromUnconstrained(eta);
                if (_anchored is { } anchored)
                {
                    // Anchored at θ's own means: the same moments an ordinary E-step at θ takes, now fixed for later groups.
                    var anchor = theta;
                    _create = () => anchored.CreateAnchoredStatistics(anchor);
                }

                for (int g = 0; g < _rows.Length; g++)
                {
                    _stats[g] = _problem.EStep(theta, _partition, _blocks[g], _create);
                    _thetas[g] = theta;
                }
            }
            catch (InvalidParametersException)
            {
                Array.Clear(_stats);
                return double.NegativeInfinity;
            }

            var total = Total();
            double value = double.IsNaN(total.LogLikelihood) ? double.NegativeInfinity : total.LogLikelihood;
            if (model.GradientSupport.IsExact && double.IsFinite(value))
            {
                // Every group is at θ, so Fisher's identity gives ∇ℓ(θ) from their sum.
                model.Gradient(theta, total, gradient);
                gradientNorm = System.Numerics.Tensors.TensorPrimitives.Norm<double>(gradient);
            }

            return value;
        }

        public override void Replace(int group, ReadOnlySpan<double> eta)
        {
            RequireRefreshed();
            var theta = _problem.Model.FromUnconstrained(eta);
            _stats[group] = _problem.EStep(theta, _partition, _blocks[group], _create);
            _thetas[group] = theta;
        }

        public override void Maximize(ReadOnlySpan<double> eta, Span<double> next)
        {
            RequireRefreshed();
            var total = Total();
            if (!double.IsFinite(total.LogLikelihood))
            {
                throw new ModelFailureException("the log-likelihood of a block at its parameters is not finite, so no M-step can be taken; start from other parameters.");
            }

            if (_anchored?.Reanchor(total) is { } create)
            {
                // The means move far from the anchor: every group again, each with the responsibilities of the θ it was
                // computed at (q̃ and so F unchanged) but moments about where the M-step takes the means. One pass.
                _create = create;
                Reanchorings++;
                for (int g = 0; g < _rows.Length; g++)
                {
                    _stats[g] = _problem.EStep(_thetas[g]!, _partition, _blocks[g], create);
                }

                total = Total();
            }

            var updated = _problem.Model.Maximize(_problem.Model.FromUnconstrained(eta), total);
            _problem.Model.ToUnconstrained(updated, next);
        }

        private void RequireRefreshed()
        {
            if (_stats[0] is null)
            {
                throw new InvalidOperationException("the group statistics are refreshed at valid parameters before a group is replaced or an M-step taken");
            }
        }

        /// <summary>The groups' sum, in group order (a fixed order, so the result does not depend on which group changed last).</summary>
        private TStats Total()
        {
            var total = _create();
            foreach (var stats in _stats)
            {
                total.Add(stats!);
            }

            return total;
        }
    }

    /// <summary>
    /// Mini-batches with online EM's running statistics. A model whose statistics depend on θ's coordinates
    /// (<see cref="IAnchoredStatisticsModel{TParams, TStats}"/>) has every batch's statistics anchored where the running
    /// average began, so that statistics taken at different θ add, as <see cref="GroupStatistics"/> does.
    /// </summary>
    /// <remarks>
    /// The anchor is not moved later: the running average holds statistics of past θ that cannot be taken again. Moments
    /// about a far anchor cost about 2⁻⁵² · |Δμ|²/σ² of σ², relatively (see <see cref="IRecentringModel{TParams, TStats}"/>),
    /// far below the stochastic approximation's own noise unless the means move thousands of standard deviations.
    /// </remarks>
    private sealed class MiniBatchStatistics : MiniBatches
    {
        private readonly FitProblem<TParams, TStats> _problem;
        private readonly IAnchoredStatisticsModel<TParams, TStats>? _anchored;
        private readonly Grouping _batches;
        private TStats? _running;
        private Func<TStats>? _create;

        public MiniBatchStatistics(FitProblem<TParams, TStats> problem, Grouping batches)
        {
            _problem = problem;
            _anchored = problem.Model as IAnchoredStatisticsModel<TParams, TStats>;
            _batches = batches;
        }

        public override int Count => _batches.Rows.Length;

        public override RowRange BatchRows(int batch) => _batches.Rows[batch];

        public override double ScaledGradient(int batch, ReadOnlySpan<double> eta, Span<double> gradient)
        {
            _problem.RequireGradient("a stochastic gradient method");
            var model = _problem.Model;
            TParams theta;
            TStats stats;
            try
            {
                theta = model.FromUnconstrained(eta);

                // The model's own statistics (moments about θ's means): what its Fisher-identity gradient reads.
                stats = _problem.EStep(theta, _batches.Partition, _batches.Blocks[batch], null);
            }
            catch (InvalidParametersException)
            {
                gradient.Fill(double.NaN);
                return double.NegativeInfinity;
            }

            if (!double.IsFinite(stats.LogLikelihood) || !(stats.Weight > 0))
            {
                gradient.Fill(double.NaN);
                return double.NegativeInfinity;
            }

            // ∇ℓ_B is linear in the batch's statistics, so scaling the gradient scales them.
            double factor = _problem.Observations / stats.Weight;
            model.Gradient(theta, stats, gradient);
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradient, factor, gradient);
            return factor * stats.LogLikelihood;
        }

        public override void Average(int batch, ReadOnlySpan<double> eta, double gamma)
        {
            if (!(gamma > 0 && gamma <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "the step of a stochastic-approximation average lies in (0, 1]");
            }

            if (_running is null && gamma != 1)
            {
                throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "the running statistics are empty, so the first average takes the batch whole (γ = 1)");
            }

            var model = _problem.Model;
            var theta = model.FromUnconstrained(eta);
            if (_running is null)
            {
                _create = model.CreateStatistics;
                if (_anchored is { } anchored)
                {
                    var anchor = theta;
                    _create = () => anchored.CreateAnchoredStatistics(anchor);
                }
            }

            var stats = _problem.EStep(theta, _batches.Partition, _batches.Blocks[batch], _create);
            if (!double.IsFinite(stats.LogLikelihood) || !(stats.Weight > 0))
            {
                throw new ModelFailureException("the log-likelihood of a mini-batch at the current parameters is not finite, so online EM cannot go on; start from other parameters or use larger batches.");
            }

            double factor = _problem.Observations / stats.Weight;
            if (_running is null)
            {
                _running = _create!();
            }
            else
            {
                _running.Scale(1 - gamma);
            }

            _running.AddScaled(stats, gamma * factor);
        }

        public override void Maximize(ReadOnlySpan<double> eta, Span<double> next)
        {
            if (_running is null)
            {
                throw new InvalidOperationException("the running statistics are empty: average at least one batch before an M-step");
            }

            var updated = _problem.Model.Maximize(_problem.Model.FromUnconstrained(eta), _running);
            _problem.Model.ToUnconstrained(updated, next);
        }

        public override void Reset()
        {
            _running = default;
            _create = null;
        }
    }
}
