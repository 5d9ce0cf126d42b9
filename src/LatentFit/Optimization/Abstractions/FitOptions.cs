namespace LatentFit.Optimization.Abstractions;

/// <summary>Stopping rules and method settings shared by every optimiser.</summary>
public sealed record FitOptions
{
    /// <summary>Stop when |ℓₜ − ℓₜ₋₁| ≤ tol·|ℓₜ|; 0 disables the rule so exactly <see cref="MaxIterations"/> iterations run.</summary>
    public double RelativeTolerance { get; init; } = 1e-8;

    /// <summary>Stop when ‖∇ℓ‖₂ ≤ this; 0 disables the rule.</summary>
    public double GradientTolerance { get; init; }

    /// <summary>
    /// Stop when the natural parameters move by at most this in one iteration, ‖θₜ − θₜ₋₁‖₂ ≤ tol (the SQUAREM R
    /// package's rule); 0 disables the rule.
    /// </summary>
    public double ParameterTolerance { get; init; }

    /// <summary>Most iterations to run.</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Fixed step α of gradient EM, applied to the per-observation gradient ∇ℓ/N.</summary>
    public double Step { get; init; } = 0.05;

    /// <summary>Number of correction pairs kept by L-BFGS.</summary>
    public int LbfgsMemory { get; init; } = 10;

    /// <summary>Number of groups of rows B that incremental EM updates one at a time (fewer when the data have fewer blocks).</summary>
    public int Blocks { get; init; } = 10;

    /// <summary>
    /// Incremental EM measures ℓ (one full pass) after every m-th sweep and after the last; the sweeps between cost one
    /// pass each, as in Neal &amp; Hinton (1998), and leave no trace record. 1 (the default) measures after every sweep.
    /// </summary>
    public int MeasureEvery { get; init; } = 1;

    /// <summary>Checks the values and throws <see cref="ArgumentOutOfRangeException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (!(RelativeTolerance >= 0) || !double.IsFinite(RelativeTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), RelativeTolerance, "tolerance must be a finite number ≥ 0");
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
    }
}
