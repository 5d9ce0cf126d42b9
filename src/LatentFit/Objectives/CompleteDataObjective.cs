namespace LatentFit.Objectives;

/// <summary>
/// The EM surrogate Q(· | θₜ) at one θₜ, as a function of η: built from the statistics of one E-step at ηₜ, so evaluating
/// it at other η costs no pass over the data. Optimisers that improve on the M-step use it: one Newton step on Q
/// (Lange 1995) needs the complete-data information, and the Kullback proximal-point step (Chrétien &amp; Hero 2000)
/// maximises (1 − β)ℓ(θ) + βQ(θ | θₜ).
/// </summary>
/// <remarks>Q is known up to an additive constant (see <see cref="Models.Abstractions.ICompleteDataModel{TParams, TStats}"/>): compare its values only at one θₜ.</remarks>
public abstract class CompleteDataObjective
{
    /// <summary>ηₜ, where the statistics were taken.</summary>
    public abstract ReadOnlySpan<double> At { get; }

    /// <summary>ℓ(ηₜ), from the same E-step.</summary>
    public abstract double LogLikelihood { get; }

    /// <summary>Length of η.</summary>
    public int ParameterCount => At.Length;

    /// <summary>Q(θ(η) | θₜ) up to a constant, with ∇_η Q written to <paramref name="gradient"/>; −∞ (gradient NaN) where η maps to invalid parameters.</summary>
    public abstract double ValueAndGradient(ReadOnlySpan<double> eta, Span<double> gradient);

    /// <summary>
    /// The complete-data information I_oc(θₜ) = −∇²_η Q(θ | θₜ) at η = ηₜ (P×P, row-major, symmetric): central differences
    /// of the analytic ∇Q, symmetrised. No pass over the data.
    /// </summary>
    public void Information(Span<double> information)
    {
        int p = ParameterCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(information.Length, p * p);
        SymmetricDifferences.Jacobian(At, Steps(1e-5), (point, gradient) => ValueAndGradient(point, gradient), -1, information);
    }

    /// <summary>Finite-difference steps at ηₜ: <paramref name="fraction"/> of each coordinate's natural scale (see <see cref="FitProblem.FiniteDifferenceSteps"/>).</summary>
    protected abstract double[] Steps(double fraction);
}
