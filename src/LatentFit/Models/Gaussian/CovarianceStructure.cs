using System.Numerics.Tensors;
using LatentFit.Data;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// How the component covariances of a Gaussian mixture are constrained. Each structure is a type that owns
/// its parameter layout, its log-density kernel, its share of the sufficient statistics, its M-step, its
/// unconstrained parameterisation and its gradient, so no code elsewhere switches on the structure.
/// </summary>
/// <remarks>
/// Layouts, for K components in D dimensions:
/// <list type="bullet">
/// <item><b>covariance values</b> (the natural parameters): full K·D·D, tied D·D, diagonal K·D, spherical K;</item>
/// <item><b>scatter</b> (the second-moment statistics Σₙ wₙrₙₖ(xₙ−μₖ)(xₙ−μₖ)ᵀ centred at the current means μₖ),
/// in the same layout as the covariance values; full and tied keep the upper triangle only;</item>
/// <item><b>unconstrained η</b>: for full and tied, the lower triangle of the Cholesky factor L row by row with
/// log Lᵢᵢ on the diagonal; for diagonal and spherical, log σ (half the log variance).</item>
/// </list>
/// </remarks>
public abstract class CovarianceStructure
{
    /// <summary>Every structure: full, tied, diagonal, spherical.</summary>
    public static IReadOnlyList<CovarianceStructure> All { get; } =
        [FullCovariance.Instance, TiedCovariance.Instance, DiagonalCovariance.Instance, SphericalCovariance.Instance];

    /// <summary>LatentFit's (and scikit-learn's) name: full, tied, diag, spherical.</summary>
    public abstract string Name { get; }

    /// <summary>The equivalent mclust model name: VVV, EEE, VVI, VII.</summary>
    public abstract string MclustName { get; }

    /// <summary>Finds a structure by its name (case-insensitive); <c>diagonal</c> is accepted for <c>diag</c>.</summary>
    public static bool TryParse(string name, out CovarianceStructure structure)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase)
                || string.Equals(candidate.MclustName, name, StringComparison.OrdinalIgnoreCase))
            {
                structure = candidate;
                return true;
            }
        }

        if (string.Equals(name, "diagonal", StringComparison.OrdinalIgnoreCase))
        {
            structure = DiagonalCovariance.Instance;
            return true;
        }

        structure = FullCovariance.Instance;
        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>Length of the covariance values (and of the scatter statistics).</summary>
    public abstract int CovarianceLength(int components, int dimension);

    /// <summary>Names of the covariance values in this structure's layout, e.g. <c>covariance[2][1,2]</c> or <c>variance[1][2]</c>.</summary>
    public abstract IReadOnlyList<string> CovarianceNames(int components, int dimension);

    /// <summary>Number of free covariance parameters, the covariance part of η.</summary>
    public abstract int UnconstrainedLength(int components, int dimension);

    /// <summary>Factorises the covariances once per E-step: Cholesky factors, their inverses and log-normalisers.</summary>
    /// <exception cref="Abstractions.SingularCovarianceException">A covariance is not numerically positive definite.</exception>
    internal abstract CovarianceFactors Factorize(ReadOnlySpan<double> covariances, int components, int dimension);

    /// <summary>logp[k·B + n] = log N(xₙ | μₖ, Σₖ) for every row n of the block of B rows (component by component).</summary>
    /// <remarks>In float64, or in float32 from a float32 block (<see cref="ColumnBlock.LogDensities{TOut}(ReadOnlySpan{double}, double, Span{TOut})"/>).</remarks>
    internal abstract void LogDensities<TOut>(CovarianceFactors factors, ReadOnlySpan<double> means, int components, ColumnBlock block, Span<TOut> logDensities)
        where TOut : unmanaged;

    /// <summary>
    /// With responsibilities rₙₖ at [k·B + n] (component by component), adds the first moments Σₙ wₙrₙₖ(xₙ − cₖ) to
    /// <paramref name="firstMoments"/> (K×D) and the scatter
    /// Σₙ wₙrₙₖ(xₙ − cₖ)(xₙ − cₖ)ᵀ (or its diagonal or trace) to <paramref name="scatter"/>, about the centres cₖ.
    /// </summary>
    /// <remarks>The responsibilities in float64, or in float32 for a float32 block.</remarks>
    internal abstract void AccumulateMoments<TIn>(DataBlock rows, ColumnBlock block, ReadOnlySpan<TIn> responsibilities, ReadOnlySpan<double> centres, int components, Span<double> firstMoments, Span<double> scatter)
        where TIn : unmanaged;

    /// <summary>
    /// M-step for the covariances. With <paramref name="centreAtNewMeans"/> (EM's usual update) the scatter is
    /// re-centred at μₜ + Δμ, i.e. S/n − ΔμΔμᵀ; without it the update is S/n, the covariance centred at the
    /// current means for which Xu &amp; Jordan's (1996) projection identity is exact. <paramref name="regularization"/>
    /// is added to the variances, as scikit-learn's <c>reg_covar</c>.
    /// </summary>
    internal abstract void Maximize(ReadOnlySpan<double> scatter, ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double regularization, bool centreAtNewMeans, Span<double> covariances);

    /// <summary>tr(Sⱼ), the total scatter of component j about the centre (for tied, of all components pooled).</summary>
    internal abstract double ScatterTrace(ReadOnlySpan<double> scatter, int component, int dimension);

    /// <summary>The amount by which the usual M-step is below the one centred at current means: ΔμΔμᵀ in the covariance layout (pooled over components for tied).</summary>
    internal abstract void MeanShiftTerm(ReadOnlySpan<double> meanShifts, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> term);

    /// <summary>
    /// Writes the covariance part of η. With a variance floor ε each conditional variance is ε + e^{2η} (Lᵢᵢ =
    /// √(ε + e^{2ηᵢᵢ}) for a Cholesky factor, σ² = ε + e^{2η} otherwise), so every η respects the floor; a
    /// variance at the floor itself (a collapsed component) maps to ε·10⁻¹² above it.
    /// </summary>
    internal abstract void ToUnconstrained(ReadOnlySpan<double> covariances, int components, int dimension, double floor, Span<double> eta);

    /// <summary>Covariances from the covariance part of η (see <see cref="ToUnconstrained"/> for the floor).</summary>
    internal abstract void FromUnconstrained(ReadOnlySpan<double> eta, int components, int dimension, double floor, Span<double> covariances);

    /// <summary>∂ℓ/∂η for the covariance part of η, from the scatter: the Fisher-identity gradient.</summary>
    internal abstract void Gradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, double floor, Span<double> gradient);

    /// <summary>
    /// The scatter about the points cₖ + δₖ from moments about the centres cₖ, in the scatter layout:
    /// Sₖ − s₁ₖδₖᵀ − δₖs₁ₖᵀ + nₖδₖδₖᵀ (its diagonal or trace; pooled over components for tied). Written without
    /// dividing by nₖ, so an empty component (nₖ = 0, s₁ₖ = 0, Sₖ = 0) stays 0.
    /// </summary>
    internal abstract void DisplacedScatter(ReadOnlySpan<double> scatter, ReadOnlySpan<double> firstMoments, ReadOnlySpan<double> displacements, ReadOnlySpan<double> componentWeights, int dimension, Span<double> displaced);

    /// <summary>Σₖ tr(Λₖ Sₖ) for a scatter in this structure's layout (tied: tr(ΛS) of the pooled scatter), with the factors' L⁻¹ (or 1/σ).</summary>
    internal abstract double MahalanobisTrace(CovarianceFactors factors, ReadOnlySpan<double> scatter, int components, int dimension);

    /// <summary>
    /// The scale of each coordinate of the covariance part of η, from the K full covariance matrices: 1 for a
    /// log-variance coordinate (the default, which diagonal and spherical structures keep); Cholesky structures set
    /// √Σᵢᵢ for an off-diagonal entry Lᵢⱼ.
    /// </summary>
    internal virtual void UnconstrainedScales(ReadOnlySpan<double> fullCovariances, int components, int dimension, Span<double> scales) =>
        scales[..UnconstrainedLength(components, dimension)].Fill(1);

    /// <inheritdoc cref="FullMatrixBlock.LogExcess"/>
    internal static double LogExcess(double variance, double floor) => FullMatrixBlock.LogExcess(variance, floor);

    /// <summary>∂ℓ/∂Σ in the covariance layout: ½Λ(S − nΣ)Λ for full matrices (the symmetric-matrix derivative), its diagonal or trace analogue otherwise.</summary>
    internal abstract void NaturalGradient(ReadOnlySpan<double> covariances, CovarianceFactors factors, ReadOnlySpan<double> scatter, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> gradient);

    /// <summary>
    /// P_Σ ∂ℓ/∂Σ with Xu &amp; Jordan's (1996) covariance block formed explicitly: (2/nₖ) Σₖ ⊗ Σₖ for full matrices
    /// (2/N for tied), 2σ⁴/nₖ per variance for diagonal, 2σ⁴/(nₖD) for spherical.
    /// </summary>
    internal abstract void ApplyXuJordanPreconditioner(ReadOnlySpan<double> covariances, ReadOnlySpan<double> naturalGradient, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension, Span<double> step);

    /// <summary>Smallest eigenvalue of the Xu–Jordan covariance block over all components.</summary>
    internal abstract double XuJordanMinimumEigenvalue(ReadOnlySpan<double> covariances, ReadOnlySpan<double> componentWeights, double totalWeight, int dimension);

    /// <summary>Writes K full D×D covariance matrices.</summary>
    internal abstract void ToFullMatrices(ReadOnlySpan<double> covariances, int components, int dimension, Span<double> full);

    /// <summary>Reads K full D×D matrices into this structure's layout; returns an error message when they do not have its form.</summary>
    internal abstract string? FromFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances);

    /// <summary>
    /// The nearest matrices of this structure's form to K full symmetric matrices, in its layout: as they are
    /// (full), their average (tied), their diagonals (diagonal), or their mean variances tr(Σ)/D (spherical).
    /// </summary>
    internal abstract void ProjectFullMatrices(ReadOnlySpan<double> full, int components, int dimension, Span<double> covariances);
}

/// <summary>Per-E-step factorisation of the covariances.</summary>
internal sealed class CovarianceFactors(double[] inverseFactors, double[] logNormalizers, double smallestConditionalVariance, int smallestComponent)
{
    /// <summary>
    /// The smallest conditional variance over all components: Lᵢᵢ² for a Cholesky factor L (the variance of one
    /// coordinate given the ones before it), the variance itself for diagonal and spherical structures. A Gaussian
    /// mixture's likelihood is unbounded as it goes to 0, so the model keeps it above a floor.
    /// </summary>
    public double SmallestConditionalVariance { get; } = smallestConditionalVariance;

    /// <summary>Zero-based component with <see cref="SmallestConditionalVariance"/> (0 for a tied covariance).</summary>
    public int SmallestComponent { get; } = smallestComponent;

    /// <summary>
    /// Full and tied: L⁻¹ per block (D×D, lower triangular) with Σ = LLᵀ, so that ‖L⁻¹(x − μ)‖² is the
    /// Mahalanobis term; diagonal: 1/σ per variance; spherical: 1/σ per component.
    /// </summary>
    public double[] InverseFactors { get; } = inverseFactors;

    /// <summary>
    /// <see cref="InverseFactors"/> rounded to float32, made once on first use, for the float32 kernels of
    /// single-precision data (the same values as rounding them at every block).
    /// </summary>
    public float[] SingleInverseFactors => LazyInitializer.EnsureInitialized(ref _single, () =>
    {
        var single = new float[InverseFactors.Length];
        TensorPrimitives.ConvertTruncating<double, float>(InverseFactors, single);
        return single;
    });

    private float[]? _single;

    /// <summary>
    /// The block's log-densities about its centre (<see cref="ColumnBlock.Centre"/>) for the L⁻¹ held at
    /// <paramref name="offset"/> (D×D values): from <see cref="SingleInverseFactors"/> when the block computes in float32,
    /// else from <see cref="InverseFactors"/>.
    /// </summary>
    public void LogDensities<TOut>(ColumnBlock block, int offset, double normalizer, Span<TOut> logDensities)
        where TOut : unmanaged
    {
        int size = block.Dimension * block.Dimension;
        if (block.ComputesInSingle)
        {
            block.LogDensities(SingleInverseFactors.AsSpan(offset, size), normalizer, logDensities);
        }
        else
        {
            block.LogDensities(InverseFactors.AsSpan(offset, size), normalizer, logDensities);
        }
    }

    /// <summary>Per component: −½D log 2π − ½ log det Σₖ.</summary>
    public double[] LogNormalizers { get; } = logNormalizers;
}
