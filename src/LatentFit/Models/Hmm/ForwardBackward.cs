using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LatentFit.Numerics;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Hmm;

/// <summary>
/// The forward–backward recursions of one sequence in scaled form (Rabiner 1989, §V.A; Zucchini &amp; MacDonald 2016,
/// §3.3): every row's emission probabilities are taken relative to the state that explains the row best,
/// eₜ(k) = exp(log bₜ(k) − mₜ) with mₜ = maxₖ log bₜ(k), and the forward vector is renormalised at every step, so
/// nothing underflows however long the sequence or however extreme the emission densities; ℓ = Σₜ (log cₜ + mₜ).
/// Buffers are time-major (T×K) so each step reads K contiguous values.
/// </summary>
internal static class ForwardBackward
{
    /// <summary>
    /// A forward normaliser below this means the transitions give the states that explain row t a probability under
    /// 10⁻³⁰⁰ (relative to the row's best density): the scaled recursion has lost the row, and ℓ is taken as −∞, the
    /// same verdict a mixture gives a row no component explains. A log-space recursion would return a finite ℓ below
    /// −690 per such row; no maximum of the likelihood is there.
    /// </summary>
    public const double SmallestNormaliser = 1e-300;

    /// <summary>
    /// Runs both recursions over one sequence of <paramref name="length"/> rows.
    /// On entry <paramref name="logDensities"/> holds log bₜ(k) (T×K); on exit it holds the state posteriors γₜ(k).
    /// Adds Σₜ α̂ₜ(i) Γᵢⱼ eₜ₊₁(j) β̂ₜ₊₁(j) / cₜ₊₁ = Σₜ ξₜ(i, j) to <paramref name="transitionCounts"/>.
    /// </summary>
    /// <remarks>
    /// Each step is a K×K matrix–vector product, written as K broadcasts of one state's value times a row of Γ (forward:
    /// pⱼ = Σᵢ α̂ᵢ Γᵢⱼ) or of Γᵀ (backward: β̂ᵢ = Σⱼ uⱼ Γᵢⱼ), so that the states j (or i) run across the lanes of one
    /// register width (<see cref="ILanes{TVector, T}"/>, chosen once per call by <see cref="LaneBits"/>) with no
    /// horizontal sums, and a scalar tail takes the states beyond the last whole vector. Each lane sums over i in a fixed
    /// order (even and odd i apart, then added; the pair sums with a fused multiply-add where the hardware has one), so
    /// the path (its width for this K, and FMA or not) changes the results only by rounding: every path agrees with a log-space
    /// forward–backward to 1e-12, and one path gives the same bits for any thread count, the width depending on K and
    /// the process only.
    /// </remarks>
    /// <returns>log p(x₁..x_T | θ), or −∞ when a row has no finite density under any state or the recursion lost it.</returns>
    public static double Run(
        ReadOnlySpan<double> initial,
        ReadOnlySpan<double> transition,
        int states,
        int length,
        Span<double> logDensities,
        Span<double> forward,
        Span<double> normalisers,
        Span<double> transitionCounts,
        Span<double> pairSums)
    {
        int k = states;
        return LaneBits(k, KernelPath.Bits) switch
        {
            512 => Run<Lanes512<double>, Vector512<double>>(initial, transition, k, length, logDensities, forward, normalisers, transitionCounts, pairSums),
            256 => Run<Lanes256<double>, Vector256<double>>(initial, transition, k, length, logDensities, forward, normalisers, transitionCounts, pairSums),
            // 128 bits, and the scalar loops (0): K = 1 fills no whole vector of two lanes, and where no width is
            // accelerated WholeVectorStates leaves every state to the scalar tails.
            _ => Run<Lanes128<double>, Vector128<double>>(initial, transition, k, length, logDensities, forward, normalisers, transitionCounts, pairSums),
        };
    }

    /// <summary>
    /// The register width for K states on a process whose widest accelerated width is <paramref name="widest"/> bits:
    /// the one among those of at most K lanes (a vector wider than K would leave every state to the scalar tail) that
    /// needs the fewest operations per broadcast, K / lanes whole vectors plus K mod lanes scalar states, the wider on a
    /// tie (K = 4 on AVX-512 takes 256 bits; K = 12 takes 256 bits too, three whole vectors, rather than one 512-bit
    /// vector and four scalar states); 0, the scalar loops, for K = 1 or where no width is accelerated.
    /// </summary>
    internal static int LaneBits(int states, int widest)
    {
        int best = 0, fewest = states;
        for (int bits = 512; bits >= 128; bits /= 2)
        {
            int lanes = bits / 64;
            if (bits > widest || lanes > states)
            {
                continue;
            }

            int operations = (states / lanes) + (states % lanes);
            if (operations < fewest)
            {
                (best, fewest) = (bits, operations);
            }
        }

        return best;
    }

    /// <summary>
    /// <see cref="Run(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, Span{double}, Span{double}, Span{double}, Span{double}, Span{double})"/>
    /// on the lanes of <typeparamref name="TLanes"/>, whichever width K would be given (the tests run every width).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double Run<TLanes, TVector>(
        ReadOnlySpan<double> initial,
        ReadOnlySpan<double> transition,
        int k,
        int length,
        Span<double> logDensities,
        Span<double> forward,
        Span<double> normalisers,
        Span<double> transitionCounts,
        Span<double> pairSums)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        // The recursions index the buffers without bounds checks: every length is checked here, once.
        if (length < 1 || initial.Length < k || transition.Length < k * k || logDensities.Length < length * k || forward.Length < length * k
            || normalisers.Length < length || transitionCounts.Length < k * k || pairSums.Length < k * k)
        {
            throw new ArgumentException(length < 1 ? "a sequence has at least one row" : $"the buffers are too short for {length} rows of {k} states");
        }

        var emissions = logDensities[..(length * k)];

        // eₜ(k) = exp(log bₜ(k) − mₜ): the shifts first (they decide whether the sequence has a finite ℓ), then all
        // exponentials at once. Σₜ mₜ is ℓ's share from the shifts.
        ref double densities = ref MemoryMarshal.GetReference(emissions);
        double shifts = 0;
        for (int t = 0; t < length; t++)
        {
            double max = Shift<TLanes, TVector>(ref Unsafe.Add(ref densities, t * k), k);
            if (!double.IsFinite(max))
            {
                // A row no state can emit (or a NaN density): ℓ = −∞; the caller discards the statistics.
                return double.NegativeInfinity;
            }

            shifts += max;
        }

        TensorPrimitives.Exp(emissions, emissions);

        double logNormalisers = Forward<TLanes, TVector>(initial, transition, k, length, emissions, forward, normalisers);
        if (double.IsNegativeInfinity(logNormalisers))
        {
            return double.NegativeInfinity;
        }

        Backward<TLanes, TVector>(transition, k, length, emissions, forward, normalisers, pairSums);
        for (int i = 0; i < k * k; i++)
        {
            transitionCounts[i] += transition[i] * pairSums[i];
        }

        return logNormalisers + shifts;
    }

    /// <summary>
    /// α̂ₜ = (α̂ₜ₋₁Γ ∘ eₜ) / cₜ with α̂₀ ∝ δ ∘ e₀, into <paramref name="forward"/> (T×K), and cₜ into <paramref name="normalisers"/>.
    /// </summary>
    /// <remarks>
    /// Step t multiplies the unnormalised α̃ₜ₋₁ = cₜ₋₁α̂ₜ₋₁ by Γ and divides the product by cₜ₋₁ (α̂ₜ₋₁Γ = (α̃ₜ₋₁Γ) / cₜ₋₁),
    /// and normalises the stored α̃ₜ₋₁ only afterwards: the recursion is a chain of dependent steps, and this takes the
    /// horizontal sum, the division and the scaling off it, to run beside the next step's products.
    /// </remarks>
    /// <returns>Σₜ log cₜ, or −∞ when a normaliser falls below <see cref="SmallestNormaliser"/>.</returns>
    private static double Forward<TLanes, TVector>(
        ReadOnlySpan<double> initial, ReadOnlySpan<double> transition, int k, int length, ReadOnlySpan<double> emissions, Span<double> forward, Span<double> normalisers)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        ref double gamma = ref MemoryMarshal.GetReference(transition);
        ref double e = ref MemoryMarshal.GetReference(emissions);
        ref double alpha = ref MemoryMarshal.GetReference(forward);
        initial[..k].CopyTo(forward[..k]);
        double inverse = 1;
        for (int t = 0; t < length; t++)
        {
            ref double current = ref Unsafe.Add(ref alpha, t * k);
            if (t > 0)
            {
                ref double previous = ref Unsafe.Add(ref alpha, (t - 1) * k);
                VectorTimesMatrix<TLanes, TVector>(ref previous, ref gamma, k, ref current);
                Scale<TLanes, TVector>(ref previous, inverse, k);
            }

            // α̃ₜ = (α̃ₜ₋₁Γ / cₜ₋₁) ∘ eₜ and cₜ = Σ α̃ₜ.
            double sum = ScaleMultiplyAndSum<TLanes, TVector>(ref current, inverse, ref Unsafe.Add(ref e, t * k), k);
            if (!(sum >= SmallestNormaliser))
            {
                return double.NegativeInfinity;
            }

            normalisers[t] = sum;
            inverse = 1 / sum;
        }

        Scale<TLanes, TVector>(ref Unsafe.Add(ref alpha, (length - 1) * k), inverse, k);

        // Σₜ log cₜ, the logarithms a vector at a time.
        Span<double> logarithms = stackalloc double[256];
        double logNormalisers = 0;
        for (int t = 0; t < length; t += logarithms.Length)
        {
            var chunk = logarithms[..Math.Min(logarithms.Length, length - t)];
            TensorPrimitives.Log(normalisers.Slice(t, chunk.Length), chunk);
            logNormalisers += TensorPrimitives.Sum<double>(chunk);
        }

        return logNormalisers;
    }

    /// <summary>
    /// β̂_{T−1} = 1; uₜ₊₁(j) = eₜ₊₁(j) β̂ₜ₊₁(j) / cₜ₊₁, β̂ₜ(i) = Σⱼ Γᵢⱼ uₜ₊₁(j). Writes γₜ = α̂ₜ ∘ β̂ₜ over eₜ once eₜ has served
    /// uₜ, and the pair sums Σₜ α̂ₜ(i) uₜ₊₁(j) (to be multiplied by Γᵢⱼ) into <paramref name="pairSums"/>.
    /// </summary>
    private static void Backward<TLanes, TVector>(
        ReadOnlySpan<double> transition, int k, int length, Span<double> emissions, ReadOnlySpan<double> forward, ReadOnlySpan<double> normalisers, Span<double> pairSums)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        int width = TLanes.Count, whole = WholeVectorStates<TLanes, TVector>(k), square = k * k;
        // Γᵀ row-major, so that β̂ₜ is a sum of broadcasts uⱼ × (column j of Γ).
        var transposed = square <= 1024 ? stackalloc double[square] : new double[square];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                transposed[j * k + i] = transition[i * k + j];
            }
        }

        Span<double> buffers = k <= 256 ? stackalloc double[3 * k] : new double[3 * k];
        var u = buffers[..k];
        pairSums[..square].Clear();
        buffers.Slice(k, k).Fill(1);
        ref double gammaT = ref MemoryMarshal.GetReference(transposed);
        ref double e = ref MemoryMarshal.GetReference(emissions);
        ref double alpha = ref MemoryMarshal.GetReference(forward);
        ref double pairs = ref MemoryMarshal.GetReference(pairSums);
        ref double uRef = ref MemoryMarshal.GetReference(u);
        ref double next = ref Unsafe.Add(ref uRef, k);
        ref double current = ref Unsafe.Add(ref uRef, 2 * k);
        for (int t = length - 2; t >= 0; t--)
        {
            ref double alphaNow = ref Unsafe.Add(ref alpha, t * k);
            ref double alphaLater = ref Unsafe.Add(ref alphaNow, k);
            ref double eLater = ref Unsafe.Add(ref e, (t + 1) * k);
            double inverse = 1 / normalisers[t + 1];
            var inverseVector = TLanes.Broadcast(inverse);
            int j = 0;
            for (; j < whole; j += width)
            {
                var beta = TLanes.Load(ref next, (nuint)j);
                // eₜ₊₁/cₜ₊₁ first: it does not wait on β̂ₜ₊₁, so one multiplication of the two is on the recursion's chain.
                TLanes.Store(TLanes.Multiply(TLanes.Multiply(TLanes.Load(ref eLater, (nuint)j), inverseVector), beta), ref uRef, (nuint)j);

                // γₜ₊₁ = α̂ₜ₊₁ ∘ β̂ₜ₊₁: eₜ₊₁ is no longer needed.
                TLanes.Store(TLanes.Multiply(TLanes.Load(ref alphaLater, (nuint)j), beta), ref eLater, (nuint)j);
            }

            for (; j < k; j++)
            {
                double beta = Unsafe.Add(ref next, j);
                Unsafe.Add(ref uRef, j) = Unsafe.Add(ref eLater, j) * inverse * beta;
                Unsafe.Add(ref eLater, j) = Unsafe.Add(ref alphaLater, j) * beta;
            }

            for (int i = 0; i < k; i++)
            {
                AddScaled<TLanes, TVector>(ref Unsafe.Add(ref pairs, i * k), Unsafe.Add(ref alphaNow, i), ref uRef, k);
            }

            VectorTimesMatrix<TLanes, TVector>(ref uRef, ref gammaT, k, ref current);
            ref double previous = ref next;
            next = ref current;
            current = ref previous;
        }

        // γ₀ (for a sequence of one row, β̂₀ = 1 and γ₀ = α̂₀).
        for (int j = 0; j < k; j++)
        {
            emissions[j] = forward[j] * Unsafe.Add(ref next, j);
        }
    }

    /// <summary>
    /// How many of the K states the whole vectors of <typeparamref name="TLanes"/> take (the rest are the scalar tail):
    /// K rounded down to a multiple of its lanes, or none for the scalar loops.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WholeVectorStates<TLanes, TVector>(int k)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
        => TLanes.IsAccelerated ? k - (k % TLanes.Count) : 0;

    /// <summary>target[0..k) += factor × source[0..k), lane by lane (fused where the hardware can) with a scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled<TLanes, TVector>(ref double target, double factor, ref double source, int k)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        int width = TLanes.Count, whole = WholeVectorStates<TLanes, TVector>(k), j = 0;
        var broadcast = TLanes.Broadcast(factor);
        for (; j < whole; j += width)
        {
            TLanes.Store(TLanes.MultiplyAdd(broadcast, TLanes.Load(ref source, (nuint)j), TLanes.Load(ref target, (nuint)j)), ref target, (nuint)j);
        }

        for (; j < k; j++)
        {
            Unsafe.Add(ref target, j) += factor * Unsafe.Add(ref source, j);
        }
    }

    /// <summary>
    /// m = maxₖ values[k], then values[k] −= m; returns m (NaN when a value is NaN: the lanes' Max
    /// (Vector128/256/512.Max), like <see cref="Math.Max(double, double)"/>, propagates NaN, where the native maximum
    /// instruction would drop it; checked on every width by
    /// <c>ForwardBackwardVectorisationTests.LanesMax_NaNInEitherOperand_NaNInEveryLaneOfEveryWidth</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Shift<TLanes, TVector>(ref double values, int k)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        int width = TLanes.Count, whole = WholeVectorStates<TLanes, TVector>(k), j = 0;
        double max = double.NegativeInfinity;
        if (whole > 0)
        {
            var maxima = TLanes.Load(ref values, 0);
            for (j = width; j < whole; j += width)
            {
                maxima = TLanes.Max(maxima, TLanes.Load(ref values, (nuint)j));
            }

            // The lanes' maximum read through a reference to the register's copy (no stackalloc, which would keep
            // this helper from being inlined).
            ref double lanes = ref Unsafe.As<TVector, double>(ref maxima);
            for (int lane = 0; lane < width; lane++)
            {
                max = Math.Max(max, Unsafe.Add(ref lanes, lane));
            }
        }

        for (; j < k; j++)
        {
            max = Math.Max(max, Unsafe.Add(ref values, j));
        }

        if (!double.IsFinite(max))
        {
            return max;
        }

        var shift = TLanes.Broadcast(max);
        for (j = 0; j < whole; j += width)
        {
            TLanes.Store(TLanes.Subtract(TLanes.Load(ref values, (nuint)j), shift), ref values, (nuint)j);
        }

        for (; j < k; j++)
        {
            Unsafe.Add(ref values, j) -= max;
        }

        return max;
    }

    /// <summary>
    /// result[0..k) = Σᵢ vector[i] × matrix[i, 0..k) for a row-major K×K matrix: whole vectors of result accumulate in
    /// registers over i, then a scalar tail; every state's sum is taken as (Σ over even i) + (Σ over odd i), each half
    /// in the order of i, a multiplication and an addition per term.
    /// </summary>
    /// <remarks>
    /// Each step of either recursion waits on the previous one, so the chain of dependent additions, not the number of
    /// operations, sets the time. Two accumulators per output vector (even and odd i) halve that chain, and two output
    /// vectors at a time overlap theirs. The products are not fused into the additions: a fused multiply-add puts its
    /// whole latency on the chain (4 cycles on Zen 4 and on Intel since Skylake), a separate multiplication only the
    /// addition's (3 on Zen 4, 2 to 4 on Intel); on the Zen 4 of docs/benchmarks.md the fused form measured no faster.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void VectorTimesMatrix<TLanes, TVector>(ref double vector, ref double matrix, int k, ref double result)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        int width = TLanes.Count, whole = WholeVectorStates<TLanes, TVector>(k), j = 0;
        for (; j + (2 * width) <= whole; j += 2 * width)
        {
            TVector first = TLanes.Zero, second = TLanes.Zero, firstOdd = TLanes.Zero, secondOdd = TLanes.Zero;
            ref double column = ref Unsafe.Add(ref matrix, j);
            int i = 0;
            for (; i + 1 < k; i += 2)
            {
                var factor = TLanes.Broadcast(Unsafe.Add(ref vector, i));
                var factorOdd = TLanes.Broadcast(Unsafe.Add(ref vector, i + 1));
                ref double row = ref Unsafe.Add(ref column, i * k);
                ref double rowOdd = ref Unsafe.Add(ref row, k);
                first = TLanes.Add(first, TLanes.Multiply(factor, TLanes.Load(ref row, 0)));
                second = TLanes.Add(second, TLanes.Multiply(factor, TLanes.Load(ref row, (nuint)width)));
                firstOdd = TLanes.Add(firstOdd, TLanes.Multiply(factorOdd, TLanes.Load(ref rowOdd, 0)));
                secondOdd = TLanes.Add(secondOdd, TLanes.Multiply(factorOdd, TLanes.Load(ref rowOdd, (nuint)width)));
            }

            if (i < k)
            {
                var factor = TLanes.Broadcast(Unsafe.Add(ref vector, i));
                ref double row = ref Unsafe.Add(ref column, i * k);
                first = TLanes.Add(first, TLanes.Multiply(factor, TLanes.Load(ref row, 0)));
                second = TLanes.Add(second, TLanes.Multiply(factor, TLanes.Load(ref row, (nuint)width)));
            }

            TLanes.Store(TLanes.Add(first, firstOdd), ref result, (nuint)j);
            TLanes.Store(TLanes.Add(second, secondOdd), ref result, (nuint)(j + width));
        }

        for (; j < whole; j += width)
        {
            TVector sum = TLanes.Zero, sumOdd = TLanes.Zero;
            ref double column = ref Unsafe.Add(ref matrix, j);
            int i = 0;
            for (; i + 1 < k; i += 2)
            {
                ref double row = ref Unsafe.Add(ref column, i * k);
                sum = TLanes.Add(sum, TLanes.Multiply(TLanes.Broadcast(Unsafe.Add(ref vector, i)), TLanes.Load(ref row, 0)));
                sumOdd = TLanes.Add(sumOdd, TLanes.Multiply(TLanes.Broadcast(Unsafe.Add(ref vector, i + 1)), TLanes.Load(ref row, (nuint)k)));
            }

            if (i < k)
            {
                sum = TLanes.Add(sum, TLanes.Multiply(TLanes.Broadcast(Unsafe.Add(ref vector, i)), TLanes.Load(ref column, (nuint)(i * k))));
            }

            TLanes.Store(TLanes.Add(sum, sumOdd), ref result, (nuint)j);
        }

        for (; j < k; j++)
        {
            double sum = 0, sumOdd = 0;
            int i = 0;
            for (; i + 1 < k; i += 2)
            {
                sum += Unsafe.Add(ref vector, i) * Unsafe.Add(ref matrix, (i * k) + j);
                sumOdd += Unsafe.Add(ref vector, i + 1) * Unsafe.Add(ref matrix, ((i + 1) * k) + j);
            }

            if (i < k)
            {
                sum += Unsafe.Add(ref vector, i) * Unsafe.Add(ref matrix, (i * k) + j);
            }

            Unsafe.Add(ref result, j) = sum + sumOdd;
        }
    }

    /// <summary>
    /// values[0..k) = (values[0..k) × scale) × factors[0..k); returns the sum of the products (the whole vectors' lanes
    /// summed, then the tail).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ScaleMultiplyAndSum<TLanes, TVector>(ref double values, double scale, ref double factors, int k)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        int width = TLanes.Count, whole = WholeVectorStates<TLanes, TVector>(k), j = 0;
        var sums = TLanes.Zero;
        var broadcast = TLanes.Broadcast(scale);
        for (; j < whole; j += width)
        {
            var product = TLanes.Multiply(TLanes.Multiply(TLanes.Load(ref values, (nuint)j), broadcast), TLanes.Load(ref factors, (nuint)j));
            TLanes.Store(product, ref values, (nuint)j);
            sums = TLanes.Add(sums, product);
        }

        double sum = whole > 0 ? TLanes.Sum(sums) : 0;
        for (; j < k; j++)
        {
            double product = Unsafe.Add(ref values, j) * scale * Unsafe.Add(ref factors, j);
            Unsafe.Add(ref values, j) = product;
            sum += product;
        }

        return sum;
    }

    /// <summary>values[0..k) *= factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale<TLanes, TVector>(ref double values, double factor, int k)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        int width = TLanes.Count, whole = WholeVectorStates<TLanes, TVector>(k), j = 0;
        var broadcast = TLanes.Broadcast(factor);
        for (; j < whole; j += width)
        {
            TLanes.Store(TLanes.Multiply(TLanes.Load(ref values, (nuint)j), broadcast), ref values, (nuint)j);
        }

        for (; j < k; j++)
        {
            Unsafe.Add(ref values, j) *= factor;
        }
    }

    /// <summary>
    /// The most probable state path (Viterbi 1967) of one sequence, in log-space (log 0 = −∞ for impossible transitions),
    /// from log bₜ(k) (T×K); ties go to the lower state. Returns its log-probability log p(x, z*).
    /// </summary>
    public static double Viterbi(ReadOnlySpan<double> initial, ReadOnlySpan<double> transition, int states, int length, ReadOnlySpan<double> logDensities, Span<int> path)
    {
        int k = states;
        var logTransition = new double[k * k];
        for (int i = 0; i < k * k; i++)
        {
            logTransition[i] = Math.Log(transition[i]);
        }

        var scores = new double[k];
        var nextScores = new double[k];
        var backPointers = new int[length * k];
        for (int j = 0; j < k; j++)
        {
            scores[j] = Math.Log(initial[j]) + logDensities[j];
        }

        for (int t = 1; t < length; t++)
        {
            for (int j = 0; j < k; j++)
            {
                double best = double.NegativeInfinity;
                int from = 0;
                for (int i = 0; i < k; i++)
                {
                    double score = scores[i] + logTransition[i * k + j];
                    if (score > best)
                    {
                        best = score;
                        from = i;
                    }
                }

                nextScores[j] = best + logDensities[t * k + j];
                backPointers[t * k + j] = from;
            }

            (scores, nextScores) = (nextScores, scores);
        }

        int state = 0;
        for (int j = 1; j < k; j++)
        {
            if (scores[j] > scores[state])
            {
                state = j;
            }
        }

        double logProbability = scores[state];
        for (int t = length - 1; t >= 0; t--)
        {
            path[t] = state;
            state = backPointers[t * k + state];
        }

        return logProbability;
    }
}
