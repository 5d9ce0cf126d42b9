using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    /// pⱼ = Σᵢ α̂ᵢ Γᵢⱼ) or of Γᵀ (backward: β̂ᵢ = Σⱼ uⱼ Γᵢⱼ), so that the states j (or i) run across the lanes of
    /// <see cref="Vector{T}"/> with no horizontal sums, and a scalar tail takes the states beyond the last whole vector.
    /// The lanes are summed over i in the scalar loop's order, so the width (AVX-512, AVX2, 128-bit or none) changes only
    /// the normalisers' sums and the vectorised exponentials and logarithms (one call per sequence), by rounding: every
    /// path agrees with a log-space forward–backward to 1e-12, and one path gives the same bits for any thread count.
    /// </remarks>
    /// <returns>log p(x₁..x_T | θ), or −∞ when a row has no finite density under any state or the recursion lost it.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        // The recursions index the buffers without bounds checks: every length is checked here, once.
        if (initial.Length < k || transition.Length < k * k || forward.Length < length * k || normalisers.Length < length
            || transitionCounts.Length < k * k || pairSums.Length < k * k)
        {
            throw new ArgumentException($"the buffers are too short for {length} rows of {k} states");
        }

        var emissions = logDensities[..(length * k)];

        // eₜ(k) = exp(log bₜ(k) − mₜ): the shifts first (they decide whether the sequence has a finite ℓ), then all
        // exponentials at once. Σₜ mₜ is ℓ's share from the shifts.
        double shifts = 0;
        for (int t = 0; t < length; t++)
        {
            double max = Shift(ref MemoryMarshal.GetReference(emissions.Slice(t * k, k)), k);
            if (!double.IsFinite(max))
            {
                // A row no state can emit (or a NaN density): ℓ = −∞; the caller discards the statistics.
                return double.NegativeInfinity;
            }

            shifts += max;
        }

        TensorPrimitives.Exp(emissions, emissions);

        double logNormalisers = Forward(initial, transition, k, length, emissions, forward, normalisers);
        if (double.IsNegativeInfinity(logNormalisers))
        {
            return double.NegativeInfinity;
        }

        Backward(transition, k, length, emissions, forward, normalisers, pairSums);
        for (int i = 0; i < k * k; i++)
        {
            transitionCounts[i] += transition[i] * pairSums[i];
        }

        return logNormalisers + shifts;
    }

    /// <summary>
    /// α̂ₜ = (α̂ₜ₋₁Γ ∘ eₜ) / cₜ with α̂₀ ∝ δ ∘ e₀, into <paramref name="forward"/> (T×K), and cₜ into <paramref name="normalisers"/>.
    /// </summary>
    /// <returns>Σₜ log cₜ, or −∞ when a normaliser falls below <see cref="SmallestNormaliser"/>.</returns>
    private static double Forward(
        ReadOnlySpan<double> initial, ReadOnlySpan<double> transition, int k, int length, ReadOnlySpan<double> emissions, Span<double> forward, Span<double> normalisers)
    {
        ref double gamma = ref MemoryMarshal.GetReference(transition);
        ref double e = ref MemoryMarshal.GetReference(emissions);
        ref double alpha = ref MemoryMarshal.GetReference(forward);
        for (int t = 0; t < length; t++)
        {
            ref double current = ref Unsafe.Add(ref alpha, t * k);
            if (t == 0)
            {
                initial.CopyTo(forward[..k]);
            }
            else
            {
                VectorTimesMatrix(ref Unsafe.Add(ref alpha, (t - 1) * k), ref gamma, k, ref current);
            }

            double sum = MultiplyAndSum(ref current, ref Unsafe.Add(ref e, t * k), k);
            if (!(sum >= SmallestNormaliser))
            {
                return double.NegativeInfinity;
            }

            Scale(ref current, 1 / sum, k);
            normalisers[t] = sum;
        }

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
    private static void Backward(
        ReadOnlySpan<double> transition, int k, int length, Span<double> emissions, ReadOnlySpan<double> forward, ReadOnlySpan<double> normalisers, Span<double> pairSums)
    {
        int width = Vector<double>.Count, square = k * k;
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
            var inverseVector = new Vector<double>(inverse);
            int j = 0;
            for (; j <= k - width; j += width)
            {
                var beta = Vector.LoadUnsafe(ref next, (nuint)j);
                (Vector.LoadUnsafe(ref eLater, (nuint)j) * beta * inverseVector).StoreUnsafe(ref uRef, (nuint)j);

                // γₜ₊₁ = α̂ₜ₊₁ ∘ β̂ₜ₊₁: eₜ₊₁ is no longer needed.
                (Vector.LoadUnsafe(ref alphaLater, (nuint)j) * beta).StoreUnsafe(ref eLater, (nuint)j);
            }

            for (; j < k; j++)
            {
                double beta = Unsafe.Add(ref next, j);
                Unsafe.Add(ref uRef, j) = Unsafe.Add(ref eLater, j) * beta * inverse;
                Unsafe.Add(ref eLater, j) = Unsafe.Add(ref alphaLater, j) * beta;
            }

            for (int i = 0; i < k; i++)
            {
                AddScaled(ref Unsafe.Add(ref pairs, i * k), Unsafe.Add(ref alphaNow, i), ref uRef, k);
            }

            VectorTimesMatrix(ref uRef, ref gammaT, k, ref current);
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

    /// <summary>target[0..k) += factor × source[0..k), lane by lane with a scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled(ref double target, double factor, ref double source, int k)
    {
        int width = Vector<double>.Count, j = 0;
        var broadcast = new Vector<double>(factor);
        for (; j <= k - width; j += width)
        {
            (Vector.LoadUnsafe(ref target, (nuint)j) + (broadcast * Vector.LoadUnsafe(ref source, (nuint)j))).StoreUnsafe(ref target, (nuint)j);
        }

        for (; j < k; j++)
        {
            Unsafe.Add(ref target, j) += factor * Unsafe.Add(ref source, j);
        }
    }

    /// <summary>
    /// m = maxₖ values[k], then values[k] −= m; returns m (NaN when a value is NaN: <see cref="Vector.Max{T}"/>, like
    /// <see cref="Math.Max(double, double)"/>, propagates NaN, where the native maximum instruction would drop it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Shift(ref double values, int k)
    {
        int width = Vector<double>.Count, j = 0;
        double max = double.NegativeInfinity;
        if (k >= width)
        {
            var maxima = Vector.LoadUnsafe(ref values);
            for (j = width; j <= k - width; j += width)
            {
                maxima = Vector.Max(maxima, Vector.LoadUnsafe(ref values, (nuint)j));
            }

            for (int lane = 0; lane < width; lane++)
            {
                max = Math.Max(max, maxima[lane]);
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

        var shift = new Vector<double>(max);
        for (j = 0; j <= k - width; j += width)
        {
            (Vector.LoadUnsafe(ref values, (nuint)j) - shift).StoreUnsafe(ref values, (nuint)j);
        }

        for (; j < k; j++)
        {
            Unsafe.Add(ref values, j) -= max;
        }

        return max;
    }

    /// <summary>
    /// result[0..k) = Σᵢ vector[i] × matrix[i, 0..k) for a row-major K×K matrix: whole vectors of result accumulate in
    /// registers over i (in the scalar loop's order), then a scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void VectorTimesMatrix(ref double vector, ref double matrix, int k, ref double result)
    {
        int width = Vector<double>.Count, j = 0;
        for (; j <= k - (2 * width); j += 2 * width)
        {
            // Two accumulators: the adds of one wait on the other's, not on their own (K = 8 is two 256-bit vectors).
            Vector<double> first = Vector<double>.Zero, second = Vector<double>.Zero;
            ref double column = ref Unsafe.Add(ref matrix, j);
            for (int i = 0; i < k; i++)
            {
                var factor = new Vector<double>(Unsafe.Add(ref vector, i));
                ref double row = ref Unsafe.Add(ref column, i * k);
                first += factor * Vector.LoadUnsafe(ref row);
                second += factor * Vector.LoadUnsafe(ref row, (nuint)width);
            }

            first.StoreUnsafe(ref result, (nuint)j);
            second.StoreUnsafe(ref result, (nuint)(j + width));
        }

        for (; j <= k - width; j += width)
        {
            var sum = Vector<double>.Zero;
            for (int i = 0; i < k; i++)
            {
                sum += new Vector<double>(Unsafe.Add(ref vector, i)) * Vector.LoadUnsafe(ref matrix, (nuint)(i * k + j));
            }

            sum.StoreUnsafe(ref result, (nuint)j);
        }

        for (; j < k; j++)
        {
            double sum = 0;
            for (int i = 0; i < k; i++)
            {
                sum += Unsafe.Add(ref vector, i) * Unsafe.Add(ref matrix, i * k + j);
            }

            Unsafe.Add(ref result, j) = sum;
        }
    }

    /// <summary>values[0..k) *= factors[0..k); returns the sum of the products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double MultiplyAndSum(ref double values, ref double factors, int k)
    {
        int width = Vector<double>.Count, j = 0;
        var sums = Vector<double>.Zero;
        for (; j <= k - width; j += width)
        {
            var product = Vector.LoadUnsafe(ref values, (nuint)j) * Vector.LoadUnsafe(ref factors, (nuint)j);
            product.StoreUnsafe(ref values, (nuint)j);
            sums += product;
        }

        double sum = Vector.Sum(sums);
        for (; j < k; j++)
        {
            double product = Unsafe.Add(ref values, j) * Unsafe.Add(ref factors, j);
            Unsafe.Add(ref values, j) = product;
            sum += product;
        }

        return sum;
    }

    /// <summary>values[0..k) *= factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale(ref double values, double factor, int k)
    {
        int width = Vector<double>.Count, j = 0;
        var broadcast = new Vector<double>(factor);
        for (; j <= k - width; j += width)
        {
            (Vector.LoadUnsafe(ref values, (nuint)j) * broadcast).StoreUnsafe(ref values, (nuint)j);
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
