namespace LatentFit.Models.Abstractions;

/// <summary>
/// A model that evaluates the EM surrogate Q(θ | θₜ) = E[log p(x, z | θ) | x, θₜ] at any θ, with its gradient in η,
/// from the statistics the E-step accumulated at θₜ. This is what turns EM into the methods of Lange (1995) and
/// Jamshidian &amp; Jennrich (1997): the complete-data information I_oc(θₜ) = −∇²Q(θ | θₜ) at θ = θₜ, one Newton step on
/// Q instead of the M-step, and the Kullback proximal-point objective (Chrétien &amp; Hero 2000), whose inner problem
/// needs Q away from θₜ.
/// </summary>
/// <remarks>
/// Q is returned up to an additive constant that depends on θₜ and the data but not on θ (the −log x! of a Poisson, the
/// −½d·log 2π of a Gaussian may be left out), so only differences of Q at one θₜ mean anything. Three identities check
/// an implementation without the model's own formulas: ∇Q at θ = θₜ is ∇ℓ(θₜ) (Fisher's identity), ∇Q vanishes at the
/// M-step's θ, and Q(θ | θₜ) − Q(θₜ | θₜ) ≤ ℓ(θ) − ℓ(θₜ) for every θ (the minorisation EM rests on).
/// </remarks>
/// <typeparam name="TParams">Natural parameters θ.</typeparam>
/// <typeparam name="TStats">The statistics.</typeparam>
public interface ICompleteDataModel<TParams, TStats>
{
    /// <summary>
    /// Q(<paramref name="theta"/> | θₜ) up to a constant, from <paramref name="stats"/> accumulated at θₜ =
    /// <paramref name="at"/>, and ∇_η Q at <paramref name="theta"/> written to <paramref name="gradient"/>; −∞ where
    /// <paramref name="theta"/> gives zero density to data the statistics hold.
    /// </summary>
    double CompleteDataLogLikelihood(TParams theta, TParams at, TStats stats, Span<double> gradient);
}

/// <summary>
/// A model whose independent observations are whole sequences (a hidden Markov model), not rows: the per-observation
/// scores of the empirical information are taken per sequence. A block whose rows form no sequences is one sequence.
/// </summary>
public interface ISequenceModel;
