using System.Diagnostics;
using LatentFit.Models.Abstractions;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Stopping;

/// <summary>
/// The bookkeeping every optimiser shares: the clock, pass counting relative to the run's start, trace records
/// (kept and forwarded to a sink), and the stopping rules of <see cref="FitOptions"/>, with the Aitken estimate of the
/// distance to the maximum that goes into the result.
/// </summary>
internal sealed class RunRecorder
{
    /// <summary>
    /// Increments |ℓₜ − ℓₜ₋₁| up to this many units of rounding of |ℓₜ| are the rounding level of ℓ: a sum over the
    /// data in blocks carries an error of a few ulps of |ℓ|. Measured on EM run on without a rule: its decreases of ℓ,
    /// which only rounding makes, reach 4.6e-16·|ℓ| on death notices, 1.4e-15 on the earthquake HMM and 1.5e-15 on
    /// iris (7 units); 16 units leave a margin, and a ratio of two increments at this level means nothing.
    /// <para>
    /// With float32 arithmetic (single-precision data through float32 kernels) the unit is 2⁻²³/√N instead
    /// (<see cref="FitProblem.LogLikelihoodRoundingUnit"/>): EM run on at its limit moved ℓ by up to ±3.6e-3 at N = 10⁶,
    /// |ℓ| = 3.9e6 (2-D, K = 3) and ±3.1e-3 at N = 40,000, |ℓ| = 6.4e5 (D = 9, diagonal), against 16 such units of 7.5e-3
    /// and 6.1e-3; with float64's units those fits ran to the iteration limit.
    /// </para>
    /// </summary>
    private const double RoundingUnits = 16;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<TraceRecord> _records = [];
    private readonly string _algorithm;
    private readonly FitProblem _problem;
    private readonly FitOptions _options;
    private readonly ITraceSink? _sink;
    private readonly StoppingRule _rule;
    private double _passesAtStart;

    // Fitting time before this process's part of the run (a resumed run's clock continues from its state's).
    private double _secondsBefore;

    // The last two values of ℓ given to Check (ℓₜ as _last, ℓₜ₋₁ as _beforeLast) and whether there are any;
    // the last rate aₜ that met Aitken's conditions, the rate of the last check that gave one (NaN when a check since
    // gave none; a check at the rounding level of ℓ leaves it), the estimate
    // of ℓ∞ − ℓ at _last (NaN when none), and how many checks in a row have met the Aitken rule.
    private double _beforeLast;
    private double _last;
    private bool _hasLast;
    private double _rate = double.NaN;
    private double _rateBefore = double.NaN;
    private double _gap = double.NaN;
    private int _heldInARow;

    /// <summary>Starts the bookkeeping of one run.</summary>
    /// <param name="algorithm">The optimiser's name.</param>
    /// <param name="problem">The problem, whose pass count the run's is measured from.</param>
    /// <param name="options">The stopping rules; validated here.</param>
    /// <param name="sink">Where records also go, or null.</param>
    /// <param name="defaultRule">The rule on ℓ when <see cref="FitOptions.Stopping"/> is null: Aitken unless ℓ is noisy.</param>
    public RunRecorder(string algorithm, FitProblem problem, FitOptions options, ITraceSink? sink, StoppingRule defaultRule = StoppingRule.Aitken)
    {
        options.Validate();
        _algorithm = algorithm;
        _problem = problem;
        _options = options;
        _sink = sink;
        _passesAtStart = problem.Passes;
        _rule = options.Stopping ?? defaultRule;
    }

    public double Passes => _problem.Passes - _passesAtStart;

    /// <summary>Where the run offers its state (at boundaries when due, and at the end); null for none.</summary>
    public ICheckpointSink? Checkpoints { get; init; }

    /// <summary>
    /// Continues the bookkeeping of <paramref name="state"/>: its trace (forwarded to the sink, so that a trace file
    /// is whole), its stopping rules' memory, and its passes and seconds, counted from now on top of the state's. Call
    /// it after the resumed optimiser has evaluated ℓ at the state's point, so that the pass that refilled the
    /// problem's cache (which the interrupted run had already counted) is not counted twice.
    /// </summary>
    /// <param name="state">The state, checked by <see cref="OptimizerState.RequireFor"/>.</param>
    /// <param name="logLikelihood">ℓ recomputed at the state's point, which must equal the state's to the bit.</param>
    /// <exception cref="ArgumentException">ℓ differs: the data, the model or the E-step kernels are not those of the run that wrote the state.</exception>
    public void Restore(OptimizerState state, double logLikelihood)
    {
        if (!logLikelihood.Equals(state.LogLikelihood))
        {
            throw new ArgumentException(
                $"the state's log-likelihood {state.LogLikelihood:R} at iteration {state.Iteration} is {logLikelihood:R} here: the data, the model or the E-step kernels differ from the run that wrote it, so it cannot be continued exactly");
        }

        RestoreBookkeeping(state);
    }

    /// <summary>
    /// The recorder of a run that may continue from <paramref name="resumeFrom"/> (checked to be this optimiser's state
    /// for this problem). When the state is a finished run's, <paramref name="finished"/> is that run's result, which the
    /// optimiser returns as it is; otherwise null, and the optimiser continues from the state (or starts, without one).
    /// </summary>
    public static RunRecorder Resumable(string algorithm, FitProblem problem, FitOptions options, ITraceSink? sink, OptimizerState? resumeFrom, ICheckpointSink? checkpoints, out FitResult? finished)
    {
        var recorder = new RunRecorder(algorithm, problem, options, sink) { Checkpoints = checkpoints };
        resumeFrom?.RequireFor(algorithm, problem);
        finished = null;
        if (resumeFrom is { Finished: true })
        {
            recorder.RestoreBookkeeping(resumeFrom);
            finished = recorder.FinishFrom(resumeFrom);
        }

        return recorder;
    }

    /// <summary>The bookkeeping of <see cref="Restore"/> without recomputing ℓ (for a finished state).</summary>
    public void RestoreBookkeeping(OptimizerState state)
    {
        _passesAtStart = _problem.Passes - state.Passes;
        _secondsBefore = state.Seconds;
        foreach (var record in state.Trace)
        {
            Record(record);
        }

        var memory = state.Stopping;
        _beforeLast = memory.BeforeLast;
        _last = memory.Last;
        _hasLast = memory.HasLast;
        _rate = memory.Rate;
        _rateBefore = memory.RateBefore;
        _gap = memory.Gap;
        _heldInARow = memory.HeldInARow;
    }

    /// <summary>
    /// The result of a finished state (after <see cref="RestoreBookkeeping"/>): what the run that wrote it returned,
    /// all but the seconds.
    /// </summary>
    public FitResult FinishFrom(OptimizerState state) =>
        Finish(state.Point, state.LogLikelihood, state.Iteration, state.Termination ?? throw new ArgumentException("the state has not finished"));

    /// <summary>
    /// Offers the state after <paramref name="iteration"/> to <see cref="Checkpoints"/> when one is due; the point and
    /// history are copied only then.
    /// </summary>
    public void Offer(int iteration, double logLikelihood, Func<double[]> point, Func<IReadOnlyDictionary<string, double[]>>? history = null)
    {
        if (Checkpoints is { } checkpoints && checkpoints.IsDue(iteration))
        {
            checkpoints.Save(Capture(iteration, point(), logLikelihood, history?.Invoke() ?? new Dictionary<string, double[]>()));
        }
    }

    private OptimizerState Capture(int iteration, ReadOnlySpan<double> point, double logLikelihood, IReadOnlyDictionary<string, double[]> history) =>
        new(_algorithm, iteration, point.ToArray(), logLikelihood, Passes, Seconds, _records.ToArray(),
            new StoppingMemory(_beforeLast, _last, _hasLast, _rate, _rateBefore, _gap, _heldInARow), history);

    public void Record(int iteration, double logLikelihood, double gradientNorm, string? note = null) =>
        Record(new TraceRecord(iteration, logLikelihood, gradientNorm, Passes, Seconds, note));

    /// <summary>Adds a note to the last record (e.g. why the run stopped there), keeping it paired with its point.</summary>
    public void AnnotateLast(string note)
    {
        var last = _records[^1];
        _records[^1] = last with { Note = last.Note is null ? note : $"{last.Note}; {note}" };
    }

    /// <summary>Fitting time so far.</summary>
    public double Seconds => _secondsBefore + _clock.Elapsed.TotalSeconds;

    /// <summary>Records a record made elsewhere (e.g. by a nested optimiser, with its counts already shifted).</summary>
    public void Record(TraceRecord record)
    {
        _records.Add(record);
        _sink?.Record(record);
    }

    /// <summary>
    /// The rule that holds after an iteration from η = <paramref name="previousPoint"/> (ℓ = <paramref name="previous"/>)
    /// to <paramref name="currentPoint"/> (ℓ = <paramref name="current"/>), if any.
    /// </summary>
    public TerminationReason? Check(double previous, double current, double gradientNorm, ReadOnlySpan<double> previousPoint, ReadOnlySpan<double> currentPoint)
    {
        if (_options.ParameterTolerance > 0 && ParameterChange(previousPoint, currentPoint) <= _options.ParameterTolerance)
        {
            return TerminationReason.ParametersConverged;
        }

        if (_options.GradientTolerance > 0 && gradientNorm <= _options.GradientTolerance)
        {
            return TerminationReason.GradientConverged;
        }

        bool settled = Observe(previous, current);
        if (_options.RelativeTolerance <= 0)
        {
            return null;
        }

        double allowed = _options.RelativeTolerance * Math.Abs(current);
        bool atRoundingLevel = Math.Abs(current - previous) <= RoundingLevel(current);
        if (_rule == StoppingRule.RelativeChange)
        {
            return Math.Abs(current - previous) <= allowed ? TerminationReason.Converged : null;
        }

        // Measured on the traces of every full-data method on faithful, iris, banknote, death notices and the
        // earthquake HMM: one ratio that passes early (the rate not yet settled) stops up to 10⁴ times the tolerance
        // short, so the rule must hold at two checks in a row, each with a rate that has settled — a rate that moved
        // by more than half of 1 − aₜ since the check before would change ℓ∞ − ℓ = Δℓ·a/(1 − a) by a factor of two.
        _heldInARow = _gap <= allowed && (settled || atRoundingLevel) ? _heldInARow + 1 : 0;
        if (_heldInARow >= 2)
        {
            return TerminationReason.AitkenConverged;
        }

        return atRoundingLevel ? TerminationReason.RoundingLevel : null;
    }

    /// <summary>The rounding level of ℓ near <paramref name="logLikelihood"/>: see <see cref="RoundingUnits"/>.</summary>
    public double RoundingLevel(double logLikelihood) => RoundingUnits * _problem.LogLikelihoodRoundingUnit * Math.Abs(logLikelihood);

    /// <summary>
    /// Takes ℓₜ₋₁ = <paramref name="previous"/> and ℓₜ = <paramref name="current"/> into the last values and updates
    /// the Aitken estimate of ℓ∞ − ℓₜ; returns true when this check and the one before both gave a rate and the two
    /// agree to within half of 1 − aₜ. A <paramref name="previous"/> other than the last ℓ seen (a method that
    /// restarted its sequence) starts the three values afresh.
    /// </summary>
    private bool Observe(double previous, double current)
    {
        bool continues = _hasLast && previous.Equals(_last);
        double stepBefore = continues ? previous - _beforeLast : double.NaN;
        _hasLast = true;
        _beforeLast = previous;
        _last = current;
        _gap = double.NaN;
        double step = current - previous;
        double level = RoundingLevel(current);
        if (continues && Math.Abs(step) <= level)
        {
            // An increment at the rounding level of ℓ carries no rate: the last rate measured above it prices the
            // distance left, which is then at most what one such increment at that rate would leave.
            if (double.IsFinite(_rate))
            {
                _gap = level * _rate / (1 - _rate);
            }

            return false;
        }

        // Aitken's model ℓₜ − ℓ∞ ∝ aᵗ needs two increments of one sign; a rate ≥ 1 (increments growing, as when a
        // method speeds up) gives no finite limit.
        double rate = step / stepBefore;
        if (!(step > 0 && stepBefore > 0) || rate >= 1)
        {
            _rateBefore = double.NaN;
            return false;
        }

        bool settled = double.IsFinite(_rateBefore) && Math.Abs(rate - _rateBefore) <= (1 - rate) / 2;
        _rateBefore = rate;
        _rate = rate;

        // Böhning et al. (1994): aₜ = (ℓₜ − ℓₜ₋₁)/(ℓₜ₋₁ − ℓₜ₋₂) and ℓ∞ = ℓₜ₋₁ + (ℓₜ − ℓₜ₋₁)/(1 − aₜ), so that
        // ℓ∞ − ℓₜ = (ℓₜ − ℓₜ₋₁)·aₜ/(1 − aₜ), written without subtracting the large values of ℓ, whose digits cancel.
        _gap = step * rate / (1 - rate);
        return settled;
    }

    /// <summary>
    /// Records iteration 0 at the start, after checking that ℓ there is finite; returns true when the gradient
    /// rule already holds, so that the run ends before its first step.
    /// </summary>
    /// <exception cref="ModelFailureException">ℓ at the start is not finite.</exception>
    public bool Begin(double logLikelihood, double gradientNorm)
    {
        if (!double.IsFinite(logLikelihood))
        {
            throw new ModelFailureException("the log-likelihood at the starting parameters is not finite; choose another start.");
        }

        Record(0, logLikelihood, gradientNorm);
        return _options.GradientTolerance > 0 && gradientNorm <= _options.GradientTolerance;
    }

    /// <summary>‖θ(b) − θ(a)‖₂ in the model's natural parameters.</summary>
    public double ParameterChange(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var before = _problem.NaturalParameters(a);
        var after = _problem.NaturalParameters(b);
        double sum = 0;
        for (int i = 0; i < before.Length; i++)
        {
            sum += (after[i] - before[i]) * (after[i] - before[i]);
        }

        return Math.Sqrt(sum);
    }

    /// <summary>Whether the run should stop for a parameter change this small (used by methods that test it mid-iteration).</summary>
    public bool ParametersConverged(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        _options.ParameterTolerance > 0 && ParameterChange(a, b) <= _options.ParameterTolerance;

    /// <summary>
    /// The result; its <see cref="FitResult.EstimatedGap"/> is the Aitken estimate made at <paramref name="logLikelihood"/>
    /// when the last values of ℓ gave one there, else null.
    /// </summary>
    public FitResult Finish(ReadOnlySpan<double> eta, double logLikelihood, int iterations, TerminationReason reason)
    {
        var result = new FitResult(_algorithm, eta.ToArray(), logLikelihood, iterations, reason, Passes, Seconds, _records.ToArray())
        {
            EstimatedGap = _hasLast && logLikelihood.Equals(_last) && double.IsFinite(_gap) ? _gap : null,
        };

        // A cancelled run's last boundary state is where to go on from; any other end is the run's last state.
        if (Checkpoints is { } checkpoints && reason != TerminationReason.Cancelled)
        {
            checkpoints.Save(Capture(iterations, eta, logLikelihood, new Dictionary<string, double[]>()) with { Termination = reason });
        }

        return result;
    }
}
