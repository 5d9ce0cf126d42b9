using LatentFit.Models.Abstractions;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Stopping;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Stochastic;

/// <summary>
/// The loop the stochastic methods share: the rows cut into mini-batches (<see cref="FitProblem.CreateMiniBatches"/>),
/// visited once per epoch in an order shuffled with <see cref="FitOptions.Seed"/>, η updated after each batch by the
/// method, and ℓ measured on the full data (one pass, counted) at the point the run would return.
/// </summary>
/// <remarks>
/// An iteration is one epoch (every batch once: one pass); <see cref="FitOptions.MaxIterations"/> counts epochs. After
/// every m-th epoch (<see cref="FitOptions.MeasureEvery"/>) and the last, ℓ and its gradient are evaluated on all the
/// rows at the returned point, recorded, and the stopping rules applied from one measurement to the next; so with m = 1
/// an epoch costs two passes, and ℓ in the trace and the result is always ℓ at the point it names. Batches are
/// consecutive rows, so data sorted by class give batches of one class: shuffle such a file first. The shuffling uses
/// only the seed and the batch count, and each batch's E-step merges its blocks in a fixed order, so a run is
/// bit-identical for any thread count.
/// </remarks>
public abstract class MiniBatchOptimizer : IOptimizer
{
    /// <summary>Batches per epoch by default: about N/100 rows each.</summary>
    public const int DefaultBatchesPerEpoch = 100;

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <summary>
    /// Whether the returned point is an average of the iterates (Polyak &amp; Juditsky 1992) rather than the last one.
    /// After epoch e it is the mean of η after every batch update of epochs ⌊e/2⌋ + 1, …, e: the later half of the run,
    /// the first half being the burn-in (the "suffix averaging" of Rakhlin, Shamir &amp; Sridharan 2012, which drops the
    /// early iterates a plain running mean never forgets). The mean is taken in the unconstrained coordinates η, every
    /// coordinate, so that every average is a valid parameter (for a softmax row it is a normalised geometric mean of
    /// the probabilities).
    /// </summary>
    protected abstract bool AveragesIterates { get; }

    /// <summary>Whether the method needs the gradient (Fisher's identity).</summary>
    protected abstract bool NeedsGradient { get; }

    /// <summary>The method's state for one run over <paramref name="batches"/>.</summary>
    private protected abstract IBatchUpdate Begin(FitProblem problem, MiniBatches batches, FitOptions options);

    /// <inheritdoc/>
    public FitResult Run(FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink = null, CancellationToken cancellationToken = default)
    {
        // ℓ measured after an epoch carries the noise of the batches' steps, so its increments change sign and their
        // ratios do not follow Aitken's geometric model: the relative change stays these methods' default rule.
        var recorder = new RunRecorder(Name, problem, options, sink, StoppingRule.RelativeChange);
        if (NeedsGradient)
        {
            problem.RequireGradient(Name);
        }

        var eta = start.ToArray();
        var gradient = new double[eta.Length];
        double value = problem.ValueAndGradientIfAny(eta, gradient, out double norm);
        if (recorder.Begin(value, norm))
        {
            return recorder.Finish(eta, value, 0, TerminationReason.GradientConverged);
        }

        int rows = options.BatchRows > 0 ? options.BatchRows : (int)Math.Max(1, ((long)problem.Rows + DefaultBatchesPerEpoch - 1) / DefaultBatchesPerEpoch);
        var batches = problem.CreateMiniBatches(rows);
        var update = Begin(problem, batches, options);
        var order = Enumerable.Range(0, batches.Count).ToArray();
        var shuffle = new Random(options.Seed);
        // Each epoch's sum of iterates and their count, so that any later half of the run can be averaged.
        var sums = new List<double[]>();
        var counts = new List<long>();
        var average = new double[eta.Length];
        long step = 0;
        var measured = eta.ToArray();
        for (int epoch = 1; epoch <= options.MaxIterations; epoch++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return recorder.Finish(measured, value, epoch - 1, TerminationReason.Cancelled);
            }

            shuffle.Shuffle(order);
            var sum = new double[AveragesIterates ? eta.Length : 0];
            long count = 0;
            foreach (int batch in order)
            {
                step++;
                if (update.Update(batch, step, eta) is { } failure)
                {
                    recorder.AnnotateLast(failure);
                    return recorder.Finish(measured, value, epoch - 1, TerminationReason.StepTooLarge);
                }

                if (AveragesIterates && update.Moved)
                {
                    count++;
                    for (int i = 0; i < eta.Length; i++)
                    {
                        sum[i] += eta[i];
                    }
                }
            }

            sums.Add(sum);
            counts.Add(count);
            if (epoch % options.MeasureEvery != 0 && epoch != options.MaxIterations)
            {
                continue;
            }

            var returned = AveragesIterates && SuffixAverage(sums, counts, average) ? average : eta;
            double previous = value;
            value = problem.ValueAndGradientIfAny(returned, gradient, out norm);
            if (!double.IsFinite(value))
            {
                throw new ModelFailureException($"the log-likelihood after epoch {epoch} of {Name} is not finite; choose another start, larger batches or a smaller learning rate.");
            }

            recorder.Record(epoch, value, norm);
            if (recorder.Check(previous, value, norm, measured, returned) is { } reason)
            {
                return recorder.Finish(returned, value, epoch, reason);
            }

            returned.CopyTo(measured, 0);
        }

        return recorder.Finish(measured, value, options.MaxIterations, TerminationReason.IterationLimit);
    }

    /// <summary>Writes the mean of the iterates of epochs ⌊e/2⌋ + 1, …, e (e epochs so far); false when they hold none.</summary>
    private static bool SuffixAverage(List<double[]> sums, List<long> counts, double[] average)
    {
        int epochs = sums.Count;
        long count = 0;
        Array.Clear(average);
        for (int e = epochs / 2; e < epochs; e++)
        {
            count += counts[e];
            for (int i = 0; i < average.Length; i++)
            {
                average[i] += sums[e][i];
            }
        }

        for (int i = 0; i < average.Length; i++)
        {
            average[i] /= count;
        }

        return count > 0;
    }
}

/// <summary>One method's update of η after one mini-batch.</summary>
internal interface IBatchUpdate
{
    /// <summary>Whether the last update moved η (online EM's warm-up batches do not).</summary>
    bool Moved { get; }

    /// <summary>
    /// Updates <paramref name="eta"/> in place from batch <paramref name="batch"/>, the <paramref name="step"/>-th update of
    /// the run (from 1); returns why the update could not be taken (η then unchanged), or null.
    /// </summary>
    string? Update(int batch, long step, double[] eta);
}

/// <summary>What the gradient methods share: a batch's per-observation gradient, or why it cannot be taken.</summary>
internal static class BatchGradient
{
    /// <summary>
    /// Writes ∇ℓ_B(η)/N_B = (N/N_B)∇ℓ_B(η)/N, the per-observation gradient of batch <paramref name="batch"/>, so that a
    /// step does not grow with the data or the batch; returns null, or why it cannot be taken (a step of
    /// <paramref name="rate"/> led to invalid parameters or a non-finite ℓ of the batch).
    /// </summary>
    public static string? PerObservation(FitProblem problem, MiniBatches batches, int batch, long step, double rate, ReadOnlySpan<double> eta, Span<double> gradient)
    {
        double value = batches.ScaledGradient(batch, eta, gradient);
        if (!double.IsFinite(value) || !double.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum<double>(gradient)))
        {
            return $"ℓ of a mini-batch became non-finite at update {step}: the learning rate {rate} is too large for this problem; reduce it";
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(gradient, problem.Observations, gradient);
        return null;
    }
}
