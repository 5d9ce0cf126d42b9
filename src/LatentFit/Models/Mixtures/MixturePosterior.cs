using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LatentFit.Data;
using LatentFit.Numerics;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Mixtures;

/// <summary>
/// What the posterior of a mixture adds to its statistics: ℓ = Σₙ wₙ log p(xₙ), the total weight Σₙ wₙ and the
/// occupancies nₖ = Σₙ wₙrₙₖ. A mixture's statistics implement it; the emission family's statistics hold the rest.
/// </summary>
internal interface IMixtureTotals
{
    /// <summary>ℓ so far; −∞ once some row had no finite density under any component.</summary>
    double LogLikelihood { get; set; }

    /// <summary>Σₙ wₙ so far.</summary>
    double Weight { get; set; }

    /// <summary>nₖ so far.</summary>
    double[] ComponentWeights { get; }
}

/// <summary>
/// The posterior over the components of a mixture, shared by every emission family: log-sum-exp over the K
/// weighted log-densities of a block, the responsibilities with underflow flushed, the −∞ of a row no component
/// explains, and the collapse threshold the M-step checks the occupancies against.
/// </summary>
internal static class MixturePosterior
{
    /// <summary>A component whose share Σₙ rₙₖ / N falls below this has collapsed.</summary>
    public const double CollapseThreshold = 1e-10;

    // Responsibilities are exponentials of log-densities less their row's maximum, clamped below at ExpFloor; those
    // at or below FlushBelow (twice e^ExpFloor, so that clamped lanes fall below it whatever the last bit of the SIMD
    // exponential) are set to 0 (see ExpFlushingUnderflow).
    private const double ExpFloor = -700;
    private static readonly double FlushBelow = 2 * Math.Exp(ExpFloor);

    // The float32 posterior's floor: e⁻⁸⁰ ≈ 1.8e-35, three orders of magnitude above float32's smallest normal number
    // (1.2e-38), so that a responsibility times a centred value stays normal; at or below twice it a responsibility is 0
    // (as ExpFloor and FlushBelow in float64).
    private const float ExpFloorSingle = -80f;
    private static readonly float FlushBelowSingle = 2 * MathF.Exp(ExpFloorSingle);

    // 2⁷: the float32 posterior's constants are split into a multiple of 2⁻⁷ and a factor (see SinglePrecisionShifts).
    private const double CoarseGrid = 128;

    // Components whose per-lane sums of the fused responsibilities fit on the stack.
    private const int MaxRegisterComponents = 128;

    /// <summary>
    /// The same in one sweep over the block, a register's width of rows at a time (any width: the kernel is generic
    /// over <see cref="ILanes{TVector, T}"/>): log-weights, row maxima, exponentials, their sum, the responsibilities,
    /// log marginals and the per-component sums, with the K values of each row read from L1 three times instead of a
    /// dozen library calls over the block, whose fixed costs were most of the time for small D. Each of the three
    /// passes steps a native-width offset by B instead of computing j·B + n for each value (a multiplication, an
    /// addition and a sign extension, and the last pass spilled its index): the posterior's samples against the
    /// log-densities' fell from 0.35–0.39 to 0.29–0.36 (three alternating pairs, full D = 16, float64, Zen 3). An offset,
    /// not a reference advanced by B: after the last component such a reference would point past the array's end,
    /// where a garbage collection must never find one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ResponsibilitiesRegisters<TLanes, TVector>(DataBlock block, Span<double> logDensities, ReadOnlySpan<double> logWeights, IMixtureTotals into)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        int k = logWeights.Length, b = block.Rows, width = TLanes.Count;
        nuint step = (nuint)b;
        var smallest = TLanes.Broadcast(FlushBelow);
        var floor = TLanes.Broadcast(ExpFloor);
        Span<TVector> componentSums = stackalloc TVector[k];
        componentSums.Fill(TLanes.Zero);
        var logLikelihood = TLanes.Zero;
        var weights = block.RowWeights;
        ref double p = ref MemoryMarshal.GetReference(logDensities);
        ref double w = ref MemoryMarshal.GetReference(weights);
        for (int n = 0; n < b; n += width)
        {
            var max = ShiftAndMax<TLanes, TVector, double>(ref p, logWeights, b, n, out var total);
            if (!TLanes.AllFinite(max) || TLanes.AnyNaN(total))
            {
                NoComponentExplains(into, logDensities[..(k * b)]);
                return;
            }

            // Four components a step, their exponentials interleaved (see VectorExp.OfNonPositive); the last one to
            // three with the floor in the unused slots, whose results are dropped. The sum takes the components in
            // order, as one at a time. No NaN gets here (the row's maximum would be NaN), so the clamp takes the
            // instruction's maximum.
            var sum = TLanes.Zero;
            nuint at = (nuint)n;
            for (int j = 0; j < k; j += 4)
            {
                int left = k - j;
                ExponentialsOfFour<TLanes, TVector, double>(ref p, at, step, left, max, floor, out var e0, out var e1, out var e2, out var e3);
                sum = StoreExponential<TLanes, TVector, double>(ref p, at, TLanes.ZeroAtOrBelow(e0, smallest), sum);
                if (left > 1)
                {
                    sum = StoreExponential<TLanes, TVector, double>(ref p, at + step, TLanes.ZeroAtOrBelow(e1, smallest), sum);
                }

                if (left > 2)
                {
                    sum = StoreExponential<TLanes, TVector, double>(ref p, at + (2 * step), TLanes.ZeroAtOrBelow(e2, smallest), sum);
                }

                if (left > 3)
                {
                    sum = StoreExponential<TLanes, TVector, double>(ref p, at + (3 * step), TLanes.ZeroAtOrBelow(e3, smallest), sum);
                }

                at += 4 * step;
            }

            var rowWeight = weights.IsEmpty ? TLanes.Broadcast(1.0) : TLanes.Load(ref w, (nuint)n);
            Normalize<TLanes, TVector, double>(ref p, sum, rowWeight, componentSums, b, n);
            logLikelihood = TLanes.MultiplyAdd(TLanes.Add(max, VectorLog.OfAtLeastSqrtHalf<TLanes, TVector, double>(sum)), rowWeight, logLikelihood);
        }

        into.LogLikelihood += TLanes.Sum(logLikelihood);
        into.Weight += weights.IsEmpty ? b : TensorPrimitives.Sum(weights);
        var componentWeights = into.ComponentWeights;
        for (int j = 0; j < k; j++)
        {
            componentWeights[j] += TLanes.Sum(componentSums[j]);
        }
    }

    /// <summary>
    /// A float32 exponential (at most 1, see <see cref="VectorExp"/>) times its component's factor fₖ (see
    /// <see cref="SinglePrecisionShifts"/>), with values at or below <paramref name="smallest"/> set to 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Scale<TLanes, TVector>(TVector e, float factor, TVector smallest)
        where TLanes : struct, ILanes<TVector, float>
        where TVector : unmanaged =>
        TLanes.ZeroAtOrBelow(TLanes.Multiply(e, TLanes.Broadcast(factor)), smallest);

    /// <summary>
    /// exp(max(v − max, floor)) of the values of up to four components from p[at], <paramref name="step"/> apart, as four
    /// interleaved exponentials (see <see cref="VectorExp"/>); slots from <paramref name="left"/> on take the floor, and
    /// their results are the caller's to drop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExponentialsOfFour<TLanes, TVector, T>(ref T p, nuint at, nuint step, int left, TVector max, TVector floor, out TVector e0, out TVector e1, out TVector e2, out TVector e3)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x0 = TLanes.MaxOfNumbers(TLanes.Subtract(TLanes.Load(ref p, at), max), floor);
        var x1 = left > 1 ? TLanes.MaxOfNumbers(TLanes.Subtract(TLanes.Load(ref p, at + step), max), floor) : floor;
        var x2 = left > 2 ? TLanes.MaxOfNumbers(TLanes.Subtract(TLanes.Load(ref p, at + (2 * step)), max), floor) : floor;
        var x3 = left > 3 ? TLanes.MaxOfNumbers(TLanes.Subtract(TLanes.Load(ref p, at + (3 * step)), max), floor) : floor;
        VectorExp.OfNonPositive<TLanes, TVector, T>(x0, x1, x2, x3, out e0, out e1, out e2, out e3);
    }

    /// <summary>An exponential stored in place of its value and added to the row's sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector StoreExponential<TLanes, TVector, T>(ref T p, nuint at, TVector e, TVector sum)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TLanes.Store(e, ref p, at);
        return TLanes.Add(sum, e);
    }

    /// <summary>
    /// Every component density underflowed for some row, or one is NaN (absurd parameters, e.g. a line-search probe):
    /// ℓ is −∞, and the statistics are not used.
    /// </summary>
    private static void NoComponentExplains<T>(IMixtureTotals into, Span<T> values)
    {
        into.LogLikelihood = double.NegativeInfinity;
        values.Clear();
    }

    /// <summary>
    /// The first pass over one register of rows (at column n of the K×B values): each component's shift added in place,
    /// and the rows' maximum. The maximum is the instruction's own, which may drop a NaN, so the values' sum comes back
    /// too: NaN exactly when a value is NaN (or +∞ meets −∞, when the maximum is +∞ and fails the finiteness check
    /// anyway; no log-density is +∞ otherwise). IEEE's maximum took eight instructions a value on x86 where this takes
    /// two (diag N = 1M, D = 16, K = 8: 34.5–35.2 against 35.3–35.9 ms per iteration on a Zen 3, alternating runs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ShiftAndMax<TLanes, TVector, T>(ref T p, ReadOnlySpan<T> shifts, int b, int n, out TVector total)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var max = TLanes.Broadcast(T.NegativeInfinity);
        total = TLanes.Zero;
        ref T shift = ref MemoryMarshal.GetReference(shifts);
        nuint at = (nuint)n, step = (nuint)b;
        for (int j = 0; j < shifts.Length; j++)
        {
            var value = TLanes.Add(TLanes.Load(ref p, at), TLanes.Broadcast(Unsafe.Add(ref shift, j)));
            TLanes.Store(value, ref p, at);
            max = TLanes.MaxOfNumbers(max, value);
            total = TLanes.Add(total, value);
            at += step;
        }

        return max;
    }

    /// <summary>
    /// The last pass over one register of rows: the exponentials divided by their sum, and each component's
    /// responsibilities times the row weights added to its lanes' sums. One division per row instead of K: eₖ × (1/Σ)
    /// is within an ulp of eₖ/Σ (and sums to 1 as closely), and a 512-bit division costs as much as a dozen
    /// multiplications.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Normalize<TLanes, TVector, T>(ref T p, TVector sum, TVector rowWeight, Span<TVector> componentSums, int b, int n)
        where TLanes : struct, ILanes<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var reciprocal = TLanes.Divide(TLanes.Broadcast(T.One), sum);
        ref TVector componentSum = ref MemoryMarshal.GetReference(componentSums);
        nuint at = (nuint)n, step = (nuint)b;
        for (int j = 0; j < componentSums.Length; j++)
        {
            var r = TLanes.Multiply(TLanes.Load(ref p, at), reciprocal);
            TLanes.Store(r, ref p, at);
            Unsafe.Add(ref componentSum, j) = TLanes.MultiplyAdd(r, rowWeight, Unsafe.Add(ref componentSum, j));
            at += step;
        }
    }

    /// <summary>
    /// The float32 posterior's constants for one θ, computed once for all the blocks of a chunk: each component's
    /// aₖ = log αₖ + the constant its float32 log-densities leave out, split into <see cref="Coarse"/> ãₖ on a grid of
    /// 2⁻⁷ (which a float32 value below 2¹⁷ in size takes with no rounding, or with its own random low bits rounded) and
    /// a factor <see cref="Factors"/> fₖ = exp(aₖ − ãₖ) ∈ [e^−1/256, e^1/256] on the exponentials; and
    /// <see cref="Residuals"/> aₖ − ãₖ − log fₖ, what fₖ's rounding to float32 leaves out.
    /// </summary>
    internal sealed class SinglePrecisionShifts
    {
        /// <summary>Splits log αₖ + constantₖ for every component.</summary>
        public SinglePrecisionShifts(ReadOnlySpan<double> logWeights, ReadOnlySpan<double> constants)
        {
            LogWeights = logWeights.ToArray();
            Constants = constants.ToArray();
            Coarse = new float[logWeights.Length];
            Factors = new float[logWeights.Length];
            Residuals = new double[logWeights.Length];
            for (int j = 0; j < logWeights.Length; j++)
            {
                double constant = logWeights[j] + constants[j];
                Coarse[j] = (float)(Math.Round(constant * CoarseGrid) / CoarseGrid);
                Factors[j] = (float)Math.Exp(constant - Coarse[j]);
                Residuals[j] = constant - Coarse[j] - Math.Log(Factors[j]);
            }
        }

        /// <summary>log αₖ.</summary>
        public double[] LogWeights { get; }

        /// <summary>The constants the float32 log-densities leave out (<see cref="Emissions.ISinglePrecisionEmissionWorkspace.LogDensityConstants"/>).</summary>
        public double[] Constants { get; }

        /// <summary>ãₖ.</summary>
        public float[] Coarse { get; }

        /// <summary>fₖ.</summary>
        public float[] Factors { get; }

        /// <summary>aₖ − ãₖ − log fₖ.</summary>
        public double[] Residuals { get; }
    }

    /// <summary>
    /// The posterior of a block of single-precision rows in float32 (issue 13): the log-densities come in float32
    /// without their constants (<see cref="Emissions.ISinglePrecisionEmissionWorkspace"/>), the responsibilities go out
    /// in float32 for the float32 moment kernels, and the exponentials and sums run on twice the lanes of float64.
    /// <para>
    /// ℓ is kept free of float32's systematic rounding. A value u + c on the grid of its
    /// binade, with c a constant rounded to float32, rounds the same way for every row of the binade: summed over N rows
    /// that is a bias, not noise (with the normaliser added in float32 by the kernels, ℓ moved by 4.4e-9 of itself at
    /// the start of the D = 16, N = 200,000 benchmark, against 1.3e-10 for the float32 kernels' own rounding). So each
    /// component's constant aₖ = log αₖ + its normaliser is split into ãₖ, a multiple of 2⁻⁷ (which a value below 2¹⁷
    /// in size takes exactly, or rounding only its own random low bits), and a factor fₖ = exp(aₖ − ãₖ) on the
    /// exponentials; each row's log marginal is v* + log Σₖ fₖ exp(vₖ − v*), with v* its largest coarse term, the two
    /// parts summed in float64 (log Σ ≥ 0 is often below half an ulp of v*); and ℓ takes back
    /// Σₖ (aₖ − ãₖ − log fₖ)nₖ, the first-order effect of fₖ's rounding to float32 (∂ℓ/∂ log fₖ = nₖ). nₖ is summed in
    /// float32 within the block, as the float32 moments are. The responsibilities carry fₖ's rounding (6e-8 of each at
    /// most) besides float32's own. Rows that no component explains, and NaN, are handled as in float64. Checked against
    /// the float64 posterior on the same float32 log-densities in the tests.
    /// </para>
    /// </summary>
    /// <param name="block">The block's rows (their count B and row weights).</param>
    /// <param name="logDensities">log pₖ(xₙ) less its constant at [k·B + n] in, the responsibilities out.</param>
    /// <param name="shifts">log αₖ and each component's constant left out of <paramref name="logDensities"/>, split.</param>
    /// <param name="scratch">At least 3B floats: the row weights in float32 and the two parts of each row's term of ℓ.</param>
    /// <param name="into">The statistics that take ℓ, the total weight and nₖ.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Responsibilities(DataBlock block, Span<float> logDensities, SinglePrecisionShifts shifts, Span<float> scratch, IMixtureTotals into)
    {
        int k = shifts.LogWeights.Length, b = block.Rows;
        if (KernelPath.Bits > 0 && b % (KernelPath.Bits / 32) == 0 && k <= MaxRegisterComponents)
        {
            switch (KernelPath.Bits)
            {
                case 512:
                    ResponsibilitiesSingleRegisters<Lanes512<float>, Vector512<float>>(block, logDensities, shifts, scratch, into);
                    break;
                case 256:
                    ResponsibilitiesSingleRegisters<Lanes256<float>, Vector256<float>>(block, logDensities, shifts, scratch, into);
                    break;
                default:
                    ResponsibilitiesSingleRegisters<Lanes128<float>, Vector128<float>>(block, logDensities, shifts, scratch, into);
                    break;
            }

            return;
        }

        // A block the registers do not take (rows not a whole number of vectors, or no SIMD): the float64 posterior on
        // the widened values with their constants added in float64, narrowed after.
        var wide = ArrayPool<double>.Shared.Rent(k * b);
        var maxima = ArrayPool<double>.Shared.Rent(2 * b);
        try
        {
            var values = wide.AsSpan(0, k * b);
            TensorPrimitives.ConvertChecked<float, double>(logDensities[..(k * b)], values);
            for (int j = 0; j < k; j++)
            {
                TensorPrimitives.Add(values.Slice(j * b, b), shifts.Constants[j], values.Slice(j * b, b));
            }

            Responsibilities(block, values, shifts.LogWeights, maxima.AsSpan(0, 2 * b), into);
            TensorPrimitives.ConvertTruncating<double, float>(values, logDensities[..(k * b)]);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(wide);
            ArrayPool<double>.Shared.Return(maxima);
        }
    }

    /// <summary>The float32 posterior in one sweep over the block, a register's width of rows at a time (any width), as in float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ResponsibilitiesSingleRegisters<TLanes, TVector>(DataBlock block, Span<float> logDensities, SinglePrecisionShifts shifts, Span<float> scratch, IMixtureTotals into)
        where TLanes : struct, ILanes<TVector, float>
        where TVector : unmanaged
    {
        int k = shifts.LogWeights.Length, b = block.Rows, width = TLanes.Count;
        nuint step = (nuint)b;
        var smallest = TLanes.Broadcast(FlushBelowSingle);
        var floor = TLanes.Broadcast(ExpFloorSingle);
        ref float factor = ref MemoryMarshal.GetArrayDataReference(shifts.Factors);
        Span<TVector> componentSums = stackalloc TVector[k];
        componentSums.Fill(TLanes.Zero);
        var weights = block.RowWeights;
        var rowWeights = scratch[..b];
        var largest = scratch.Slice(b, b);
        var logSum = scratch.Slice(2 * b, b);
        if (!weights.IsEmpty)
        {
            TensorPrimitives.ConvertTruncating<double, float>(weights, rowWeights);
        }

        ref float p = ref MemoryMarshal.GetReference(logDensities);
        ref float w = ref MemoryMarshal.GetReference(rowWeights);
        for (int n = 0; n < b; n += width)
        {
            var max = ShiftAndMax<TLanes, TVector, float>(ref p, shifts.Coarse, b, n, out var total);
            if (!TLanes.AllFinite(max) || TLanes.AnyNaN(total))
            {
                NoComponentExplains(into, logDensities[..(k * b)]);
                return;
            }

            // Four components a step, as in float64. The inlined exponential gives e⁰ = 1 exactly and eᵈ ≤ 1 for d ≤ 0
            // (tested): the runtime's float32 one, used on x86 without FMA until 2026-12-04, gave 1 + 2⁻²³ at d = 0 (every
            // row's largest term), which had to be clamped, or ℓ would gain 1.2e-7 a row (0.025 at N = 200,000).
            var sum = TLanes.Zero;
            nuint at = (nuint)n;
            for (int j = 0; j < k; j += 4)
            {
                int left = k - j;
                ExponentialsOfFour<TLanes, TVector, float>(ref p, at, step, left, max, floor, out var e0, out var e1, out var e2, out var e3);
                sum = StoreExponential<TLanes, TVector, float>(ref p, at, Scale<TLanes, TVector>(e0, Unsafe.Add(ref factor, j), smallest), sum);
                if (left > 1)
                {
                    sum = StoreExponential<TLanes, TVector, float>(ref p, at + step, Scale<TLanes, TVector>(e1, Unsafe.Add(ref factor, j + 1), smallest), sum);
                }

                if (left > 2)
                {
                    sum = StoreExponential<TLanes, TVector, float>(ref p, at + (2 * step), Scale<TLanes, TVector>(e2, Unsafe.Add(ref factor, j + 2), smallest), sum);
                }

                if (left > 3)
                {
                    sum = StoreExponential<TLanes, TVector, float>(ref p, at + (3 * step), Scale<TLanes, TVector>(e3, Unsafe.Add(ref factor, j + 3), smallest), sum);
                }

                at += 4 * step;
            }

            var rowWeight = weights.IsEmpty ? TLanes.Broadcast(1f) : TLanes.Load(ref w, (nuint)n);
            Normalize<TLanes, TVector, float>(ref p, sum, rowWeight, componentSums, b, n);

            TLanes.Store(max, ref MemoryMarshal.GetReference(largest), (nuint)n);
            TLanes.Store(VectorLog.OfAtLeastSqrtHalf<TLanes, TVector, float>(sum), ref MemoryMarshal.GetReference(logSum), (nuint)n);
        }

        // ℓ in float64, row by row in order.
        double logLikelihood = 0;
        for (int n = 0; n < b; n++)
        {
            double term = (double)largest[n] + logSum[n];
            logLikelihood += weights.IsEmpty ? term : term * weights[n];
        }

        var componentWeights = into.ComponentWeights;
        for (int j = 0; j < k; j++)
        {
            double occupancy = TLanes.Sum(componentSums[j]);
            componentWeights[j] += occupancy;

            // The first-order correction for the factor's rounding to float32 (see SinglePrecisionShifts and Responsibilities).
            logLikelihood += shifts.Residuals[j] * occupancy;
        }

        into.LogLikelihood += logLikelihood;
        into.Weight += weights.IsEmpty ? b : TensorPrimitives.Sum(weights);
    }

    /// <summary>
    /// eˣ in place for x ≤ 0 (a log-density less its row's maximum), with every result up to 2e⁻⁷⁰⁰ ≈ 2e-304 set to 0:
    /// such a responsibility changes no sum it enters, while the subnormal numbers it would otherwise become (and the
    /// products made from them) are slow on the hardware, and inputs far below the exponential's range send the SIMD
    /// exponential to its scalar fallback. Clamping first keeps every lane on the fast path; far from the
    /// optimum, where most log-densities are hundreds below the best component's, this took the responsibilities of
    /// the D = 50 benchmark from 53 to 2 ms per E-step.
    /// </summary>
    private static void ExpFlushingUnderflow(Span<double> values)
    {
        double smallest = FlushBelow;
        TensorPrimitives.Max(values, ExpFloor, values);
        TensorPrimitives.Exp(values, values);
        var threshold = new Vector<double>(smallest);
        int i = 0;
        for (; i <= values.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            var v = new Vector<double>(values[i..]);
            Vector.ConditionalSelect(Vector.LessThanOrEqual(v, threshold), Vector<double>.Zero, v).CopyTo(values[i..]);
        }

        for (; i < values.Length; i++)
        {
            values[i] = values[i] <= smallest ? 0 : values[i];
        }
    }

    /// <summary>
    /// Log-space E-step on a block of B rows, given the log-densities log pₖ(xₙ) of each component, in place, component by component (logp[k·B + n]):
    /// rₙₖ = exp(log αₖ + log pₖ(xₙ) − log Σⱼ αⱼ pⱼ(xₙ)), by log-sum-exp with each row's maximum taken out
    /// first. Every step runs over the block's rows with SIMD, so the cost does not hinge on K. Adds ℓ, the total
    /// weight and nₖ to the statistics.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Responsibilities(DataBlock block, Span<double> logDensities, ReadOnlySpan<double> logWeights, Span<double> maxima, IMixtureTotals into)
    {
        int k = logWeights.Length, b = block.Rows;
        if (KernelPath.Bits > 0 && b % (KernelPath.Bits / 64) == 0 && k <= MaxRegisterComponents)
        {
            switch (KernelPath.Bits)
            {
                case 512:
                    ResponsibilitiesRegisters<Lanes512<double>, Vector512<double>>(block, logDensities, logWeights, into);
                    break;
                case 256:
                    ResponsibilitiesRegisters<Lanes256<double>, Vector256<double>>(block, logDensities, logWeights, into);
                    break;
                default:
                    ResponsibilitiesRegisters<Lanes128<double>, Vector128<double>>(block, logDensities, logWeights, into);
                    break;
            }

            return;
        }

        var max = maxima[..b];
        Span<double> Column(Span<double> all, int j) => all.Slice(j * b, b);
        for (int j = 0; j < k; j++)
        {
            TensorPrimitives.Add(Column(logDensities, j), logWeights[j], Column(logDensities, j));
        }

        Column(logDensities, 0).CopyTo(max);
        for (int j = 1; j < k; j++)
        {
            TensorPrimitives.Max(max, Column(logDensities, j), max);
        }

        bool underflow = false;
        foreach (double m in max)
        {
            underflow |= !double.IsFinite(m);
        }

        if (underflow)
        {
            // Every component density underflowed for some row (absurd parameters, e.g. a line-search probe):
            // ℓ is −∞; the statistics are not used.
            into.LogLikelihood = double.NegativeInfinity;
            logDensities[..(k * b)].Clear();
            return;
        }

        for (int j = 0; j < k; j++)
        {
            TensorPrimitives.Subtract(Column(logDensities, j), max, Column(logDensities, j));
        }

        ExpFlushingUnderflow(logDensities[..(k * b)]);
        var sum = maxima.Slice(b, b);
        Column(logDensities, 0).CopyTo(sum);
        for (int j = 1; j < k; j++)
        {
            TensorPrimitives.Add(sum, Column(logDensities, j), sum);
        }

        for (int j = 0; j < k; j++)
        {
            TensorPrimitives.Divide(Column(logDensities, j), sum, Column(logDensities, j));
        }

        // log marginal = max + log Σ; weighted sums in row order.
        TensorPrimitives.Log(sum, sum);
        TensorPrimitives.Add(sum, max, sum);
        var weights = block.RowWeights;
        if (weights.IsEmpty)
        {
            into.LogLikelihood += TensorPrimitives.Sum<double>(sum);
            into.Weight += b;
            var componentWeights = into.ComponentWeights;
            for (int j = 0; j < k; j++)
            {
                componentWeights[j] += TensorPrimitives.Sum<double>(Column(logDensities, j));
            }
        }
        else
        {
            into.LogLikelihood += TensorPrimitives.Dot(sum, weights);
            into.Weight += TensorPrimitives.Sum(weights);
            var componentWeights = into.ComponentWeights;
            for (int j = 0; j < k; j++)
            {
                componentWeights[j] += TensorPrimitives.Dot(Column(logDensities, j), weights);
            }
        }
    }
}
