using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;
using LatentFit.Numerics.Kernels;
using LatentFit.Transforms;

namespace LatentFit.Models.Hmm;

/// <summary>
/// A hidden Markov model with K states: an initial-state distribution δ, a transition matrix Γ and an emission family
/// shared with the mixtures, unchanged (pomegranate's design: any distribution with a weighted MLE can emit). The
/// E-step is the forward–backward algorithm over each sequence (<see cref="ForwardBackward"/>); its statistics give
/// Baum–Welch's M-step in closed form and, by Fisher's identity, the gradient of ℓ (Baldi &amp; Chauvin 1994).
/// </summary>
/// <remarks>
/// <para>
/// η = (a^δ₁..a^δ_{K−1}, a^Γ₁₁..a^Γ_{K,K−1}, the family's part): the initial distribution and each row of Γ as
/// log-ratios against their last entry (a softmax, as Baldi &amp; Chauvin parameterise them), then the family's
/// unconstrained parameters. Fisher's identity gives ∂ℓ/∂a^δᵢ = Σₛ γₛ,₁(i) − S δᵢ and
/// ∂ℓ/∂a^Γᵢⱼ = ξᵢⱼ − (Σₗ ξᵢₗ) Γᵢⱼ, with S the number of sequences and ξᵢⱼ the expected transitions.
/// </para>
/// <para>
/// Baum–Welch may put δ (and rows of Γ) at a vertex of the simplex: with one sequence, δ becomes γ₁, whose entries
/// underflow to 0 for the states that cannot explain the first row. A zero probability has log-ratio −∞; η holds
/// it as <see cref="LogFloor"/> (a probability of about 10⁻³⁰⁴ relative to the row's largest), which changes ℓ by
/// less than a rounding error and keeps every η finite for the optimisers.
/// </para>
/// <para>
/// The rows of a block are read as sequences (<see cref="DataBlock.SequenceStarts"/>); a block whose rows form no
/// sequences is one sequence, which a data set without sequence ids must be marked as (one block holds it whole).
/// Frequency weights have no meaning for a sequence and are refused.
/// </para>
/// </remarks>
/// <typeparam name="TEmission">The emission family's parameters.</typeparam>
/// <typeparam name="TStatistics">The emission family's statistics.</typeparam>
public sealed class HiddenMarkovModel<TEmission, TStatistics> :
    ILatentVariableModel<HmmParameters<TEmission>, HmmStatistics<TStatistics>>,
    INaturalParameterization<HmmParameters<TEmission>>,
    IParameterScales<HmmParameters<TEmission>>,
    IRecentringModel<HmmParameters<TEmission>, HmmStatistics<TStatistics>>,
    IAnchoredStatisticsModel<HmmParameters<TEmission>, HmmStatistics<TStatistics>>,
    ICompleteDataModel<HmmParameters<TEmission>, HmmStatistics<TStatistics>>,
    ISequenceModel,
    IPortableModel<HmmParameters<TEmission>>,
    ISinglePrecisionRounding
    where TStatistics : IEmissionStatistics<TStatistics>
{
    /// <summary>The log-ratio that stands for a zero probability in η (see remarks): the simplex transform's.</summary>
    public const double LogFloor = SimplexTransform.LogFloor;

    /// <summary>A state whose expected number of observations falls below this share of all observations has collapsed.</summary>
    public const double CollapseThreshold = 1e-10;

    /// <summary>A model of the family's K states.</summary>
    public HiddenMarkovModel(IEmissionFamily<TEmission, TStatistics> family)
    {
        Family = family;
        int k = family.Components;
        NaturalParameterNames = [
            .. Enumerable.Range(1, k).Select(i => $"initial[{i}]"),
            .. Enumerable.Range(1, k).SelectMany(i => Enumerable.Range(1, k).Select(j => $"transition[{i}][{j}]")),
            .. family.NaturalParameterNames];
    }

    /// <summary>The emission family.</summary>
    public IEmissionFamily<TEmission, TStatistics> Family { get; }

    /// <inheritdoc/>
    bool ISinglePrecisionRounding.RoundsInSingle(Precision precision) => Family is ISinglePrecisionRounding family && family.RoundsInSingle(precision);

    /// <summary>K.</summary>
    public int States => Family.Components;

    /// <summary>Length of the transition part of η: K rows of K − 1 log-ratios.</summary>
    private int TransitionParameters => States * (States - 1);

    /// <inheritdoc/>
    public int ParameterCount => States - 1 + TransitionParameters + Family.ParameterCount;

    /// <inheritdoc/>
    public GradientSupport GradientSupport => GradientSupport.Exact;

    /// <inheritdoc/>
    /// <remarks>δ, then Γ row by row, then the family's natural parameters.</remarks>
    public IReadOnlyList<string> NaturalParameterNames { get; }

    /// <inheritdoc/>
    public HmmStatistics<TStatistics> CreateStatistics() => new(Family.CreateStatistics(), States);

    /// <inheritdoc/>
    /// <remarks>Kind <c>hidden-markov</c>, with the emission family's recipe as <c>emission</c>.</remarks>
    /// <exception cref="NotSupportedException">The emission family is not portable.</exception>
    public ModelRecipe Recipe => PortableRecipes.WithEmission(PortableRecipes.HiddenMarkovKind, PortableRecipes.Portable<TEmission>(Family).Recipe);

    /// <inheritdoc/>
    /// <remarks>δ (K), Γ row by row (K²), then the emission family's values.</remarks>
    /// <exception cref="NotSupportedException">The emission family is not portable.</exception>
    public double[] WriteParameters(HmmParameters<TEmission> theta)
    {
        CheckStates(theta);
        return [.. theta.Initial, .. theta.Transition, .. PortableRecipes.Portable<TEmission>(Family).WriteParameters(theta.Emission)];
    }

    /// <inheritdoc/>
    public HmmParameters<TEmission> ReadParameters(ReadOnlySpan<double> values)
    {
        int k = States;
        if (values.Length < k + k * k)
        {
            throw new ArgumentException($"a hidden Markov model of {k} states: expected at least {k + k * k} parameter values, got {values.Length}", nameof(values));
        }

        var emission = PortableRecipes.Portable<TEmission>(Family).ReadParameters(values[(k + k * k)..]);
        return HmmParameters<TEmission>.Own(values[..k].ToArray(), values.Slice(k, k * k).ToArray(), emission);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The rows carry frequency weights, or a block begins inside a sequence, or the parameters have another K.</exception>
    public void Accumulate(HmmParameters<TEmission> theta, DataBlock rows, HmmStatistics<TStatistics> into)
    {
        CheckStates(theta);
        RequireWholeSequences(rows);
        int k = States;
        int longest = LongestSequence(rows);
        if (longest == 0)
        {
            return;
        }

        int capacity = Math.Min(Family.BlockRows(rows.Precision), longest);
        // On cache lines, as the emission kernels' own buffers (see CacheLineBuffer).
        var densities = CacheLineBuffer<double>.Rent(longest * k);
        var forward = CacheLineBuffer<double>.Rent(longest * k);
        var normalisers = CacheLineBuffer<double>.Rent(longest);
        var classMajor = CacheLineBuffer<double>.Rent(capacity * k);
        var pairSums = new double[k * k];
        var transitions = new double[k * k];
        try
        {
            using var workspace = Family.CreateWorkspace(theta.Emission, into.Emission, capacity, rows.Precision);
            int sequences = Math.Max(1, rows.SequenceCount);
            double logLikelihood = 0;
            for (int s = 0; s < sequences; s++)
            {
                var range = rows.HasSequences ? rows.Sequence(s) : new RowRange(0, rows.Rows);
                var sequence = rows.Slice(range.Start, range.Count);
                int length = sequence.Rows;
                var logDensities = densities.AsSpan(0, length * k);
                LogDensities(workspace, sequence, capacity, classMajor.AsSpan(), logDensities);
                double sequenceLogLikelihood = ForwardBackward.Run(
                    theta.Initial, theta.Transition, k, length, logDensities, forward.AsSpan(0, length * k), normalisers.AsSpan(0, length), transitions, pairSums);
                logLikelihood += sequenceLogLikelihood;
                if (!double.IsFinite(sequenceLogLikelihood))
                {
                    // ℓ = −∞ at these parameters: the statistics are not used (no M-step, no gradient), so stop here.
                    break;
                }

                // logDensities now holds γₜ(k), time-major.
                for (int j = 0; j < k; j++)
                {
                    into.InitialCounts[j] += logDensities[j];
                }

                AddRows(logDensities, k, into.Occupancies);

                AccumulateEmissions(workspace, sequence, capacity, classMajor.AsSpan(), logDensities);
            }

            for (int i = 0; i < transitions.Length; i++)
            {
                into.TransitionCounts[i] += transitions[i];
            }

            into.LogLikelihood += logLikelihood;
            into.Weight += rows.Rows;
            into.Sequences += sequences;
        }
        finally
        {
            densities.Return();
            forward.Return();
            normalisers.Return();
            classMajor.Return();
        }
    }

    /// <summary>
    /// The most probable state path (Viterbi) and the posterior state probabilities γₜ(k) of every sequence of
    /// <paramref name="rows"/> under θ, row by row: <paramref name="states"/>[t] (0-based) and <paramref name="posteriors"/>[t·K + k],
    /// each row normalised to sum to 1.
    /// </summary>
    /// <returns>ℓ of the rows (−∞ when a row has no finite density).</returns>
    public double Decode(HmmParameters<TEmission> theta, DataBlock rows, Span<int> states, Span<double> posteriors)
    {
        CheckStates(theta);
        RequireWholeSequences(rows);
        int k = States;
        int longest = LongestSequence(rows);
        if (longest == 0)
        {
            return 0;
        }

        int capacity = Math.Min(Family.BlockRows(rows.Precision), longest);
        var forward = new double[longest * k];
        var normalisers = new double[longest];
        var classMajor = new double[capacity * k];
        var pairSums = new double[k * k];
        var transitions = new double[k * k];
        var logDensities = new double[longest * k];
        double logLikelihood = 0;
        using var workspace = Family.CreateWorkspace(theta.Emission, Family.CreateStatistics(), capacity, rows.Precision);
        int sequences = Math.Max(1, rows.SequenceCount);
        for (int s = 0; s < sequences; s++)
        {
            var range = rows.HasSequences ? rows.Sequence(s) : new RowRange(0, rows.Rows);
            var sequence = rows.Slice(range.Start, range.Count);
            int length = sequence.Rows;
            var densities = logDensities.AsSpan(0, length * k);
            LogDensities(workspace, sequence, capacity, classMajor, densities);
            ForwardBackward.Viterbi(theta.Initial, theta.Transition, k, length, densities, states.Slice(range.Start, length));
            logLikelihood += ForwardBackward.Run(theta.Initial, theta.Transition, k, length, densities, forward, normalisers, transitions, pairSums);
            var sequencePosteriors = posteriors.Slice(range.Start * k, length * k);
            densities.CopyTo(sequencePosteriors);
            for (int t = 0; t < length; t++)
            {
                // γₜ sums to 1 up to rounding; as probabilities a user reads, each row is made to (no entry above 1).
                var row = sequencePosteriors.Slice(t * k, k);
                double sum = 0;
                foreach (double p in row)
                {
                    sum += p;
                }

                if (sum > 0)
                {
                    for (int j = 0; j < k; j++)
                    {
                        row[j] /= sum;
                    }
                }
            }
        }

        return logLikelihood;
    }

    /// <summary>log bₜ(k) of a sequence, time-major, through the family's workspace a chunk of rows at a time.</summary>
    private void LogDensities(IEmissionWorkspace workspace, DataBlock sequence, int capacity, Span<double> classMajor, Span<double> logDensities)
    {
        int k = States;
        for (int start = 0; start < sequence.Rows; start += capacity)
        {
            int count = Math.Min(capacity, sequence.Rows - start);
            var chunk = sequence.Slice(start, count);
            var buffer = classMajor[..(count * k)];
            workspace.Load(chunk);
            workspace.LogDensities(chunk, buffer);
            Transpose(buffer, k, count, logDensities.Slice(start * k, count * k));
        }
    }

    /// <summary>Adds the family's statistics of a sequence weighted by γₜ(k) (time-major), a chunk of rows at a time.</summary>
    private void AccumulateEmissions(IEmissionWorkspace workspace, DataBlock sequence, int capacity, Span<double> classMajor, ReadOnlySpan<double> posteriors)
    {
        int k = States;
        for (int start = 0; start < sequence.Rows; start += capacity)
        {
            int count = Math.Min(capacity, sequence.Rows - start);
            var chunk = sequence.Slice(start, count);
            var buffer = classMajor[..(count * k)];
            Transpose(posteriors.Slice(start * k, count * k), count, k, buffer);

            workspace.Load(chunk);
            workspace.Accumulate(chunk, buffer);
        }
    }

    /// <summary>The rows×columns matrix <paramref name="source"/> (row-major) into <paramref name="destination"/> as columns×rows.</summary>
    private static void Transpose(ReadOnlySpan<double> source, int rows, int columns, Span<double> destination)
    {
        ref double from = ref MemoryMarshal.GetReference(source);
        ref double to = ref MemoryMarshal.GetReference(destination);
        for (int r = 0; r < rows; r++)
        {
            ref double row = ref Unsafe.Add(ref from, r * columns);
            for (int c = 0; c < columns; c++)
            {
                Unsafe.Add(ref to, c * rows + r) = Unsafe.Add(ref row, c);
            }
        }
    }

    /// <summary>sums[j] += Σₜ rows[t·K + j] over the rows of a time-major T×K matrix, a vector of states at a time.</summary>
    private static void AddRows(ReadOnlySpan<double> rows, int k, Span<double> sums)
    {
        int width = Vector<double>.Count, length = rows.Length / k, j = 0;
        ref double start = ref MemoryMarshal.GetReference(rows);
        for (; j <= k - width; j += width)
        {
            var sum = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(sums), (nuint)j);
            for (int t = 0; t < length; t++)
            {
                sum += Vector.LoadUnsafe(ref start, (nuint)(t * k + j));
            }

            sum.StoreUnsafe(ref MemoryMarshal.GetReference(sums), (nuint)j);
        }

        for (; j < k; j++)
        {
            double sum = sums[j];
            for (int t = 0; t < length; t++)
            {
                sum += Unsafe.Add(ref start, t * k + j);
            }

            sums[j] = sum;
        }
    }

    private static void RequireWholeSequences(DataBlock rows)
    {
        if (!rows.RowWeights.IsEmpty)
        {
            throw new ArgumentException("a hidden Markov model takes no frequency weights: a row of a sequence is one observation at one time", nameof(rows));
        }

        if (rows.StartsInsideSequence || (!rows.HasSequences && rows.FirstRow != 0))
        {
            throw new ArgumentException(
                $"the block of rows from row {rows.FirstRow + 1} begins inside a sequence; a hidden Markov model needs whole sequences (mark data without sequence ids as one sequence)",
                nameof(rows));
        }
    }

    private static int LongestSequence(DataBlock rows)
    {
        if (!rows.HasSequences)
        {
            return rows.Rows;
        }

        int longest = 0;
        for (int s = 0; s < rows.SequenceCount; s++)
        {
            longest = Math.Max(longest, rows.Sequence(s).Count);
        }

        return longest;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Baum–Welch (Rabiner 1989, eqs. 40a–c): δᵢ = Σₛ γₛ,₁(i) / S, Γᵢⱼ = ξᵢⱼ / Σₗ ξᵢₗ, and the family's weighted MLE with
    /// the occupancies as class weights. A row of Γ whose state is never left within a sequence (it occurs only last)
    /// keeps its current value: the statistics say nothing about it.
    /// </remarks>
    /// <exception cref="ModelFailureException">ℓ at the current parameters is not finite.</exception>
    /// <exception cref="ComponentCollapsedException">A state's expected number of observations is at most <see cref="CollapseThreshold"/> of all.</exception>
    public HmmParameters<TEmission> Maximize(HmmParameters<TEmission> current, HmmStatistics<TStatistics> stats)
    {
        CheckStates(current);
        if (!double.IsFinite(stats.LogLikelihood))
        {
            throw new ModelFailureException("the log-likelihood at the current parameters is not finite, so there is no M-step from them; start from other parameters.");
        }

        int k = States;
        for (int j = 0; j < k; j++)
        {
            if (!(stats.Occupancies[j] > CollapseThreshold * stats.Weight))
            {
                throw new ComponentCollapsedException(j, stats.Occupancies[j], stats.Weight);
            }
        }

        var initial = new double[k];
        for (int j = 0; j < k; j++)
        {
            initial[j] = stats.InitialCounts[j] / stats.Sequences;
        }

        var transition = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            var counts = stats.TransitionCounts.AsSpan(i * k, k);
            double sum = Total(counts);
            var row = transition.AsSpan(i * k, k);
            if (sum > 0)
            {
                for (int j = 0; j < k; j++)
                {
                    row[j] = counts[j] / sum;
                }
            }
            else
            {
                current.TransitionRow(i).CopyTo(row);
            }
        }

        var emission = Family.Maximize(current.Emission, stats.Emission, stats.Occupancies, stats.Weight);
        return HmmParameters<TEmission>.Own(initial, transition, emission);
    }

    /// <inheritdoc/>
    public void Gradient(HmmParameters<TEmission> current, HmmStatistics<TStatistics> stats, Span<double> gradient)
    {
        CheckStates(current);
        ChainGradient(current, stats, gradient);
        Family.Gradient(current.Emission, stats.Emission, stats.Occupancies, stats.Weight, gradient[(States - 1 + TransitionParameters)..]);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Q = Σᵢ (Σₛ γₛ,₁(i)) log δᵢ + Σᵢⱼ ξᵢⱼ log Γᵢⱼ + Σₜ Σᵢ γₜ(i) log pᵢ(xₜ | θ) (Baum et al. 1970; Rabiner 1989, eq. 41), the
    /// last part the family's. A count that is 0 contributes 0 even where θ's probability is 0 (a state Baum–Welch put at
    /// a vertex, whose expected counts are then 0 too); a positive count against a zero probability makes Q −∞. The
    /// gradient in the log-ratios, counts − total·probabilities, is the same at any θ, so with θ = θₜ it is
    /// <see cref="Gradient"/>'s; a probability held at <see cref="LogFloor"/> is 10⁻³⁰⁴ in θ(η), not 0, and its log is finite.
    /// </remarks>
    public double CompleteDataLogLikelihood(HmmParameters<TEmission> theta, HmmParameters<TEmission> at, HmmStatistics<TStatistics> stats, Span<double> gradient)
    {
        CheckStates(theta);
        int k = States;
        ChainGradient(theta, stats, gradient);
        double value = SimplexTransform.ExpectedLogLikelihood(stats.InitialCounts, theta.Initial);
        for (int i = 0; i < k; i++)
        {
            value += SimplexTransform.ExpectedLogLikelihood(stats.TransitionCounts.AsSpan(i * k, k), theta.TransitionRow(i));
        }

        return value + Family.CompleteDataLogLikelihood(theta.Emission, at.Emission, stats.Emission, stats.Occupancies, stats.Weight, gradient[(k - 1 + TransitionParameters)..]);
    }

    /// <summary>
    /// The initial distribution's and the transitions' part of ∇_η Q at <paramref name="theta"/> (and of ∇ℓ at θ = θₜ):
    /// Σₛ γₛ,₁(i) − S δᵢ and ξᵢⱼ − (Σₗ ξᵢₗ) Γᵢⱼ in the log-ratios.
    /// </summary>
    private void ChainGradient(HmmParameters<TEmission> theta, HmmStatistics<TStatistics> stats, Span<double> gradient)
    {
        int k = States;
        SimplexTransform.Gradient(stats.InitialCounts, stats.Sequences, theta.Initial, gradient[..(k - 1)]);
        var transitionPart = gradient.Slice(k - 1, TransitionParameters);
        for (int i = 0; i < k; i++)
        {
            var counts = stats.TransitionCounts.AsSpan(i * k, k);
            SimplexTransform.Gradient(counts, Total(counts), theta.TransitionRow(i), transitionPart.Slice(i * (k - 1), k - 1));
        }
    }

    /// <summary>Σᵢ counts[i], in order: the expected number of transitions out of a state.</summary>
    private static double Total(ReadOnlySpan<double> counts)
    {
        double sum = 0;
        foreach (double c in counts)
        {
            sum += c;
        }

        return sum;
    }

    /// <inheritdoc/>
    public void ToUnconstrained(HmmParameters<TEmission> theta, Span<double> eta)
    {
        CheckStates(theta);
        int k = States;
        SimplexTransform.ToFlooredLogRatios(theta.Initial, eta[..(k - 1)]);
        for (int i = 0; i < k; i++)
        {
            SimplexTransform.ToFlooredLogRatios(theta.TransitionRow(i), eta.Slice(k - 1 + i * (k - 1), k - 1));
        }

        Family.ToUnconstrained(theta.Emission, eta[(k - 1 + TransitionParameters)..]);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">η has the wrong length.</exception>
    public HmmParameters<TEmission> FromUnconstrained(ReadOnlySpan<double> eta)
    {
        if (eta.Length != ParameterCount)
        {
            throw new ArgumentException($"expected {ParameterCount} parameters, got {eta.Length}", nameof(eta));
        }

        int k = States;
        var initial = new double[k];
        SimplexTransform.FromLogRatios(eta[..(k - 1)], initial);
        var transition = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            SimplexTransform.FromLogRatios(eta.Slice(k - 1 + i * (k - 1), k - 1), transition.AsSpan(i * k, k));
        }

        return HmmParameters<TEmission>.Own(initial, transition, Family.FromUnconstrained(eta[(k - 1 + TransitionParameters)..]));
    }

    /// <inheritdoc/>
    public void ToNatural(HmmParameters<TEmission> theta, Span<double> natural)
    {
        CheckStates(theta);
        int k = States;
        theta.Initial.CopyTo(natural);
        theta.Transition.CopyTo(natural[k..]);
        Family.ToNatural(theta.Emission, natural[(k + k * k)..]);
    }

    /// <inheritdoc/>
    /// <remarks>False where a probability is negative or not finite, a distribution sums to 0, or the family refuses its part.</remarks>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out HmmParameters<TEmission> theta)
    {
        int k = States;
        theta = null!;
        if (!Family.TryFromNatural(natural[(k + k * k)..], out var emission))
        {
            return false;
        }

        try
        {
            theta = HmmParameters<TEmission>.Create(natural[..k], natural.Slice(k, k * k), emission);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public void Scales(HmmParameters<TEmission> theta, Span<double> scales)
    {
        int offset = States - 1 + TransitionParameters;
        scales[..offset].Fill(1);
        Family.Scales(theta.Emission, scales[offset..]);
    }

    /// <inheritdoc/>
    public Func<HmmStatistics<TStatistics>>? Recentre(HmmParameters<TEmission> current, HmmStatistics<TStatistics> stats)
    {
        if (Family is not IRecentringEmissionFamily<TEmission, TStatistics> recentring || !double.IsFinite(stats.LogLikelihood))
        {
            return null;
        }

        var create = recentring.CentresIfFar(current.Emission, stats.Emission, stats.Occupancies, stats.Weight);
        int k = States;
        return create is null ? null : () => new HmmStatistics<TStatistics>(create(), k);
    }

    /// <inheritdoc/>
    public HmmStatistics<TStatistics> CreateAnchoredStatistics(HmmParameters<TEmission> anchor) =>
        Family is IRecentringEmissionFamily<TEmission, TStatistics> recentring
            ? new HmmStatistics<TStatistics>(recentring.CreateAnchoredStatistics(anchor.Emission), States)
            : CreateStatistics();

    /// <inheritdoc/>
    /// <remarks>Anchored statistics fix their centres, so the family measures from those and needs no current θ.</remarks>
    public Func<HmmStatistics<TStatistics>>? Reanchor(HmmStatistics<TStatistics> stats)
    {
        if (Family is not IRecentringEmissionFamily<TEmission, TStatistics> recentring || !double.IsFinite(stats.LogLikelihood))
        {
            return null;
        }

        var create = recentring.CentresIfFar(default, stats.Emission, stats.Occupancies, stats.Weight);
        int k = States;
        return create is null ? null : () => new HmmStatistics<TStatistics>(create(), k);
    }

    private void CheckStates(HmmParameters<TEmission> theta)
    {
        if (theta.States != States)
        {
            throw new ArgumentException($"the parameters have {theta.States} states; the model has {States}");
        }
    }
}
