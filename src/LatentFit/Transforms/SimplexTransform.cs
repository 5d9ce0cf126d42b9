namespace LatentFit.Transforms;

/// <summary>
/// Mixing weights on the simplex ↔ K−1 unconstrained log-ratios aₖ = log πₖ − log π_K (the last component is the
/// reference), with the gradient ∂ℓ/∂aₖ = nₖ − Nπₖ that follows from ∂ℓ/∂πₖ = nₖ/πₖ.
/// </summary>
public static class SimplexTransform
{
    /// <summary>Writes the K−1 log-ratios of <paramref name="weights"/>.</summary>
    public static void ToLogRatios(ReadOnlySpan<double> weights, Span<double> eta)
    {
        double logLast = Math.Log(weights[^1]);
        for (int j = 0; j < weights.Length - 1; j++)
        {
            eta[j] = Math.Log(weights[j]) - logLast;
        }
    }

    /// <summary>
    /// The log-ratio that stands for a zero probability (a probability of about 10⁻³⁰⁴ relative to the largest, which
    /// changes ℓ by less than a rounding error); the hidden Markov model and the categorical emissions hold zeros so.
    /// </summary>
    public const double LogFloor = -700;

    /// <summary>
    /// The K−1 log-ratios of <paramref name="weights"/> with each log floored at <see cref="LogFloor"/>, so that a
    /// probability vector at a vertex or edge of the simplex (zeros allowed) still has finite coordinates.
    /// </summary>
    public static void ToFlooredLogRatios(ReadOnlySpan<double> weights, Span<double> eta)
    {
        double logLast = Math.Max(Math.Log(weights[^1]), LogFloor);
        for (int j = 0; j < weights.Length - 1; j++)
        {
            eta[j] = Math.Max(Math.Log(weights[j]), LogFloor) - logLast;
        }
    }

    /// <summary>Weights from K−1 log-ratios: a softmax with the last logit 0, shifted by the maximum so exp cannot overflow.</summary>
    public static void FromLogRatios(ReadOnlySpan<double> eta, Span<double> weights)
    {
        int k = weights.Length;
        double max = 0;
        for (int j = 0; j < k - 1; j++)
        {
            max = Math.Max(max, eta[j]);
        }

        double sum = 0;
        for (int j = 0; j < k; j++)
        {
            weights[j] = Math.Exp((j < k - 1 ? eta[j] : 0) - max);
            sum += weights[j];
        }

        for (int j = 0; j < k; j++)
        {
            weights[j] /= sum;
        }
    }

    /// <summary>
    /// Σₖ nₖ log πₖ, the weights' part of Q(θ | θₜ) from expected counts nₖ taken at θₜ; a term with nₖ = 0 is 0 even where
    /// πₖ = 0. Its gradient in the log-ratios at any π is <see cref="Gradient"/>'s nₖ − Nπₖ.
    /// </summary>
    public static double ExpectedLogLikelihood(ReadOnlySpan<double> componentWeights, ReadOnlySpan<double> weights)
    {
        double sum = 0;
        for (int j = 0; j < weights.Length; j++)
        {
            if (componentWeights[j] != 0)
            {
                sum += componentWeights[j] * Math.Log(weights[j]);
            }
        }

        return sum;
    }

    /// <summary>∂ℓ/∂aₖ = nₖ − Nπₖ for k &lt; K, from the expected counts nₖ and their total N.</summary>
    public static void Gradient(ReadOnlySpan<double> componentWeights, double total, ReadOnlySpan<double> weights, Span<double> gradient)
    {
        for (int j = 0; j < weights.Length - 1; j++)
        {
            gradient[j] = componentWeights[j] - total * weights[j];
        }
    }
}
