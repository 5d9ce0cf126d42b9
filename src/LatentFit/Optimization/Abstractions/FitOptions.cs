namespace LatentFit.Optimization.Abstractions;

/// <summary>Stopping rules and method settings shared by every optimiser.</summary>
public sealed record FitOptions
{
    /// <summary>
    /// Tolerance tol of the rule on ℓ chosen by <see cref="Stopping"/>, relative to |ℓₜ|; 0 disables that rule so exactly
    /// <see cref="MaxIterations"/> iterations run.
    /// </summary>
    public double RelativeTolerance { get; init; } = 1e-8;

    /// <summary>
    /// The rule on the sequence of ℓ; null (the default) takes the method's own: <see cref="StoppingRule.Aitken"/> for
    /// every full-data method, <see cref="StoppingRule.RelativeChange"/> for the stochastic ones, whose ℓ is noisy.
    /// </summary>
    public StoppingRule? Stopping { get; init; }

    /// <summary>Stop when ‖∇ℓ‖₂ ≤ this; 0 disables the rule.</summary>
    public double GradientTolerance { get; init; }

    /// <summary>
    /// Stop when the natural parameters move by at most this in one iteration, ‖θₜ − θₜ₋₁‖₂ ≤ tol (the SQUAREM R
    /// package's rule); 0 disables the rule.
    /// </summary>
    public double ParameterTolerance { get; init; }

    /// <summary>
    /// Most iterations to run. 10,000: under the Aitken rule a run stops where it is within the tolerance, and EM at a
    /// rate near 1 needs more than the former 1,000 (1,183 on the death notices at the default tolerance).
    /// </summary>
    public int MaxIterations { get; init; } = 10_000;

    /// <summary>Fixed step α of gradient EM, applied to the per-observation gradient ∇ℓ/N.</summary>
    public double Step { get; init; } = 0.05;

    /// <summary>Number of correction pairs kept by L-BFGS.</summary>
    public int LbfgsMemory { get; init; } = 10;

    /// <summary>Number of groups of rows B that incremental EM updates one at a time (fewer when the data have fewer blocks).</summary>
    public int Blocks { get; init; } = 10;

    /// <summary>
    /// Incremental EM measures ℓ (one full pass) after every m-th sweep and after the last; the sweeps between cost one
    /// pass each, as in Neal &amp; Hinton (1998), and leave no trace record. The stochastic methods measure likewise after
    /// every m-th epoch. 1 (the default) measures after every sweep or epoch.
    /// </summary>
    public int MeasureEvery { get; init; } = 1;

    /// <summary>
    /// Exponent κ ∈ (0.5, 1] of the decreasing steps of the stochastic methods: online EM's γₜ = t^(−κ) (Cappé &amp;
    /// Moulines 2009, eq. 6, with t counting mini-batches) and online gradient's ηₜ = η₀ / (1 + t/τ)^κ.
    /// </summary>
    public double Kappa { get; init; } = 0.6;

    /// <summary>Rows per mini-batch of the stochastic methods; 0 (the default) takes about N/100, and at least one block.</summary>
    public int BatchRows { get; init; }

    /// <summary>The stochastic gradient methods' step η₀ on the per-observation gradient; null takes the method's default.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Seed of the stochastic methods' shuffling of the mini-batch order in each epoch.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// β₀ ∈ (0, 1], the first weight of the Kullback penalty of the proximal-point method (Chrétien &amp; Hero 2000): its
    /// iteration k maximises ℓ(θ) − βₖ·I(θₖ, θ) with βₖ = β₀·ρᵏ (ρ = <see cref="ProximalBetaDecay"/>). β = 1 is EM. The
    /// default 1 makes the first iteration an M-step, which is as safe as EM from a poor start.
    /// </summary>
    public double ProximalBeta { get; init; } = 1;

    /// <summary>
    /// ρ ∈ (0, 1], the factor by which the proximal-point method's β shrinks each iteration; 1 keeps β fixed (with
    /// β₀ = 1, EM iterate by iterate). The default 0.1 took the fewest passes of ½, ¼ and 0.1 on each of death notices,
    /// faithful, iris and the earthquake HMM (docs/theory.md): the speed comes from βₖ → 0, and the monotone inner
    /// steps make a fast decrease safe.
    /// </summary>
    public double ProximalBetaDecay { get; init; } = 0.1;

    /// <summary>Checks the values and throws <see cref="ArgumentOutOfRangeException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (!(RelativeTolerance >= 0) || !double.IsFinite(RelativeTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), RelativeTolerance, "tolerance must be a finite number ≥ 0");
        }

        if (Stopping is { } rule && !Enum.IsDefined(rule))
        {
            throw new ArgumentOutOfRangeException(nameof(Stopping), rule, "unknown stopping rule; choose Aitken or RelativeChange");
        }

        if (!(GradientTolerance >= 0) || !double.IsFinite(GradientTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(GradientTolerance), GradientTolerance, "gradient tolerance must be a finite number ≥ 0");
        }

        if (!(ParameterTolerance >= 0) || !double.IsFinite(ParameterTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(ParameterTolerance), ParameterTolerance, "parameter tolerance must be a finite number ≥ 0");
        }

        if (MaxIterations < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "iteration limit must be ≥ 0");
        }

        if (!(Step > 0) || !double.IsFinite(Step))
        {
            throw new ArgumentOutOfRangeException(nameof(Step), Step, "step must be a finite number > 0");
        }

        if (LbfgsMemory < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LbfgsMemory), LbfgsMemory, "L-BFGS memory must be ≥ 1");
        }

        if (Blocks < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Blocks), Blocks, "the number of blocks must be ≥ 1");
        }

        if (MeasureEvery < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MeasureEvery), MeasureEvery, "ℓ must be measured every m ≥ 1 sweeps");
        }

        if (!(Kappa > 0.5 && Kappa <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Kappa), Kappa, "κ must lie in (0.5, 1], so that Σγₜ diverges and Σγₜ² converges");
        }

        if (BatchRows < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchRows), BatchRows, "the batch size must be ≥ 1 rows, or 0 for the default");
        }

        if (LearningRate is { } rate && !(rate > 0 && double.IsFinite(rate)))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), rate, "the learning rate must be a finite number > 0");
        }

        if (!(ProximalBeta > 0 && ProximalBeta <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ProximalBeta), ProximalBeta, "β must lie in (0, 1]: β = 1 is EM, β → 0 maximises ℓ directly");
        }

        if (!(ProximalBetaDecay > 0 && ProximalBetaDecay <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ProximalBetaDecay), ProximalBetaDecay, "the decay of β must lie in (0, 1]; 1 keeps β fixed");
        }
    }
}
