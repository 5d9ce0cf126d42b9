using System.Globalization;
using System.Text.Json.Nodes;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;

namespace LatentFit.Models.Uniform;

/// <summary>
/// K uniform emissions U(aₖ, bₖ) on the first column: p(x | k) = 1[aₖ ≤ x ≤ bₖ] / (bₖ − aₖ). η = (a₁..a_K, log(b₁ − a₁)..log(b_K − a_K)).
/// The weighted maximum-likelihood interval of a component is [min, max] of the rows it holds; the support of the density
/// moves with θ, so Fisher's identity fails and the family has no gradient of ℓ (see <see cref="Reason"/>, docs/theory.md).
/// </summary>
/// <remarks>
/// <para>
/// EM can shrink an interval to the data it holds but never move an endpoint outward: a row outside [aₖ, bₖ] has
/// rₙₖ = 0, so the M-step's [min, max] of the rows component k holds lies inside [aₖ, bₖ]. A start whose intervals are
/// narrower than the maximum-likelihood ones stays narrower; the start (see the specification) therefore uses wide,
/// overlapping windows.
/// </para>
/// <para>
/// A component holding a single distinct value would have bₖ = aₖ and unbounded density (the likelihood has no maximum,
/// as for a Gaussian with zero variance); the M-step refuses it with a <see cref="ModelFailureException"/>.
/// </para>
/// </remarks>
public sealed class UniformEmissionFamily : IEmissionFamily<UniformEmissionParameters, UniformEmissionStatistics>, IPortableEmissionFamily<UniformEmissionParameters>
{
    /// <summary>The kind of <see cref="Recipe"/>.</summary>
    public const string RecipeKind = "uniform";

    /// <summary>Why the E-step gives no gradient of ℓ for this family, as <see cref="GradientSupport.Reason"/> says it.</summary>
    public const string Reason =
        "the gradient of the log-likelihood is not available from the E-step because the support of U(a, b) depends on θ: " +
        "moving an endpoint moves the boundary of the support, Fisher's identity ∇ℓ(θ) = ∇Q(θ | θ) needs the derivative and the integral to commute, " +
        "and at EM's fixed point each endpoint sits on a data point, where ℓ jumps to −∞ on one side";

    private const int Rows = 256;

    // η = (a, log(b − a)) gives back b = a + e^{log(b − a)} to within a few units in the last place, not exactly; an
    // endpoint the M-step put on a data point must still hold that point after the round trip, or ℓ would fall to −∞.
    // The support is therefore taken this many relative units wider than [a, b]: 16 ulps of |a| + |b|, far below
    // any difference quotient's step (the check's are 1e-5 of a width), so it changes no likelihood that matters.
    private const double SupportSlack = 16 * 2.220446049250313e-16;

    /// <summary>K emissions.</summary>
    public UniformEmissionFamily(int components)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        Components = components;
        NaturalParameterNames = [.. Enumerable.Range(1, components).Select(k => $"lower[{k}]"), .. Enumerable.Range(1, components).Select(k => $"upper[{k}]")];
    }

    /// <inheritdoc/>
    public int Components { get; }

    /// <inheritdoc/>
    public int ParameterCount => 2 * Components;

    /// <inheritdoc/>
    public IReadOnlyList<string> NaturalParameterNames { get; }

    /// <inheritdoc/>
    /// <remarks>Kind <c>uniform</c>: components.</remarks>
    public ModelRecipe Recipe => PortableRecipes.Create(RecipeKind, new JsonObject { ["components"] = Components });

    /// <inheritdoc/>
    /// <remarks>The K lower endpoints, then the K upper ones.</remarks>
    public double[] WriteParameters(UniformEmissionParameters emission)
    {
        PortableRecipes.RequireLength(emission.Lower, Components, "uniform endpoints");
        return [.. emission.Lower, .. emission.Upper];
    }

    /// <inheritdoc/>
    public UniformEmissionParameters ReadParameters(ReadOnlySpan<double> values)
    {
        PortableRecipes.RequireLength(values, 2 * Components, "uniform endpoints");
        return UniformEmissionParameters.Own(values[..Components].ToArray(), values[Components..].ToArray());
    }

    /// <summary>Whether x lies in [a, b], widened by the round-trip slack (see the remarks on the field).</summary>
    public static bool Contains(double lower, double upper, double x)
    {
        double slack = SupportSlack * (Math.Abs(lower) + Math.Abs(upper));
        return x >= lower - slack && x <= upper + slack;
    }

    /// <inheritdoc/>
    public UniformEmissionStatistics CreateStatistics() => new(Components);

    /// <inheritdoc/>
    public int BlockRows(Precision precision) => Rows;

    /// <inheritdoc/>
    public IEmissionWorkspace CreateWorkspace(UniformEmissionParameters emission, UniformEmissionStatistics into, int capacityRows, Precision precision) =>
        new Workspace(emission, into);

    /// <inheritdoc/>
    /// <exception cref="ModelFailureException">A component holds a single distinct value (bₖ = aₖ: unbounded density).</exception>
    public UniformEmissionParameters Maximize(UniformEmissionParameters current, UniformEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight)
    {
        var lower = statistics.Minima.ToArray();
        var upper = statistics.Maxima.ToArray();
        for (int k = 0; k < Components; k++)
        {
            if (!(upper[k] > lower[k]))
            {
                throw new ModelFailureException(
                    $"component {k + 1} collapsed onto the single value {lower[k].ToString("G6", CultureInfo.InvariantCulture)}: a uniform on one point has unbounded density, so the likelihood has no maximum there. " +
                    "Reduce the number of components or try other starts (more restarts, another seed).",
                    FitSetting.Components,
                    FitSetting.Restarts,
                    FitSetting.Seed);
            }
        }

        return UniformEmissionParameters.Own(lower, upper);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">Always: the family has no gradient of ℓ (<see cref="Reason"/>).</exception>
    public void Gradient(UniformEmissionParameters current, UniformEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient) =>
        throw new InvalidOperationException(Reason);

    /// <inheritdoc/>
    /// <remarks>
    /// Σₖ −nₖ log(bₖ − aₖ) when every interval holds the rows its component held at θₜ ([minₖ, maxₖ] ⊆ [aₖ, bₖ]), else −∞:
    /// the indicators contribute log 1 = 0 inside and −∞ outside. In η, ∂Q/∂aₖ = 0 (a shift at fixed width) and
    /// ∂Q/∂log(bₖ − aₖ) = −nₖ. At θ = θₜ this is ∇Q(θ | θ), which here is not ∇ℓ (see <see cref="Reason"/>): at EM's
    /// fixed point it is the one-sided slope of ℓ as an interval widens, while narrowing it sends ℓ to −∞.
    /// </remarks>
    public double CompleteDataLogLikelihood(UniformEmissionParameters theta, UniformEmissionParameters at, UniformEmissionStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient)
    {
        int k = Components;
        double value = 0;
        for (int j = 0; j < k; j++)
        {
            double a = theta.Lower[j], b = theta.Upper[j];
            bool holds = statistics.Minima[j] > statistics.Maxima[j]
                || (Contains(a, b, statistics.Minima[j]) && Contains(a, b, statistics.Maxima[j]));
            if (!holds)
            {
                gradient[..(2 * k)].Fill(double.NaN);
                return double.NegativeInfinity;
            }

            value -= occupancies[j] * Math.Log(b - a);
            gradient[j] = 0;
            gradient[k + j] = -occupancies[j];
        }

        return value;
    }

    /// <inheritdoc/>
    public void ToUnconstrained(UniformEmissionParameters emission, Span<double> eta)
    {
        for (int j = 0; j < Components; j++)
        {
            eta[j] = emission.Lower[j];
            eta[Components + j] = Math.Log(emission.Upper[j] - emission.Lower[j]);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidParametersException">A width that overflows or that vanishes beside its lower endpoint.</exception>
    public UniformEmissionParameters FromUnconstrained(ReadOnlySpan<double> eta)
    {
        var lower = new double[Components];
        var upper = new double[Components];
        for (int j = 0; j < Components; j++)
        {
            lower[j] = eta[j];
            upper[j] = eta[j] + Math.Exp(eta[Components + j]);
        }

        if (UniformEmissionParameters.Invalid(lower, upper) is { } reason)
        {
            throw new InvalidParametersException($"the uniform components are not valid intervals: {reason}");
        }

        return UniformEmissionParameters.Own(lower, upper);
    }

    /// <inheritdoc/>
    /// <remarks>Layout: the lower endpoints, then the upper ones.</remarks>
    public void ToNatural(UniformEmissionParameters emission, Span<double> natural)
    {
        emission.Lower.CopyTo(natural);
        emission.Upper.CopyTo(natural[Components..]);
    }

    /// <inheritdoc/>
    /// <remarks>False where an endpoint is not finite or an interval has no positive width.</remarks>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out UniformEmissionParameters emission)
    {
        var lower = natural[..Components].ToArray();
        var upper = natural.Slice(Components, Components).ToArray();
        emission = UniformEmissionParameters.Invalid(lower, upper) is null ? UniformEmissionParameters.Own(lower, upper) : null!;
        return emission is not null;
    }

    /// <inheritdoc/>
    /// <remarks>aₖ: the width bₖ − aₖ; log(bₖ − aₖ) is dimensionless: 1.</remarks>
    public void Scales(UniformEmissionParameters emission, Span<double> scales)
    {
        for (int j = 0; j < Components; j++)
        {
            scales[j] = emission.Upper[j] - emission.Lower[j];
            scales[Components + j] = 1;
        }
    }

    /// <summary>−log(bₖ − aₖ) once per chunk; the support test per row.</summary>
    private sealed class Workspace(UniformEmissionParameters emission, UniformEmissionStatistics into) : IEmissionWorkspace
    {
        private readonly double[] _logDensities = [.. Enumerable.Range(0, emission.Components).Select(j => -Math.Log(emission.Upper[j] - emission.Lower[j]))];

        public void Load(DataBlock block)
        {
        }

        public void LogDensities(DataBlock block, Span<double> logDensities)
        {
            int b = block.Rows;
            for (int j = 0; j < _logDensities.Length; j++)
            {
                var column = logDensities.Slice(j * b, b);
                double lower = emission.Lower[j], upper = emission.Upper[j];
                for (int n = 0; n < b; n++)
                {
                    column[n] = Contains(lower, upper, block[n, 0]) ? _logDensities[j] : double.NegativeInfinity;
                }
            }
        }

        /// <remarks>
        /// A row counts as held by component k when it lies in the interval (rₙₖ &gt; 0 in exact arithmetic), decided
        /// from the support rather than from the rounded responsibility: a responsibility flushed to 0 by underflow
        /// must not let the M-step's interval drop a row no other component holds.
        /// </remarks>
        public void Accumulate(DataBlock block, ReadOnlySpan<double> posteriors)
        {
            for (int j = 0; j < _logDensities.Length; j++)
            {
                double lower = emission.Lower[j], upper = emission.Upper[j];
                double minimum = into.Minima[j], maximum = into.Maxima[j];
                for (int n = 0; n < block.Rows; n++)
                {
                    double x = block[n, 0];
                    if (block.RowWeight(n) > 0 && Contains(lower, upper, x))
                    {
                        minimum = Math.Min(minimum, x);
                        maximum = Math.Max(maximum, x);
                    }
                }

                into.Minima[j] = minimum;
                into.Maxima[j] = maximum;
            }
        }

        public void Dispose()
        {
        }
    }
}
