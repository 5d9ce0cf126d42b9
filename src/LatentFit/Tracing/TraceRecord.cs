namespace LatentFit.Tracing;

/// <summary>
/// One iteration of an optimiser: ℓ and ‖∇ℓ‖ are those of the parameters the iteration ends at (iteration 0
/// is the start), paired with the E-step passes and fitting time spent so far.
/// </summary>
/// <param name="Iteration">0 for the starting point, then 1, 2, …</param>
/// <param name="LogLikelihood">ℓ(θₜ), total over rows, natural log.</param>
/// <param name="GradientNorm">‖∇ℓ(θₜ)‖₂ with respect to the unconstrained parameters η.</param>
/// <param name="Passes">E-step passes over the data so far (cumulative), a fraction when a method visits blocks of rows (a tenth of the rows is 0.1 pass).</param>
/// <param name="Seconds">Fitting time so far (cumulative), excluding reading the data.</param>
/// <param name="Note">What the optimiser did at this iteration, where worth saying (e.g. a rejected step).</param>
public sealed record TraceRecord(int Iteration, double LogLikelihood, double GradientNorm, double Passes, double Seconds, string? Note = null);

/// <summary>Observes trace records as an optimiser produces them (memory, CSV, console, progress bar).</summary>
public interface ITraceSink
{
    /// <summary>Receives one record.</summary>
    void Record(TraceRecord record);
}

/// <summary>Keeps every record in memory.</summary>
public sealed class MemoryTraceSink : ITraceSink
{
    private readonly List<TraceRecord> _records = [];

    /// <summary>The records so far, in order.</summary>
    public IReadOnlyList<TraceRecord> Records => _records;

    /// <inheritdoc/>
    public void Record(TraceRecord record) => _records.Add(record);
}
