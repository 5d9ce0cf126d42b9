using System.Runtime.CompilerServices;

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
        double logLikelihood = 0;
        Span<double> predicted = k <= 64 ? stackalloc double[k] : new double[k];

        // Forward: α̂ₜ = (α̂ₜ₋₁Γ ∘ eₜ) / cₜ, with α̂₀ ∝ δ ∘ e₀. logDensities becomes eₜ in place.
        for (int t = 0; t < length; t++)
        {
            var e = logDensities.Slice(t * k, k);
            double max = double.NegativeInfinity;
            for (int j = 0; j < k; j++)
            {
                max = Math.Max(max, e[j]);
            }

            if (!double.IsFinite(max))
            {
                // A row no state can emit (or a NaN density): ℓ = −∞; the caller discards the statistics.
                return double.NegativeInfinity;
            }

            for (int j = 0; j < k; j++)
            {
                e[j] = Math.Exp(e[j] - max);
            }

            var alpha = forward.Slice(t * k, k);
            if (t == 0)
            {
                initial.CopyTo(predicted);
            }
            else
            {
                Predict(forward.Slice((t - 1) * k, k), transition, k, predicted);
            }

            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                alpha[j] = predicted[j] * e[j];
                sum += alpha[j];
            }

            if (!(sum >= SmallestNormaliser))
            {
                return double.NegativeInfinity;
            }

            double inverse = 1 / sum;
            for (int j = 0; j < k; j++)
            {
                alpha[j] *= inverse;
            }

            normalisers[t] = sum;
            logLikelihood += Math.Log(sum) + max;
        }

        // Backward: β̂_{T−1} = 1; uₜ₊₁(j) = eₜ₊₁(j) β̂ₜ₊₁(j) / cₜ₊₁, β̂ₜ(i) = Σⱼ Γᵢⱼ uₜ₊₁(j). The pair sums Σₜ α̂ₜ(i) uₜ₊₁(j)
        // are multiplied by Γᵢⱼ once at the end. γₜ = α̂ₜ ∘ β̂ₜ overwrites eₜ once eₜ has served uₜ.
        Span<double> next = k <= 64 ? stackalloc double[k] : new double[k];
        Span<double> current = k <= 64 ? stackalloc double[k] : new double[k];
        Span<double> u = k <= 64 ? stackalloc double[k] : new double[k];
        pairSums[..(k * k)].Clear();
        next.Fill(1);
        for (int t = length - 2; t >= 0; t--)
        {
            var e = logDensities.Slice((t + 1) * k, k);
            double inverse = 1 / normalisers[t + 1];
            for (int j = 0; j < k; j++)
            {
                u[j] = e[j] * next[j] * inverse;
            }

            var alpha = forward.Slice(t * k, k);
            for (int i = 0; i < k; i++)
            {
                var row = transition.Slice(i * k, k);
                var pairs = pairSums.Slice(i * k, k);
                double a = alpha[i], beta = 0;
                for (int j = 0; j < k; j++)
                {
                    beta += row[j] * u[j];
                    pairs[j] += a * u[j];
                }

                current[i] = beta;
            }

            // γₜ₊₁ was written when β̂ₜ₊₁ was known: now eₜ₊₁ is no longer needed.
            var gamma = logDensities.Slice((t + 1) * k, k);
            var alphaNext = forward.Slice((t + 1) * k, k);
            for (int j = 0; j < k; j++)
            {
                gamma[j] = alphaNext[j] * next[j];
            }

            current.CopyTo(next);
        }

        // γ₀ (for a sequence of one row, β̂₀ = 1 and γ₀ = α̂₀).
        var first = logDensities[..k];
        var alphaFirst = forward[..k];
        for (int j = 0; j < k; j++)
        {
            first[j] = alphaFirst[j] * next[j];
        }

        for (int i = 0; i < k * k; i++)
        {
            transitionCounts[i] += transition[i] * pairSums[i];
        }

        return logLikelihood;
    }

    /// <summary>pⱼ = Σᵢ α̂ᵢ Γᵢⱼ: the state distribution one step on.</summary>
    private static void Predict(ReadOnlySpan<double> alpha, ReadOnlySpan<double> transition, int k, Span<double> predicted)
    {
        predicted.Clear();
        for (int i = 0; i < k; i++)
        {
            double a = alpha[i];
            var row = transition.Slice(i * k, k);
            for (int j = 0; j < k; j++)
            {
                predicted[j] += a * row[j];
            }
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
