using System.Diagnostics;
using LatentFit.Models.Abstractions;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Stopping;

/// <summary>
/// The bookkeeping every optimiser shares: the clock, pass counting relative to the run's start, trace records
/// (kept and forwarded to a sink), and the stopping rules of <see cref="FitOptions"/>.
/// </summary>
internal sealed class RunRecorder
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<TraceRecord> _records = [];
    private readonly string _algorithm;
    private readonly FitProblem _problem;
    private readonly FitOptions _options;
    private readonly ITraceSink? _sink;
    private readonly double _passesAtStart;

    public RunRecorder(string algorithm, FitProblem problem, FitOptions options, ITraceSink? sink)
    {
        options.Validate();
        _algorithm = algorithm;
        _problem = problem;
        _options = options;
        _sink = sink;
        _passesAtStart = problem.Passes;
    }

    public double Passes => _problem.Passes - _passesAtStart;

    public void Record(int iteration, double logLikelihood, double gradientNorm, string? note = null) =>
        Record(new TraceRecord(iteration, logLikelihood, gradientNorm, Passes, Seconds, note));

    /// <summary>Adds a note to the last record (e.g. why the run stopped there), keeping it paired with its point.</summary>
    public void AnnotateLast(string note)
    {
        var last = _records[^1];
        _records[^1] = last with { Note = last.Note is null ? note : $"{last.Note}; {note}" };
    }

    /// <summary>Fitting time so far.</summary>
    public double Seconds => _clock.Elapsed.TotalSeconds;

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

        if (_options.RelativeTolerance > 0 && Math.Abs(current - previous) <= _options.RelativeTolerance * Math.Abs(current))
        {
            return TerminationReason.Converged;
        }

        return null;
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

    public FitResult Finish(ReadOnlySpan<double> eta, double logLikelihood, int iterations, TerminationReason reason) =>
        new(_algorithm, eta.ToArray(), logLikelihood, iterations, reason, Passes, _clock.Elapsed.TotalSeconds, _records.ToArray());
}
