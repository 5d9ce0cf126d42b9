using LatentFit.Objectives;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Abstractions;

/// <summary>
/// Everything an optimiser needs to continue a run exactly where it stopped, taken at an iteration boundary (after
/// iteration <see cref="Iteration"/> was recorded and no stopping rule held) or at the end (with
/// <see cref="Termination"/> set). A run resumed from it on the same problem ends at the same bits of θ and ℓ, after the
/// same iterations and with the same trace (all but the clock), as the run that wrote it would have: see
/// <see cref="IResumableOptimizer"/>.
/// </summary>
/// <param name="Algorithm">The optimiser's <see cref="IOptimizer.Name"/>; another optimiser refuses the state.</param>
/// <param name="Iteration">Iterations done.</param>
/// <param name="Point">η at the boundary (the final η when finished).</param>
/// <param name="LogLikelihood">ℓ at <paramref name="Point"/>; a resumed run recomputes it and refuses a state it does not reproduce to the bit.</param>
/// <param name="Passes">E-step passes of the run so far, as the trace counts them.</param>
/// <param name="Seconds">Fitting time of the run so far; the resumed run's clock continues from it.</param>
/// <param name="Trace">The records so far, iteration 0 first.</param>
/// <param name="Stopping">The stopping rules' memory of the last values of ℓ (Aitken's rate and estimate).</param>
/// <param name="History">
/// The optimiser's own state by name, each a flat vector (integers and flags stored as exact doubles): SQUAREM's
/// iterate in its own coordinates and step bound, L-BFGS's correction pairs, and so on. Empty for EM.
/// </param>
public sealed record OptimizerState(
    string Algorithm,
    int Iteration,
    double[] Point,
    double LogLikelihood,
    double Passes,
    double Seconds,
    IReadOnlyList<TraceRecord> Trace,
    StoppingMemory Stopping,
    IReadOnlyDictionary<string, double[]> History)
{
    /// <summary>Why the run stopped, when the state is the run's last; null at an iteration boundary.</summary>
    public TerminationReason? Termination { get; init; }

    /// <summary>Whether the run had finished; resuming such a state returns its result without iterating.</summary>
    public bool Finished => Termination is not null;

    /// <summary>The history vector <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The state has no such vector, or not of <paramref name="length"/> values (when given).</exception>
    public double[] Vector(string name, int? length = null)
    {
        if (!History.TryGetValue(name, out var vector))
        {
            throw new ArgumentException($"the {Algorithm} state has no \"{name}\"; it was not written by this version's {Algorithm}");
        }

        if (length is { } expected && vector.Length != expected)
        {
            throw new ArgumentException($"the {Algorithm} state's \"{name}\" has {vector.Length} values, but this problem needs {expected}");
        }

        return vector;
    }

    /// <summary>The history scalar <paramref name="name"/> (a vector of one value).</summary>
    public double Scalar(string name) => Vector(name, 1)[0];

    /// <summary>
    /// Checks that this state can continue a run of <paramref name="algorithm"/> on <paramref name="problem"/>: the same
    /// optimiser and as many parameters.
    /// </summary>
    /// <exception cref="ArgumentException">It cannot; the message says why.</exception>
    public void RequireFor(string algorithm, FitProblem problem)
    {
        if (!string.Equals(Algorithm, algorithm, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the state was written by {Algorithm}, not by {algorithm}; resume with --algorithm {Algorithm}");
        }

        if (Point.Length != problem.ParameterCount)
        {
            throw new ArgumentException($"the state has {Point.Length} parameters, but this model has {problem.ParameterCount}: it is of another model");
        }

        if (Trace.Count != Iteration + 1 && !Finished)
        {
            throw new ArgumentException($"the state is at iteration {Iteration} but holds {Trace.Count} trace records; it is damaged");
        }
    }
}

/// <summary>
/// The stopping rules' memory (<see cref="Stopping.RunRecorder"/>): the last two values of ℓ checked, the last rates
/// of Aitken's Δ² and its estimate of ℓ∞ − ℓ, and how many checks in a row met the rule.
/// </summary>
public sealed record StoppingMemory(double BeforeLast, double Last, bool HasLast, double Rate, double RateBefore, double Gap, int HeldInARow);

/// <summary>Receives an optimiser's state at iteration boundaries and at the end of a run (e.g. to write a checkpoint file).</summary>
public interface ICheckpointSink
{
    /// <summary>
    /// Whether a state is wanted after <paramref name="iteration"/> (e.g. enough seconds have passed since the last);
    /// the optimiser builds the state only then, as copying the trace every iteration would cost O(iterations²).
    /// </summary>
    bool IsDue(int iteration);

    /// <summary>Takes a state: at a boundary when <see cref="IsDue"/> said so, and always the last one of a run that finished.</summary>
    void Save(OptimizerState state);
}

/// <summary>
/// An optimiser that can hand out its state at iteration boundaries and continue from one. Its guarantee: on a
/// problem of the same model and data (and the same E-step kernels), a run resumed from a state written by a run
/// with the same options ends with the same bits of θ and ℓ, the same iteration count, termination and Aitken
/// estimate, and the same trace (iteration, ℓ, ‖∇ℓ‖, passes and notes; only the seconds differ) as that run.
/// </summary>
public interface IResumableOptimizer : IOptimizer
{
    /// <summary>
    /// Runs as <see cref="IOptimizer.Run"/> does, from <paramref name="resumeFrom"/> when it is given (then
    /// <paramref name="start"/> is not used), offering <paramref name="checkpoints"/> the state after every iteration
    /// and the final state. The trace sink receives the resumed state's records first.
    /// </summary>
    /// <exception cref="ArgumentException">The state is of another optimiser, another scheme, or another problem's size, or it does not reproduce its ℓ.</exception>
    FitResult Run(FitProblem problem, ReadOnlySpan<double> start, OptimizerState? resumeFrom, ICheckpointSink? checkpoints, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default);
}
