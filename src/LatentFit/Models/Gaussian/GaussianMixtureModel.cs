using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Mixtures;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// A K-component Gaussian mixture p(x) = Σₖ αₖ N(x | μₖ, Σₖ) with a chosen covariance structure: mixing weights and
/// a <see cref="GaussianEmissionFamily"/>, composed by <see cref="MixtureOfEmissions{TEmission, TStatistics}"/>.
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
    IRecentringModel<GaussianMixtureParameters, GaussianMixtureStatistics>,
    IAnchoredStatisticsModel<GaussianMixtureParameters, GaussianMixtureStatistics>,
    ICompleteDataModel<GaussianMixtureParameters, GaussianMixtureStatistics>,
    IPortableModel<GaussianMixtureParameters>,
    ISinglePrecisionRounding
{
    private readonly MixtureOfEmissions<GaussianEmissionParameters, GaussianEmissionStatistics> _mixture;

    /// <summary>A model with K components in D dimensions.</summary>
    /// <param name="components">K ≥ 1.</param>
    /// <param name="dimension">D ≥ 1.</param>
    /// <param name="structure">Covariance structure.</param>
    /// <param name="regularization">Added to the variances in the M-step (scikit-learn's <c>reg_covar</c>); 0 for the exact EM map.</param>
    public GaussianMixtureModel(int components, int dimension, CovarianceStructure structure, double regularization = 1e-6)
    {
        Emission = new GaussianEmissionFamily(components, dimension, structure, regularization);
        _mixture = new(Emission);
    }

    /// <summary>The components' emission family.</summary>
    public GaussianEmissionFamily Emission { get; }

    /// <summary>Weights, means, then the covariance values in the structure's layout (full and tied: every matrix entry).</summary>
    public IReadOnlyList<string> NaturalParameterNames => _mixture.NaturalParameterNames;

    /// <summary>K.</summary>
    public int Components => Emission.Components;

    /// <summary>D.</summary>
    public int Dimension => Emission.Dimension;

    /// <summary>Covariance structure.</summary>
    public CovarianceStructure Structure => Emission.Structure;

    /// <summary>Added to variances in the M-step.</summary>
    public double Regularization => Emission.Regularization;

    /// <summary>A component whose share Σₙ rₙₖ / N falls below this has collapsed.</summary>
    public static double CollapseThreshold => MixturePosterior.CollapseThreshold;

    /// <inheritdoc/>
    public int ParameterCount => _mixture.ParameterCount;

    /// <inheritdoc/>
    bool ISinglePrecisionRounding.RoundsInSingle(Precision precision) => ((ISinglePrecisionRounding)Emission).RoundsInSingle(precision);

    /// <inheritdoc/>
    public GradientSupport GradientSupport => GradientSupport.Exact;

    /// <inheritdoc/>
    public GaussianMixtureStatistics CreateStatistics() => new(Structure, Components, Dimension);

    /// <inheritdoc/>
    /// <remarks>Kind <c>mixture</c>, with the emission family's recipe as <c>emission</c>.</remarks>
    public ModelRecipe Recipe => _mixture.Recipe;

    /// <inheritdoc/>
    /// <remarks>The K weights, then the emission family's values.</remarks>
    public double[] WriteParameters(GaussianMixtureParameters theta) => _mixture.WriteParameters(theta.Weights, theta.Emission);

    /// <inheritdoc/>
    public GaussianMixtureParameters ReadParameters(ReadOnlySpan<double> values)
    {
        var (weights, emission) = _mixture.ReadParameters(values);
        return GaussianMixtureParameters.Own(weights, emission);
    }

    /// <inheritdoc/>
    public void Accumulate(GaussianMixtureParameters theta, DataBlock rows, GaussianMixtureStatistics into)
    {
        CheckShape(theta);
        if (rows.Dimension != Dimension)
        {
            throw new ArgumentException($"data has {rows.Dimension} columns but the model has dimension {Dimension}", nameof(rows));
        }

        _mixture.Accumulate(theta.Weights, theta.Emission, rows, into);
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
        var weights = _mixture.MaximizeWeights(stats);
        var emission = Emission.Maximize(current.Emission, stats.Emission, stats.ComponentWeights, stats.Weight, regularization, centreAtNewMeans);
        return GaussianMixtureParameters.Own(weights, emission);
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

        return CentresIfFar(current.Means, stats);
    }

    /// <inheritdoc/>
    public GaussianMixtureStatistics CreateAnchoredStatistics(GaussianMixtureParameters anchor)
    {
        CheckShape(anchor);
        return new GaussianMixtureStatistics(Structure, Components, Dimension, anchor.Means.ToArray());
    }

    /// <inheritdoc/>
    /// <remarks>Moments about fixed centres lose precision as moments about θₜ's means do (see <see cref="Recentre"/>).</remarks>
    public Func<GaussianMixtureStatistics>? Reanchor(GaussianMixtureStatistics stats) =>
        stats.Centres is { } centres && double.IsFinite(stats.LogLikelihood) ? CentresIfFar(centres, stats) : null;

    /// <summary>Statistics about where the M-step moves the means, when the moments about <paramref name="about"/> are too far from there to be precise.</summary>
    private Func<GaussianMixtureStatistics>? CentresIfFar(ReadOnlySpan<double> about, GaussianMixtureStatistics stats)
    {
        var centres = Emission.FarCentres(about, stats.Emission, stats.ComponentWeights, stats.Weight);
        int k = Components, d = Dimension;
        return centres is null ? null : () => new GaussianMixtureStatistics(Structure, k, d, centres);
    }

    /// <summary>Δμₖ = s₁ₖ / nₖ, the EM update of the means as a shift from μₜ.</summary>
    internal double[] MeanShifts(GaussianMixtureStatistics stats) => Emission.MeanShifts(stats.Emission, stats.ComponentWeights);

    /// <inheritdoc/>
    public void Gradient(GaussianMixtureParameters current, GaussianMixtureStatistics stats, Span<double> gradient)
    {
        CheckShape(current);
        _mixture.Gradient(current.Weights, current.Emission, stats, gradient);
    }

    /// <inheritdoc/>
    public double CompleteDataLogLikelihood(GaussianMixtureParameters theta, GaussianMixtureParameters at, GaussianMixtureStatistics stats, Span<double> gradient)
    {
        CheckShape(theta);
        return _mixture.CompleteDataLogLikelihood(theta.Weights, theta.Emission, at.Emission, stats, gradient);
    }

    /// <summary>∇_μₖℓ = Λₖ s₁ₖ (see <see cref="GaussianEmissionFamily.MeanGradient"/>).</summary>
    internal void MeanGradient(GaussianMixtureParameters current, GaussianMixtureStatistics stats, Span<double> gradient) =>
        Emission.MeanGradient(current.Emission, stats.Emission, gradient);

    /// <inheritdoc/>
    public void ToUnconstrained(GaussianMixtureParameters theta, Span<double> eta)
    {
        CheckShape(theta);
        _mixture.ToUnconstrained(theta.Weights, theta.Emission, eta);
    }

    /// <inheritdoc/>
    public GaussianMixtureParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        var (weights, emission) = _mixture.FromUnconstrained(eta);
        return GaussianMixtureParameters.Own(weights, emission);
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
        _mixture.ToNatural(theta.Weights, theta.Emission, natural);
    }

    /// <inheritdoc/>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out GaussianMixtureParameters theta)
    {
        bool valid = _mixture.TryFromNatural(natural, out var weights, out var emission);
        theta = valid ? GaussianMixtureParameters.Own(weights, emission) : null!;
        return valid;
    }

    /// <summary>Log-ratios: 1; then the emission family's scales (see <see cref="GaussianEmissionFamily.Scales"/>).</summary>
    public void Scales(GaussianMixtureParameters theta, Span<double> scales) => _mixture.Scales(theta.Emission, scales);
}
