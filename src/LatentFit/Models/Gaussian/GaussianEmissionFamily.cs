using System.Text.Json.Nodes;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;
using LatentFit.Numerics;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// K Gaussian emissions N(x | μₖ, Σₖ) in D dimensions with a chosen covariance structure: the SIMD log-densities and
/// centred moments over a block held column by column, the weighted MLE, and the Fisher gradient.
/// </summary>
/// <remarks>
/// η = (μ, covariance part): the means as they are, and the structure's covariance parameterisation (Cholesky factors
/// with ½ log(Lᵢᵢ² − ε) on the diagonal, or ½ log(σ² − ε)), where ε is the regularisation: every η then has all
/// conditional variances above ε. ∇_μₖℓ = Λₖs₁ₖ, and the structure's part.
/// </remarks>
public sealed class GaussianEmissionFamily :
    IEmissionFamily<GaussianEmissionParameters, GaussianEmissionStatistics>,
    IRecentringEmissionFamily<GaussianEmissionParameters, GaussianEmissionStatistics>,
    IPortableEmissionFamily<GaussianEmissionParameters>,
    ISinglePrecisionRounding
{
    // Rows per inner block of the E-step: bounds the K-wide log-density buffer and keeps it in cache. Fewer rows spend
    // more on each block's fixed costs (the scatter's horizontal sums), more rows push the columns of a D = 50 block
    // out of the cache. float32 blocks take 256 rows: with 512 the posterior's float64 buffer (K × 512 values,
    // 64 KiB at K = 16) left L1 and the posterior ran slower than in double precision (perf, issue 13; 38–40 → 33–36 ms
    // per iteration at N = 200k, D = 16, K = 16 on the 256-bit path, 31–33 → 29–31 on the 512-bit path).
    private const int SingleRows = 256;

    // float64 blocks take 288 rows, not 256: the posterior's values lie component by component, B apart
    // ([k·B + n], see IEmissionWorkspace), and 256 float64 values are 2 KiB, so a row's K values fell into two of
    // the L1's 64 sets (of eight ways: K = 16 filled them) and evicted each other between the posterior's three
    // passes. 288 values are 36 cache lines, which spread sixteen components over sixteen sets. The posterior's
    // share of a float64 fit fell from 9.1, 8.7 to 6.7, 7.0 % (full N = 200k, D = 16, K = 16, 256-bit path, Zen 3,
    // perf, with the default chunks of 4,096 rows, whose last block has 64 rows); the other kernels' did not move,
    // nor at D = 50. 288 is a whole number of four vectors on every path (32 float64 rows at 512 bits). float32
    // blocks keep 256: their 1 KiB spreads a row's values over four sets, enough at K = 16, and a longer block
    // would lengthen the float32 sums (see ColumnBlock).
    private const int DoubleRows = 288;

    /// <summary>K emissions in D dimensions.</summary>
    /// <param name="components">K ≥ 1.</param>
    /// <param name="dimension">D ≥ 1.</param>
    /// <param name="structure">Covariance structure.</param>
    /// <param name="regularization">Added to the variances in the M-step (scikit-learn's <c>reg_covar</c>), and the floor of every conditional variance.</param>
    public GaussianEmissionFamily(int components, int dimension, CovarianceStructure structure, double regularization)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!(regularization >= 0) || !double.IsFinite(regularization))
        {
            throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "must be a finite number ≥ 0");
        }

        Components = components;
        Dimension = dimension;
        Structure = structure;
        Regularization = regularization;
        NaturalParameterNames = [
            .. Enumerable.Range(1, components).SelectMany(k => Enumerable.Range(1, dimension).Select(c => $"mean[{k}][{c}]")),
            .. structure.CovarianceNames(components, dimension)];
    }

    /// <inheritdoc/>
    public int Components { get; }

    /// <summary>D.</summary>
    public int Dimension { get; }

    /// <summary>Covariance structure.</summary>
    public CovarianceStructure Structure { get; }

    /// <summary>Added to variances in the M-step; the floor of the conditional variances.</summary>
    public double Regularization { get; }

    /// <inheritdoc/>
    public int ParameterCount => Components * Dimension + Structure.UnconstrainedLength(Components, Dimension);

    /// <inheritdoc/>
    /// <remarks>The means, then the covariance values in the structure's layout (full and tied: every matrix entry).</remarks>
    public IReadOnlyList<string> NaturalParameterNames { get; }

    /// <inheritdoc/>
    public GaussianEmissionStatistics CreateStatistics() => new(Structure, Components, Dimension);

    /// <inheritdoc/>
    /// <remarks>Kind <c>gaussian</c>: components, dimension, structure (its name) and regularization.</remarks>
    public ModelRecipe Recipe => PortableRecipes.Create(RecipeKind, new JsonObject
    {
        ["components"] = Components,
        ["dimension"] = Dimension,
        ["structure"] = Structure.Name,
        ["regularization"] = Regularization,
    });

    /// <summary>The kind of <see cref="Recipe"/>.</summary>
    public const string RecipeKind = "gaussian";

    /// <inheritdoc/>
    /// <remarks>
    /// The means (K·D), the covariances (the structure's layout), then the factorisation the log-densities use, which
    /// an instance otherwise computes on first use: L⁻¹ (or 1/σ, as long as the covariances), the K log-normalisers,
    /// the smallest conditional variance and its component. Carrying them spares the receiver a Cholesky factorisation
    /// and logarithms that another machine's libraries could round otherwise.
    /// </remarks>
    /// <exception cref="SingularCovarianceException">A covariance is not positive definite (the E-step would refuse it too).</exception>
    public double[] WriteParameters(GaussianEmissionParameters emission)
    {
        CheckShape(emission);
        var factors = emission.Factors;
        int means = Components * Dimension, covariances = Structure.CovarianceLength(Components, Dimension);
        if (factors.InverseFactors.Length != covariances || factors.LogNormalizers.Length != Components)
        {
            throw new InvalidOperationException($"the {Structure.Name} factorisation has {factors.InverseFactors.Length} inverse factors and {factors.LogNormalizers.Length} normalisers; the portable layout expects {covariances} and {Components}");
        }

        var values = new double[PortableLength];
        emission.Means.CopyTo(values);
        emission.Covariances.CopyTo(values.AsSpan(means));
        factors.InverseFactors.CopyTo(values.AsSpan(means + covariances));
        factors.LogNormalizers.CopyTo(values.AsSpan(means + 2 * covariances));
        values[^2] = factors.SmallestConditionalVariance;
        values[^1] = factors.SmallestComponent;
        return values;
    }

    /// <inheritdoc/>
    public GaussianEmissionParameters ReadParameters(ReadOnlySpan<double> values)
    {
        PortableRecipes.RequireLength(values, PortableLength, $"Gaussian emissions (K={Components}, D={Dimension}, {Structure.Name})");
        int means = Components * Dimension, covariances = Structure.CovarianceLength(Components, Dimension);
        double component = values[^1];
        if (!(component >= 0 && component < Components && component == Math.Floor(component)))
        {
            throw new ArgumentException($"Gaussian emissions: the smallest variance's component {component} is not one of the {Components}", nameof(values));
        }

        var factors = new CovarianceFactors(
            values.Slice(means + covariances, covariances).ToArray(),
            values.Slice(means + 2 * covariances, Components).ToArray(),
            values[^2],
            (int)component);
        return GaussianEmissionParameters.Own(Structure, Components, Dimension, values[..means].ToArray(), values.Slice(means, covariances).ToArray(), factors);
    }

    /// <summary>Length of <see cref="WriteParameters"/>'s values: means, covariances, inverse factors, normalisers, and two scalars.</summary>
    private int PortableLength => Components * Dimension + 2 * Structure.CovarianceLength(Components, Dimension) + Components + 2;

    private void CheckShape(GaussianEmissionParameters emission)
    {
        if (emission.Components != Components || emission.Dimension != Dimension || emission.Structure != Structure)
        {
            throw new ArgumentException(
                $"parameters are for K={emission.Components}, D={emission.Dimension}, {emission.Structure.Name}; the family is K={Components}, D={Dimension}, {Structure.Name}", nameof(emission));
        }
    }

    /// <inheritdoc/>
    public int BlockRows(Precision precision) => precision == Precision.Single ? SingleRows : DoubleRows;

    /// <summary>Single-precision data are held and computed in float32 (<see cref="ColumnBlock"/>): ℓ carries float32 roundings.</summary>
    bool ISinglePrecisionRounding.RoundsInSingle(Precision precision) => precision == Precision.Single;

    /// <inheritdoc/>
    /// <exception cref="SingularCovarianceException">A covariance is not positive definite, or a conditional variance is below the regularisation.</exception>
    /// <exception cref="IncompatibleStatisticsException"><paramref name="into"/> holds moments about other means.</exception>
    public IEmissionWorkspace CreateWorkspace(GaussianEmissionParameters emission, GaussianEmissionStatistics into, int capacityRows, Precision precision)
    {
        var factors = emission.Factors;
        CheckVarianceFloor(factors);
        var centres = into.CentresFor(emission.Means);
        return new Workspace(this, emission, factors, centres, into, ColumnBlock.Create(capacityRows, Dimension, precision));
    }

    /// <summary>
    /// With regularisation ε, every parameter the model accepts has all conditional variances (Lᵢᵢ² of each Cholesky
    /// factor) at least ε (less a relative 10⁻⁹ for rounding). EM's M-step, S/n + εI, always satisfies it; for the
    /// gradient methods it bounds the likelihood, which is otherwise unbounded as a component collapses onto a
    /// point, so that EM and the gradient methods maximise ℓ over the same set and a collapsed component ends at
    /// the same variance ε whichever method fits it. A point below the floor is invalid: ℓ there is −∞ to a line search.
    /// </summary>
    private void CheckVarianceFloor(CovarianceFactors factors)
    {
        if (Regularization > 0 && !(factors.SmallestConditionalVariance >= (1 - 1e-9) * Regularization))
        {
            throw new SingularCovarianceException(
                factors.SmallestComponent,
                $"a conditional variance of {factors.SmallestConditionalVariance:G3} is below the regularisation reg_covar ({Regularization:G3}), the floor below which the likelihood is unbounded");
        }
    }

    /// <inheritdoc/>
    /// <exception cref="SingularCovarianceException">An updated covariance is not positive definite.</exception>
    public GaussianEmissionParameters Maximize(GaussianEmissionParameters current, GaussianEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight) =>
        Maximize(current, statistics, occupancies, totalWeight, Regularization, centreAtNewMeans: true);

    /// <summary>
    /// The M-step with a chosen regularisation and centring; <paramref name="centreAtNewMeans"/> = false gives
    /// the covariance update about the current means used by Xu &amp; Jordan's (1996) identity.
    /// </summary>
    /// <exception cref="SingularCovarianceException">An updated covariance is not positive definite.</exception>
    internal GaussianEmissionParameters Maximize(GaussianEmissionParameters current, GaussianEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, double regularization, bool centreAtNewMeans)
    {
        int k = Components, d = Dimension;
        var shifts = MeanShifts(statistics, occupancies);
        var means = new double[k * d];
        ReadOnlySpan<double> centres = statistics.Centres ?? current.Means;
        for (int j = 0; j < k; j++)
        {
            for (int c = 0; c < d; c++)
            {
                means[j * d + c] = centres[j * d + c] + shifts[j * d + c];
            }
        }

        var covariances = new double[Structure.CovarianceLength(k, d)];
        Structure.Maximize(statistics.Scatter, shifts, occupancies, totalWeight, d, regularization, centreAtNewMeans, covariances);
        var next = GaussianEmissionParameters.Own(Structure, k, d, means, covariances);
        _ = next.Factors; // validates positive definiteness now, naming the component, rather than in the next E-step
        return next;
    }

    /// <inheritdoc/>
    public GaussianEmissionStatistics CreateAnchoredStatistics(GaussianEmissionParameters anchor) =>
        new(Structure, Components, Dimension, anchor.Means.ToArray());

    /// <inheritdoc/>
    /// <remarks>See <see cref="FarCentres"/>; statistics with centres fixed at construction are measured about those.</remarks>
    public Func<GaussianEmissionStatistics>? CentresIfFar(GaussianEmissionParameters? current, GaussianEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight)
    {
        var about = statistics.Centres ?? current?.Means.ToArray() ?? throw new ArgumentNullException(nameof(current), "statistics without centres of their own are measured about the current means");
        var centres = FarCentres(about, statistics, occupancies, totalWeight);
        return centres is null ? null : () => new GaussianEmissionStatistics(Structure, Components, Dimension, centres);
    }

    /// <summary>
    /// The means the M-step moves to, when the moments about <paramref name="about"/> are too far from them to be
    /// precise; null when the update is precise as it is (or a class is empty). In S/n − ΔμΔμᵀ rounding costs about
    /// 2⁻⁵² · |Δμ|²/σ² of σ², relatively; past |Δμ|² = 10⁴σ² (a mean moving a hundred standard deviations in one step,
    /// as from a start far from the data) that exceeds 10⁻¹², and the moments are better taken again about the new means.
    /// </summary>
    internal double[]? FarCentres(ReadOnlySpan<double> about, GaussianEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight)
    {
        int k = Components, d = Dimension;
        bool far = false;
        for (int j = 0; j < k && !far; j++)
        {
            double n = occupancies[j];
            if (!(n > CollapseThreshold * totalWeight))
            {
                return null;
            }

            double shift = 0;
            for (int c = 0; c < d; c++)
            {
                double delta = statistics.FirstMoments[j * d + c] / n;
                shift += delta * delta;
            }

            double variance = Structure.ScatterTrace(statistics.Scatter, j, d) / n;

            // The spread about the new mean, variance − shift, is what rounding is measured against.
            far = shift > 1e4 * Math.Max(variance - shift, 0);
        }

        if (!far)
        {
            return null;
        }

        var centres = about.ToArray();
        var shifts = MeanShifts(statistics, occupancies);
        for (int i = 0; i < centres.Length; i++)
        {
            centres[i] += shifts[i];
        }

        return centres;
    }

    // A class whose share of the weight falls below this has collapsed (the mixtures' threshold): no recentring then.
    private const double CollapseThreshold = 1e-10;

    /// <summary>Δμₖ = s₁ₖ / nₖ, the EM update of the means as a shift from the centres.</summary>
    internal double[] MeanShifts(GaussianEmissionStatistics statistics, ReadOnlySpan<double> occupancies)
    {
        var shifts = new double[Components * Dimension];
        for (int j = 0; j < Components; j++)
        {
            for (int c = 0; c < Dimension; c++)
            {
                shifts[j * Dimension + c] = statistics.FirstMoments[j * Dimension + c] / occupancies[j];
            }
        }

        return shifts;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// Σₖ Σₙ wₙγₙₖ log N(xₙ | μₖ, Σₖ) = Σₖ [−½nₖ(D log 2π + log det Σₖ) − ½ tr(Λₖ Sₖ(μₖ))], where Sₖ(μₖ) is the scatter
    /// about θ's mean: the moments are held about centres cₖ (θₜ's means, or the fixed centres of recentred or anchored
    /// statistics, whichever they are about), and with δₖ = μₖ − cₖ, Sₖ(μₖ) = Sₖ − s₁ₖδₖᵀ − δₖs₁ₖᵀ + nₖδₖδₖᵀ and
    /// Σₙ wₙγₙₖ(xₙ − μₖ) = s₁ₖ − nₖδₖ (expanding (x − cₖ − δₖ)(x − cₖ − δₖ)ᵀ). The gradient is then Fisher's: ∇_μₖQ = Λₖ(s₁ₖ − nₖδₖ),
    /// and the structure's covariance part from Sₖ(μₖ), so at θ = θₜ it is <see cref="Gradient"/>'s exactly.
    /// </para>
    /// <para>
    /// The regularisation ε enters Q only as the floor of η's variances (the chain rule of Σ(η)), as it enters
    /// <see cref="Gradient"/>: ℓ has no penalty term, and Q must be the surrogate of that ℓ, so Q carries none either —
    /// Fisher's identity ∇Q(θₜ | θₜ) = ∇ℓ(θₜ) and the minorisation hold for every ε. The M-step's Sₖ/nₖ + εI maximises
    /// Q − ½ε Σₖ nₖ tr(Λₖ) instead (scikit-learn's <c>reg_covar</c> as a penalty), so with ε &gt; 0 ∇Q does not vanish at
    /// the M-step's θ; it does with ε = 0.
    /// </para>
    /// </remarks>
    public double CompleteDataLogLikelihood(GaussianEmissionParameters theta, GaussianEmissionParameters at, GaussianEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient)
    {
        int k = Components, d = Dimension;
        ReadOnlySpan<double> centres = statistics.Centres ?? at.Means;
        var factors = theta.Factors;
        var displacements = new double[k * d];
        var residuals = new double[k * d];
        for (int i = 0; i < k * d; i++)
        {
            displacements[i] = theta.Means[i] - centres[i];
            residuals[i] = statistics.FirstMoments[i] - occupancies[i / d] * displacements[i];
        }

        var scatter = new double[statistics.Scatter.Length];
        Structure.DisplacedScatter(statistics.Scatter, statistics.FirstMoments, displacements, occupancies, d, scatter);
        double value = -0.5 * Structure.MahalanobisTrace(factors, scatter, k, d);
        for (int j = 0; j < k; j++)
        {
            value += occupancies[j] * factors.LogNormalizers[j];
        }

        ResidualMeanGradient(theta, residuals, gradient[..(k * d)]);
        Structure.Gradient(theta.Covariances, factors, scatter, occupancies, totalWeight, d, Regularization, gradient[(k * d)..]);
        return value;
    }

    /// <inheritdoc/>
    /// <exception cref="IncompatibleStatisticsException">The statistics hold moments about other means than <paramref name="current"/>'s.</exception>
    public void Gradient(GaussianEmissionParameters current, GaussianEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient)
    {
        if (statistics.Centres is { } centres && !centres.AsSpan().SequenceEqual(current.Means))
        {
            // Fisher's identity gives ∇ℓ at the θ the statistics were computed at, and at no other.
            throw new IncompatibleStatisticsException("the gradient needs statistics computed at the same parameters; these hold moments about other means");
        }

        int k = Components, d = Dimension;
        MeanGradient(current, statistics, gradient[..(k * d)]);
        Structure.Gradient(current.Covariances, current.Factors, statistics.Scatter, occupancies, totalWeight, d, Regularization, gradient[(k * d)..]);
    }

    /// <summary>∇_μₖℓ = Λₖ s₁ₖ, by two triangular solves with the Cholesky factor (Λ = L⁻ᵀL⁻¹).</summary>
    internal void MeanGradient(GaussianEmissionParameters current, GaussianEmissionStatistics statistics, Span<double> gradient) =>
        ResidualMeanGradient(current, statistics.FirstMoments, gradient);

    /// <summary>Λₖ rₖ for each component's residual sum rₖ = Σₙ wₙγₙₖ(xₙ − μₖ) (K×D).</summary>
    private void ResidualMeanGradient(GaussianEmissionParameters current, ReadOnlySpan<double> residuals, Span<double> gradient)
    {
        int d = Dimension;
        Span<double> sigma = new double[d * d];
        var full = current.FullCovariances();
        for (int j = 0; j < Components; j++)
        {
            full.AsSpan(j * d * d, d * d).CopyTo(sigma);
            DenseMatrix.TryCholesky(sigma, d);
            var target = gradient.Slice(j * d, d);
            residuals.Slice(j * d, d).CopyTo(target);
            DenseMatrix.SolveLower(sigma, d, target);
            DenseMatrix.SolveLowerTransposed(sigma, d, target);
        }
    }

    /// <inheritdoc/>
    public void ToUnconstrained(GaussianEmissionParameters emission, Span<double> eta)
    {
        int k = Components, d = Dimension;
        emission.Means.CopyTo(eta[..(k * d)]);
        Structure.ToUnconstrained(emission.Covariances, k, d, Regularization, eta[(k * d)..]);
    }

    /// <inheritdoc/>
    public GaussianEmissionParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        int k = Components, d = Dimension;
        var means = eta[..(k * d)].ToArray();
        var covariances = new double[Structure.CovarianceLength(k, d)];
        Structure.FromUnconstrained(eta[(k * d)..], k, d, Regularization, covariances);
        return GaussianEmissionParameters.Own(Structure, k, d, means, covariances);
    }

    /// <inheritdoc/>
    public void ToNatural(GaussianEmissionParameters emission, Span<double> natural)
    {
        emission.Means.CopyTo(natural);
        emission.Covariances.CopyTo(natural[(Components * Dimension)..]);
    }

    /// <inheritdoc/>
    /// <remarks>False where a mean is not finite or a covariance is not positive definite.</remarks>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out GaussianEmissionParameters emission)
    {
        int k = Components, d = Dimension;
        var means = natural[..(k * d)].ToArray();
        var covariances = natural.Slice(k * d, Structure.CovarianceLength(k, d)).ToArray();
        if (means.Any(m => !double.IsFinite(m)))
        {
            emission = null!;
            return false;
        }

        emission = GaussianEmissionParameters.Own(Structure, k, d, means, covariances);
        try
        {
            _ = emission.Factors;
            return true;
        }
        catch (SingularCovarianceException)
        {
            emission = null!;
            return false;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A mean coordinate: its component's standard deviation in that direction. The log-variance coordinates: 1. An
    /// off-diagonal Cholesky entry Lᵢⱼ: √Σᵢᵢ, the scale of row i.
    /// </remarks>
    public void Scales(GaussianEmissionParameters emission, Span<double> scales)
    {
        int k = Components, d = Dimension;
        scales.Fill(1);
        var full = emission.FullCovariances();
        for (int j = 0; j < k; j++)
        {
            for (int c = 0; c < d; c++)
            {
                scales[j * d + c] = Math.Sqrt(full[j * d * d + c * d + c]);
            }
        }

        Structure.UnconstrainedScales(full, k, d, scales[(k * d)..]);
    }

    /// <summary>One transposition per block serves both kernels: the log-densities and the moments.</summary>
    private sealed class Workspace(
        GaussianEmissionFamily family,
        GaussianEmissionParameters emission,
        CovarianceFactors factors,
        double[] centres,
        GaussianEmissionStatistics into,
        ColumnBlock columns) : ISinglePrecisionEmissionWorkspace
    {
        public bool ComputesInSingle => columns.ComputesInSingle;

        public void Load(DataBlock block) => columns.Load(block);

        public void LogDensities(DataBlock block, Span<double> logDensities) => LogDensitiesIn(logDensities);

        public void LogDensities(DataBlock block, Span<float> logDensities) => LogDensitiesIn(logDensities);

        public void Accumulate(DataBlock block, ReadOnlySpan<double> posteriors) => AccumulateFrom(block, posteriors);

        public void Accumulate(DataBlock block, ReadOnlySpan<float> posteriors) => AccumulateFrom(block, posteriors);

        // The float32 kernels leave the normalisers out (ColumnBlock.LogDensities).
        public void LogDensityConstants(Span<double> constants) => factors.LogNormalizers.CopyTo(constants);

        private void LogDensitiesIn<TOut>(Span<TOut> logDensities)
            where TOut : unmanaged =>
            family.Structure.LogDensities(factors, emission.Means, family.Components, columns, logDensities);

        private void AccumulateFrom<TIn>(DataBlock block, ReadOnlySpan<TIn> posteriors)
            where TIn : unmanaged =>
            family.Structure.AccumulateMoments(block, columns, posteriors, centres, family.Components, into.FirstMoments, into.Scatter);

        public void Dispose() => columns.Dispose();
    }
}
