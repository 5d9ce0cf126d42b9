namespace LatentFit.Models.Hmm;

/// <summary>
/// θ of a hidden Markov model with K states: the initial-state distribution δ, the transition matrix Γ (row-major,
/// Γ[i·K + j] = P(zₜ₊₁ = j | zₜ = i)) and the states' emission parameters. Immutable. δ and the rows of Γ may have zero
/// entries (Baum–Welch puts δ at a vertex of the simplex when every sequence starts in one state).
/// </summary>
/// <typeparam name="TEmission">The emission family's parameters.</typeparam>
public sealed class HmmParameters<TEmission>
{
    private readonly double[] _initial;
    private readonly double[] _transition;

    private HmmParameters(double[] initial, double[] transition, TEmission emission)
    {
        _initial = initial;
        _transition = transition;
        Emission = emission;
    }

    /// <summary>K.</summary>
    public int States => _initial.Length;

    /// <summary>δ.</summary>
    public ReadOnlySpan<double> Initial => _initial;

    /// <summary>Γ, row-major K×K.</summary>
    public ReadOnlySpan<double> Transition => _transition;

    /// <summary>Row i of Γ.</summary>
    public ReadOnlySpan<double> TransitionRow(int i) => _transition.AsSpan(i * States, States);

    /// <summary>The states' emission parameters.</summary>
    public TEmission Emission { get; }

    /// <summary>
    /// Parameters from δ and Γ, each a probability vector (rows of Γ) of non-negative finite entries with a positive sum;
    /// they are normalised to sum to 1.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not fit K, or an entry is negative or not finite, or a row sums to 0.</exception>
    public static HmmParameters<TEmission> Create(ReadOnlySpan<double> initial, ReadOnlySpan<double> transition, TEmission emission)
    {
        int k = initial.Length;
        if (k < 1)
        {
            throw new ArgumentException("a hidden Markov model has at least one state", nameof(initial));
        }

        if (transition.Length != k * k)
        {
            throw new ArgumentException($"the transition matrix of {k} states has {k}×{k} entries, got {transition.Length}", nameof(transition));
        }

        var delta = initial.ToArray();
        var gamma = transition.ToArray();
        Normalize(delta, "the initial-state distribution");
        for (int i = 0; i < k; i++)
        {
            Normalize(gamma.AsSpan(i * k, k), $"row {i + 1} of the transition matrix");
        }

        return new HmmParameters<TEmission>(delta, gamma, emission);
    }

    /// <summary>Takes ownership of arrays already normalised (no copy, no check).</summary>
    internal static HmmParameters<TEmission> Own(double[] initial, double[] transition, TEmission emission) => new(initial, transition, emission);

    private static void Normalize(Span<double> probabilities, string what)
    {
        double sum = 0;
        foreach (double p in probabilities)
        {
            if (!(p >= 0) || !double.IsFinite(p))
            {
                throw new ArgumentException($"{what} has an entry {p}; probabilities are finite and non-negative");
            }

            sum += p;
        }

        if (!(sum > 0))
        {
            throw new ArgumentException($"{what} sums to 0; it must be a probability distribution");
        }

        for (int i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] /= sum;
        }
    }
}
