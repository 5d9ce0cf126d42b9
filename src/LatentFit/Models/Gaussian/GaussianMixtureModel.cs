using System.Runtime.CompilerServices;
using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Numerics.Tensors;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics;
using LatentFit.Numerics.Kernels;
using LatentFit.Transforms;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// A K-component Gaussian mixture p(x) = Σₖ αₖ N(x | μₖ, Σₖ) with a chosen covariance structure.
/// </summary>
/// <remarks>
/// η = (a₁..a_{K−1}, μ, covariance part): log-ratio weights aₖ = log αₖ − log α_K, the means as they are, and
/// the structure's covariance parameterisation (Cholesky factors with ½ log(Lᵢᵢ² − ε) on the diagonal, or
/// ½ log(σ² − ε)), where ε is the regularisation: every η then has all conditional variances above ε. Gradients with respect
/// to η follow from the statistics by Fisher's identity: ∂ℓ/∂aₖ = nₖ − Nαₖ, ∇_μₖℓ = Λₖs₁ₖ, and the structure's part.
/// </remarks>
public sealed class GaussianMixtureModel :
    ILatentVariableModel<GaussianMixtureParameters, GaussianMixtureStatistics>,
    INaturalParameterization<GaussianMixtureParameters>,
    IParameterScales<GaussianMixtureParameters>,
    IRecentringModel<GaussianMixtureParameters, GaussianMixtureStatistics>
{
    // Rows per inner block of the E-step: bounds the K-wide log-density buffer and keeps it in cache. A block's column
    // is 2 KiB in either precision (256 float64 or 512 float32 values): fewer rows spend more on each block's fixed
    // costs (the scatter's horizontal sums), more rows push the columns of a D = 50 block out of the cache.
    private const int BlockRows = 256;

    private static int BlockRowsFor(Precision precision) => precision == Precision.Single ? 2 * BlockRows : BlockRows;

    /// <summary>A model with K components in D dimensions.</summary>
    /// <param name="components">K ≥ 1.</param>
    /// <param name="dimension">D ≥ 1.</param>
    /// <param name="structure">Covariance structure.</param>
    /// <param name="regularization">Added to the variances in the M-step (scikit-learn's <c>reg_covar</c>); 0 for the exact EM map.</param>
    public GaussianMixtureModel(int components, int dimension, CovarianceStructure structure, double regularization = 1e-6)
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
            .. Enumerable.Range(1, components).Select(k => $"weight[{k}]"),
            .. Enumerable.Range(1, components).SelectMany(k => Enumerable.Range(1, dimension).Select(c => $"mean[{k}][{c}]")),
            .. structure.CovarianceNames(components, dimension)];
    }

    /// <summary>Weights, means, then the covariance values in the structure's layout (full and tied: every matrix entry).</summary>
    public IReadOnlyList<string> NaturalParameterNames { get; }

    /// <summary>K.</summary>
    public int Components { get; }

    /// <summary>D.</summary>
    public int Dimension { get; }

    /// <summary>Covariance structure.</summary>
    public CovarianceStructure Structure { get; }

    /// <summary>Added to variances in the M-step.</summary>
    public double Regularization { get; }

    /// <summary>A component whose share Σₙ rₙₖ / N falls below this has collapsed.</summary>
    public static double CollapseThreshold => 1e-10;

    /// <inheritdoc/>
    public int ParameterCount => Components - 1 + Components * Dimension + Structure.UnconstrainedLength(Components, Dimension);

    /// <inheritdoc/>
    public GradientSupport GradientSupport => GradientSupport.Exact;

    /// <inheritdoc/>
    public GaussianMixtureStatistics CreateStatistics() => new(Structure, Components, Dimension);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Accumulate(GaussianMixtureParameters theta, DataBlock rows, GaussianMixtureStatistics into)
    {
        CheckShape(theta);
        if (rows.Dimension != Dimension)
        {
            throw new ArgumentException($"data has {rows.Dimension} columns but the model has dimension {Dimension}", nameof(rows));
        }

        int k = Components, d = Dimension;
        var factors = theta.Factors;
        CheckVarianceFloor(factors);
        var means = theta.Means;
        var centres = into.CentresFor(theta.Means);
        var logWeights = new double[k];
        for (int j = 0; j < k; j++)
        {
            logWeights[j] = Math.Log(theta.Weights[j]);
        }

        int blockRows = BlockRowsFor(rows.Precision);
        var buffer = ArrayPool<double>.Shared.Rent(Math.Min(blockRows, rows.Rows) * k);
        var maxima = ArrayPool<double>.Shared.Rent(2 * blockRows);
        try
        {
            // One set of column buffers for every block of the chunk; one transposition per block serves both kernels.
            using var columns = ColumnBlock.Create(Math.Min(blockRows, rows.Rows), d, rows.Precision);
            for (int start = 0; start < rows.Rows; start += blockRows)
            {
                int count = Math.Min(blockRows, rows.Rows - start);
                var block = rows.Slice(start, count);
                var logDensities = buffer.AsSpan(0, count * k);
                columns.Load(block);
                Structure.LogDensities(factors, means, k, columns, logDensities);
                Responsibilities(block, logDensities, logWeights, maxima.AsSpan(0, 2 * count), into);
                Structure.AccumulateMoments(block, columns, logDensities, centres, k, into.FirstMoments, into.Scatter);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
            ArrayPool<double>.Shared.Return(maxima);
        }
    }

    // Responsibilities are exponentials of log-densities less their row's maximum, clamped below at ExpFloor; those
    // at or below FlushBelow (twice e^ExpFloor, so that clamped lanes fall below it whatever the last bit of the SIMD
    // exponential) are set to 0 (see ExpFlushingUnderflow).
    private const double ExpFloor = -700;
    private static readonly double FlushBelow = 2 * Math.Exp(ExpFloor);

    // Components whose per-lane sums of the fused responsibilities fit on the stack.
    private const int MaxRegisterComponents = 128;

    /// <summary>
    /// The same in one sweep over the block, eight rows at a time in 512-bit registers: log-weights, row maxima,
    /// exponentials, their sum, the responsibilities, log marginals and the per-component sums, with the K values of
    /// each row read from L1 three times instead of a dozen library calls over the block, whose fixed costs were most
    /// of the time for small D.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Responsibilities512(DataBlock block, Span<double> logDensities, ReadOnlySpan<double> logWeights, GaussianMixtureStatistics into)
    {
        int k = Components, b = block.Rows, width = Vector512<double>.Count;
        var smallest = Vector512.Create(FlushBelow);
        var floor = Vector512.Create(ExpFloor);
        Span<Vector512<double>> componentSums = stackalloc Vector512<double>[k];
        componentSums.Clear();
        var logLikelihood = Vector512<double>.Zero;
        var weights = block.RowWeights;
        ref double p = ref MemoryMarshal.GetReference(logDensities);
        for (int n = 0; n < b; n += width)
        {
            var max = Vector512.Create(double.NegativeInfinity);
            for (int j = 0; j < k; j++)
            {
                nuint at = (nuint)((j * b) + n);
                var value = Vector512.LoadUnsafe(ref p, at) + Vector512.Create(logWeights[j]);
                value.StoreUnsafe(ref p, at);
                max = Vector512.Max(max, value);
            }

            if (!Vector512.EqualsAll(max - max, Vector512<double>.Zero))
            {
                // Every component density underflowed for some row (absurd parameters, e.g. a line-search probe):
                // ℓ is −∞; the statistics are not used.
                into.LogLikelihood = double.NegativeInfinity;
                logDensities[..(k * b)].Clear();
                return;
            }

            var sum = Vector512<double>.Zero;
            for (int j = 0; j < k; j++)
            {
                nuint at = (nuint)((j * b) + n);
                var e = Vector512.Exp(Vector512.Max(Vector512.LoadUnsafe(ref p, at) - max, floor));
                e = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(e, smallest), Vector512<double>.Zero, e);
                e.StoreUnsafe(ref p, at);
                sum += e;
            }

            var rowWeight = weights.IsEmpty ? Vector512<double>.One : Vector512.Create(weights.Slice(n, width));
            for (int j = 0; j < k; j++)
            {
                nuint at = (nuint)((j * b) + n);
                var r = Vector512.LoadUnsafe(ref p, at) / sum;
                r.StoreUnsafe(ref p, at);
                componentSums[j] = Vector512.FusedMultiplyAdd(r, rowWeight, componentSums[j]);
            }

            logLikelihood = Vector512.FusedMultiplyAdd(max + Vector512.Log(sum), rowWeight, logLikelihood);
        }

        into.LogLikelihood += Vector512.Sum(logLikelihood);
        into.Weight += weights.IsEmpty ? b : TensorPrimitives.Sum(weights);
        for (int j = 0; j < k; j++)
        {
            into.ComponentWeights[j] += Vector512.Sum(componentSums[j]);
        }
    }

    /// <summary>
    /// eˣ in place for x ≤ 0 (a log-density less its row's maximum), with every result up to 2e⁻⁷⁰⁰ ≈ 2e-304 set to 0:
    /// such a responsibility changes no sum it enters, while the subnormal numbers it would otherwise become (and the
    /// products made from them) are slow on the hardware, and inputs far below the exponential's range send the SIMD
    /// exponential to its scalar fallback. Clamping first keeps every lane on the fast path; far from the
    /// optimum, where most log-densities are hundreds below the best component's, this took the responsibilities of
    /// the D = 50 benchmark from 53 to 2 ms per E-step.
    /// </summary>
    private static void ExpFlushingUnderflow(Span<double> values)
    {
        double smallest = FlushBelow;
        TensorPrimitives.Max(values, ExpFloor, values);
        TensorPrimitives.Exp(values, values);
        var threshold = new Vector<double>(smallest);
        int i = 0;
        for (; i <= values.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            var v = new Vector<double>(values[i..]);
            Vector.ConditionalSelect(Vector.LessThanOrEqual(v, threshold), Vector<double>.Zero, v).CopyTo(values[i..]);
        }

        for (; i < values.Length; i++)
        {
            values[i] = values[i] <= smallest ? 0 : values[i];
        }
    }

    /// <summary>
    /// Log-space E-step on a block of B rows, in place, component by component (logp[k·B + n]):
    /// rₙₖ = exp(log αₖ + log N(xₙ|μₖ,Σₖ) − log Σⱼ αⱼ N(xₙ|μⱼ,Σⱼ)), by log-sum-exp with each row's maximum taken out
    /// first. Every step runs over the block's rows with SIMD, so the cost does not hinge on K. Adds ℓ, the total
    /// weight and nₖ to the statistics.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Responsibilities(DataBlock block, Span<double> logDensities, ReadOnlySpan<double> logWeights, Span<double> maxima, GaussianMixtureStatistics into)
    {
        int k = Components, b = block.Rows;
        if (Vector512.IsHardwareAccelerated && b % Vector512<double>.Count == 0 && k <= MaxRegisterComponents)
        {
            Responsibilities512(block, logDensities, logWeights, into);
            return;
        }

        var max = maxima[..b];
        Span<double> Column(Span<double> all, int j) => all.Slice(j * b, b);
        for (int j = 0; j < k; j++)
        {
            TensorPrimitives.Add(Column(logDensities, j), logWeights[j], Column(logDensities, j));
        }

        Column(logDensities, 0).CopyTo(max);
        for (int j = 1; j < k; j++)
        {
            TensorPrimitives.Max(max, Column(logDensities, j), max);
        }

        bool underflow = false;
        foreach (double m in max)
        {
            underflow |= !double.IsFinite(m);
        }

        if (underflow)
        {
            // Every component density underflowed for some row (absurd parameters, e.g. a line-search probe):
            // ℓ is −∞; the statistics are not used.
            into.LogLikelihood = double.NegativeInfinity;
            logDensities[..(k * b)].Clear();
            return;
        }

        for (int j = 0; j < k; j++)
        {
            TensorPrimitives.Subtract(Column(logDensities, j), max, Column(logDensities, j));
        }

        ExpFlushingUnderflow(logDensities[..(k * b)]);
        var sum = maxima.Slice(b, b);
        Column(logDensities, 0).CopyTo(sum);
        for (int j = 1; j < k; j++)
        {
            TensorPrimitives.Add(sum, Column(logDensities, j), sum);
        }

        for (int j = 0; j < k; j++)
        {
            TensorPrimitives.Divide(Column(logDensities, j), sum, Column(logDensities, j));
        }

        // log marginal = max + log Σ; weighted sums in row order.
        TensorPrimitives.Log(sum, sum);
        TensorPrimitives.Add(sum, max, sum);
        var weights = block.RowWeights;
        if (weights.IsEmpty)
        {
            into.LogLikelihood += TensorPrimitives.Sum<double>(sum);
            into.Weight += b;
            for (int j = 0; j < k; j++)
            {
                into.ComponentWeights[j] += TensorPrimitives.Sum<double>(Column(logDensities, j));
            }
        }
        else
        {
            into.LogLikelihood += TensorPrimitives.Dot(sum, weights);
            into.Weight += TensorPrimitives.Sum(weights);
            for (int j = 0; j < k; j++)
            {
                into.ComponentWeights[j] += TensorPrimitives.Dot(Column(logDensities, j), weights);
            }
        }
    }

    /// <inheritdoc/>
    public GaussianMixtureParameters Maximize(GaussianMixtureParameters current, GaussianMixtureStatistics stats) =>
        Maximize(current, stats, Regularization, centreAtNewMeans: true);

    /// <summary>
    /// The M-step with a chosen regularisation and centring; <paramref name="centreAtNewMeans"/> = false gives
    /// the covariance update about the current means used by Xu &amp; Jordan's (1996) identity.
    /// </summary>
    /// <exception cref="ComponentCollapsedException">A component's total responsibility has fallen to (nearly) zero.</exception>
    /// <exception cref="SingularCovarianceException">An updated covariance is not positive definite.</exception>
    internal GaussianMixtureParameters Maximize(GaussianMixtureParameters current, GaussianMixtureStatistics stats, double regularization, bool centreAtNewMeans)
    {
        CheckShape(current);
        int k = Components, d = Dimension;
        double total = stats.Weight;
        if (!double.IsFinite(stats.LogLikelihood))
        {
            throw new ModelFailureException("the log-likelihood at the current parameters is not finite, so there is no M-step from them; start from other parameters.");
        }

        for (int j = 0; j < k; j++)
        {
            if (!(stats.ComponentWeights[j] > CollapseThreshold * total))
            {
                throw new ComponentCollapsedException(j, stats.ComponentWeights[j], total);
            }
        }

        var weights = new double[k];
        var shifts = MeanShifts(stats);
        var means = new double[k * d];
        ReadOnlySpan<double> centres = stats.Centres ?? current.Means;
        for (int j = 0; j < k; j++)
        {
            weights[j] = stats.ComponentWeights[j] / total;
            for (int c = 0; c < d; c++)
            {
                means[j * d + c] = centres[j * d + c] + shifts[j * d + c];
            }
        }

        var covariances = new double[Structure.CovarianceLength(k, d)];
        Structure.Maximize(stats.Scatter, shifts, stats.ComponentWeights, total, d, regularization, centreAtNewMeans, covariances);
        var next = GaussianMixtureParameters.Own(Structure, k, d, weights, means, covariances);
        _ = next.Factors; // validates positive definiteness now, naming the component, rather than in the next E-step
        return next;
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
                $"a conditional variance of {factors.SmallestConditionalVariance:G3} is below --reg-covar ({Regularization:G3}), the floor below which the likelihood is unbounded");
        }
    }

    /// <summary>
    /// In S/n − ΔμΔμᵀ rounding costs about 2⁻⁵² · |Δμ|²/σ² of σ², relatively; past |Δμ|² = 10⁴σ² (a mean moving
    /// a hundred standard deviations in one step, as from a start far from the data) that exceeds 10⁻¹², and the
    /// moments are taken again about the new means.
    /// </summary>
    public Func<GaussianMixtureStatistics>? Recentre(GaussianMixtureParameters current, GaussianMixtureStatistics stats)
    {
        if (stats.HasFixedCentres || !double.IsFinite(stats.LogLikelihood))
        {
            return null;
        }

        int k = Components, d = Dimension;
        bool far = false;
        for (int j = 0; j < k && !far; j++)
        {
            double n = stats.ComponentWeights[j];
            if (!(n > CollapseThreshold * stats.Weight))
            {
                return null;
            }

            double shift = 0;
            for (int c = 0; c < d; c++)
            {
                double delta = stats.FirstMoments[j * d + c] / n;
                shift += delta * delta;
            }

            double variance = Structure.ScatterTrace(stats.Scatter, j, d) / n;

            // The spread about the new mean, variance − shift, is what rounding is measured against.
            far = shift > 1e4 * Math.Max(variance - shift, 0);
        }

        if (!far)
        {
            return null;
        }

        var centres = current.Means.ToArray();
        var shifts = MeanShifts(stats);
        for (int i = 0; i < centres.Length; i++)
        {
            centres[i] += shifts[i];
        }

        return () => new GaussianMixtureStatistics(Structure, k, d, centres);
    }

    /// <summary>Δμₖ = s₁ₖ / nₖ, the EM update of the means as a shift from μₜ.</summary>
    internal double[] MeanShifts(GaussianMixtureStatistics stats)
    {
        var shifts = new double[Components * Dimension];
        for (int j = 0; j < Components; j++)
        {
            for (int c = 0; c < Dimension; c++)
            {
                shifts[j * Dimension + c] = stats.FirstMoments[j * Dimension + c] / stats.ComponentWeights[j];
            }
        }

        return shifts;
    }

    /// <inheritdoc/>
    public void Gradient(GaussianMixtureParameters current, GaussianMixtureStatistics stats, Span<double> gradient)
    {
        CheckShape(current);
        if (stats.Centres is { } centres && !centres.AsSpan().SequenceEqual(current.Means))
        {
            // Fisher's identity gives ∇ℓ at the θ the statistics were computed at, and at no other.
            throw new IncompatibleStatisticsException("the gradient needs statistics computed at the same parameters; these hold moments about other means");
        }

        int k = Components, d = Dimension;
        double total = stats.Weight;
        SimplexTransform.Gradient(stats.ComponentWeights, total, current.Weights, gradient);

        var meanGradient = gradient.Slice(k - 1, k * d);
        MeanGradient(current, stats, meanGradient);
        Structure.Gradient(current.Covariances, current.Factors, stats.Scatter, stats.ComponentWeights, total, d, Regularization, gradient[(k - 1 + k * d)..]);
    }

    /// <summary>∇_μₖℓ = Λₖ s₁ₖ, by two triangular solves with the Cholesky factor (Λ = L⁻ᵀL⁻¹).</summary>
    internal void MeanGradient(GaussianMixtureParameters current, GaussianMixtureStatistics stats, Span<double> gradient)
    {
        int d = Dimension;
        Span<double> sigma = new double[d * d];
        var full = current.FullCovariances();
        for (int j = 0; j < Components; j++)
        {
            full.AsSpan(j * d * d, d * d).CopyTo(sigma);
            DenseMatrix.TryCholesky(sigma, d);
            var target = gradient.Slice(j * d, d);
            stats.FirstMoments.AsSpan(j * d, d).CopyTo(target);
            DenseMatrix.SolveLower(sigma, d, target);
            DenseMatrix.SolveLowerTransposed(sigma, d, target);
        }
    }

    /// <inheritdoc/>
    public void ToUnconstrained(GaussianMixtureParameters theta, Span<double> eta)
    {
        CheckShape(theta);
        int k = Components, d = Dimension;
        SimplexTransform.ToLogRatios(theta.Weights, eta);

        theta.Means.CopyTo(eta.Slice(k - 1, k * d));
        Structure.ToUnconstrained(theta.Covariances, k, d, Regularization, eta[(k - 1 + k * d)..]);
    }

    /// <inheritdoc/>
    public GaussianMixtureParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        int k = Components, d = Dimension;
        if (eta.Length != ParameterCount)
        {
            throw new ArgumentException($"expected {ParameterCount} parameters, got {eta.Length}", nameof(eta));
        }

        var weights = new double[k];
        SimplexTransform.FromLogRatios(eta, weights);

        var means = eta.Slice(k - 1, k * d).ToArray();
        var covariances = new double[Structure.CovarianceLength(k, d)];
        Structure.FromUnconstrained(eta[(k - 1 + k * d)..], k, d, Regularization, covariances);
        return GaussianMixtureParameters.Own(Structure, k, d, weights, means, covariances);
    }

    private void CheckShape(GaussianMixtureParameters theta)
    {
        if (theta.Components != Components || theta.Dimension != Dimension || theta.Structure != Structure)
        {
            throw new ArgumentException(
                $"parameters are for K={theta.Components}, D={theta.Dimension}, {theta.Structure.Name}; the model is K={Components}, D={Dimension}, {Structure.Name}");
        }
    }

    /// <inheritdoc/>
    public void ToNatural(GaussianMixtureParameters theta, Span<double> natural)
    {
        CheckShape(theta);
        theta.Weights.CopyTo(natural);
        theta.Means.CopyTo(natural[Components..]);
        theta.Covariances.CopyTo(natural[(Components + Components * Dimension)..]);
    }

    /// <inheritdoc/>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out GaussianMixtureParameters theta)
    {
        int k = Components, d = Dimension;
        var weights = natural[..k].ToArray();
        double sum = 0;
        foreach (double w in weights)
        {
            if (!(w > 0) || !double.IsFinite(w))
            {
                theta = null!;
                return false;
            }

            sum += w;
        }

        for (int j = 0; j < k; j++)
        {
            weights[j] /= sum;
        }

        var means = natural.Slice(k, k * d).ToArray();
        var covariances = natural.Slice(k + k * d, Structure.CovarianceLength(k, d)).ToArray();
        if (means.Any(m => !double.IsFinite(m)))
        {
            theta = null!;
            return false;
        }

        theta = GaussianMixtureParameters.Own(Structure, k, d, weights, means, covariances);
        try
        {
            _ = theta.Factors;
            return true;
        }
        catch (SingularCovarianceException)
        {
            theta = null!;
            return false;
        }
    }

    /// <summary>
    /// Log-ratios and the log-variance coordinates: 1. A mean coordinate: its component's standard deviation in
    /// that direction. An off-diagonal Cholesky entry Lᵢⱼ: √Σᵢᵢ, the scale of row i.
    /// </summary>
    public void Scales(GaussianMixtureParameters theta, Span<double> scales)
    {
        int k = Components, d = Dimension;
        scales.Fill(1);
        var full = theta.FullCovariances();
        for (int j = 0; j < k; j++)
        {
            for (int c = 0; c < d; c++)
            {
                scales[k - 1 + j * d + c] = Math.Sqrt(full[j * d * d + c * d + c]);
            }
        }

        Structure.UnconstrainedScales(full, k, d, scales[(k - 1 + k * d)..]);
    }
}
