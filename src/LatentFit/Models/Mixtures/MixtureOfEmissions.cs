using System.Runtime.CompilerServices;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Models.Emissions;
using LatentFit.Numerics.Kernels;
using LatentFit.Transforms;

namespace LatentFit.Models.Mixtures;

/// <summary>A mixture's statistics: the totals the posterior adds and the emission family's statistics.</summary>
internal interface IMixtureStatistics<TEmissionStatistics> : IMixtureTotals
    where TEmissionStatistics : IEmissionStatistics<TEmissionStatistics>
{
    /// <summary>The emission family's statistics, weighted by the responsibilities.</summary>
    TEmissionStatistics Emission { get; }
}

/// <summary>Sees the responsibilities of one block (class-major, K×B) after the posterior has written them.</summary>
internal delegate void PosteriorObserver(DataBlock block, ReadOnlySpan<double> responsibilities);

/// <summary>
/// A K-component mixture p(x) = Σₖ αₖ pₖ(x | θₑ): mixing weights on the simplex and an emission family. It owns only
/// the weights (η: log-ratios aₖ = log αₖ − log α_K, ∂ℓ/∂aₖ = nₖ − Nαₖ) and the shared posterior; everything about pₖ
/// is the family's. The mixture models (Gaussian, Poisson) are this composition with their own parameter and
/// statistics types.
/// </summary>
internal sealed class MixtureOfEmissions<TEmission, TStatistics>
    where TStatistics : IEmissionStatistics<TStatistics>
{
    /// <summary>A mixture of the family's K components.</summary>
    public MixtureOfEmissions(IEmissionFamily<TEmission, TStatistics> family)
    {
        Family = family;
        NaturalParameterNames = [.. Enumerable.Range(1, family.Components).Select(k => $"weight[{k}]"), .. family.NaturalParameterNames];
    }

    /// <summary>The emission family.</summary>
    public IEmissionFamily<TEmission, TStatistics> Family { get; }

    /// <summary>K.</summary>
    public int Components => Family.Components;

    /// <summary>K − 1 log-ratios, then the family's part of η.</summary>
    public int ParameterCount => Components - 1 + Family.ParameterCount;

    /// <summary>The weights, then the family's natural parameters.</summary>
    public IReadOnlyList<string> NaturalParameterNames { get; }

    /// <summary>
    /// The E-step on a chunk, block by block: the family's log-densities, the shared posterior, then the family's
    /// accumulation with the responsibilities as weights. One workspace serves every block, so a family that
    /// transposes a block does it once for both of its passes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Accumulate(ReadOnlySpan<double> weights, TEmission emission, DataBlock rows, IMixtureStatistics<TStatistics> into, PosteriorObserver? observer = null)
    {
        int k = Components;
        var logWeights = new double[k];
        for (int j = 0; j < k; j++)
        {
            logWeights[j] = Math.Log(weights[j]);
        }

        int blockRows = Family.BlockRows(rows.Precision);
        using var workspace = Family.CreateWorkspace(emission, into.Emission, Math.Min(blockRows, rows.Rows), rows.Precision);

        // Single-precision data through a workspace that can compute in float32 take the float32 posterior (see
        // MixturePosterior.Responsibilities(…, Span<float>, …)); not with an observer, which reads float64
        // responsibilities.
        var single = observer is null && workspace is ISinglePrecisionEmissionWorkspace { ComputesInSingle: true } inSingle ? inSingle : null;
        int capacity = Math.Min(blockRows, rows.Rows) * k;
        // On cache lines, as the kernels' own buffers (see CacheLineBuffer): the posterior's passes and the kernels
        // load and store these a vector at a time.
        var buffer = CacheLineBuffer<double>.Rent(single is null ? capacity : 0);
        var maxima = CacheLineBuffer<double>.Rent(single is null ? 2 * blockRows : 0);
        var singleBuffer = CacheLineBuffer<float>.Rent(single is null ? 0 : capacity);
        var scratch = CacheLineBuffer<float>.Rent(single is null ? 0 : 3 * blockRows);
        MixturePosterior.SinglePrecisionShifts? shifts = null;
        if (single is not null)
        {
            var constants = new double[k];
            single.LogDensityConstants(constants);
            shifts = new MixturePosterior.SinglePrecisionShifts(logWeights, constants);
        }

        try
        {
            for (int start = 0; start < rows.Rows; start += blockRows)
            {
                int count = Math.Min(blockRows, rows.Rows - start);
                var block = rows.Slice(start, count);
                workspace.Load(block);
                if (single is not null && shifts is not null)
                {
                    var values = singleBuffer.AsSpan(0, count * k);
                    single.LogDensities(block, values);
                    MixturePosterior.Responsibilities(block, values, shifts, scratch.AsSpan(0, 3 * count), into);
                    single.Accumulate(block, values);
                    continue;
                }

                var logDensities = buffer.AsSpan(0, count * k);
                workspace.LogDensities(block, logDensities);
                MixturePosterior.Responsibilities(block, logDensities, logWeights, maxima.AsSpan(0, 2 * count), into);
                workspace.Accumulate(block, logDensities);
                observer?.Invoke(block, logDensities);
            }
        }
        finally
        {
            buffer.Return();
            maxima.Return();
            singleBuffer.Return();
            scratch.Return();
        }
    }

    /// <summary>The mixture's recipe: kind <see cref="PortableRecipes.MixtureKind"/> around the family's.</summary>
    /// <exception cref="NotSupportedException">The family is not portable.</exception>
    public ModelRecipe Recipe => PortableRecipes.WithEmission(PortableRecipes.MixtureKind, PortableRecipes.Portable<TEmission>(Family).Recipe);

    /// <summary>θ's exact flat form: the K weights, then the family's values (see <see cref="IPortableEmissionFamily{TEmission}.WriteParameters"/>).</summary>
    /// <exception cref="NotSupportedException">The family is not portable.</exception>
    public double[] WriteParameters(ReadOnlySpan<double> weights, TEmission emission)
    {
        PortableRecipes.RequireLength(weights, Components, "mixture weights");
        return [.. weights, .. PortableRecipes.Portable<TEmission>(Family).WriteParameters(emission)];
    }

    /// <summary>θ from what <see cref="WriteParameters"/> wrote.</summary>
    /// <exception cref="ArgumentException">Too few values, or the family refuses its part.</exception>
    public (double[] Weights, TEmission Emission) ReadParameters(ReadOnlySpan<double> values)
    {
        if (values.Length < Components)
        {
            throw new ArgumentException($"mixture weights: expected at least {Components} parameter values, got {values.Length}", nameof(values));
        }

        return (values[..Components].ToArray(), PortableRecipes.Portable<TEmission>(Family).ReadParameters(values[Components..]));
    }

    /// <summary>
    /// Checks that the statistics allow an M-step and returns the weights' part of it, αₖ = nₖ / N (as nₖ / Σⱼ nⱼ).
    /// </summary>
    /// <exception cref="ModelFailureException">ℓ at the current parameters is not finite.</exception>
    /// <exception cref="ComponentCollapsedException">A component's occupancy is at most <see cref="MixturePosterior.CollapseThreshold"/> of the total.</exception>
    public double[] MaximizeWeights(IMixtureTotals statistics)
    {
        double total = statistics.Weight;
        if (!double.IsFinite(statistics.LogLikelihood))
        {
            throw new ModelFailureException("the log-likelihood at the current parameters is not finite, so there is no M-step from them; start from other parameters.");
        }

        var occupancies = statistics.ComponentWeights;
        for (int j = 0; j < occupancies.Length; j++)
        {
            if (!(occupancies[j] > MixturePosterior.CollapseThreshold * total))
            {
                throw new ComponentCollapsedException(j, occupancies[j], total);
            }
        }

        // αₖ = nₖ / Σⱼ nⱼ: Σⱼ nⱼ is N in exact arithmetic (each row's responsibilities sum to one), but the kernels sum
        // each nₖ lane by lane and N with the library's sum, in other orders, so that nₖ / N put a single component's
        // weight at 1 + 4e-16 on the 512-bit path (and the weights' sum off 1 by as much). Normalised by their own sum,
        // the weights lie on the simplex to rounding, whatever the order, as scikit-learn's do (it divides by their sum).
        double occupied = 0;
        foreach (double occupancy in occupancies)
        {
            occupied += occupancy;
        }

        var weights = new double[occupancies.Length];
        for (int j = 0; j < weights.Length; j++)
        {
            weights[j] = occupancies[j] / occupied;
        }

        return weights;
    }

    /// <summary>The full M-step: the weights' part, then the family's weighted MLE.</summary>
    public (double[] Weights, TEmission Emission) Maximize(TEmission current, IMixtureStatistics<TStatistics> statistics)
    {
        var weights = MaximizeWeights(statistics);
        return (weights, Family.Maximize(current, statistics.Emission, statistics.ComponentWeights, statistics.Weight));
    }

    /// <summary>∇ℓ in η by Fisher's identity: the log-ratios' part, then the family's.</summary>
    public void Gradient(ReadOnlySpan<double> weights, TEmission emission, IMixtureStatistics<TStatistics> statistics, Span<double> gradient)
    {
        int k = Components;
        SimplexTransform.Gradient(statistics.ComponentWeights, statistics.Weight, weights, gradient);
        Family.Gradient(emission, statistics.Emission, statistics.ComponentWeights, statistics.Weight, gradient.Slice(k - 1, Family.ParameterCount));
    }

    /// <summary>
    /// Q(θ | θₜ) = Σₖ nₖ log αₖ + the family's part, from statistics accumulated at θₜ's emission <paramref name="at"/>,
    /// and ∇_η Q at θ = (<paramref name="weights"/>, <paramref name="emission"/>) (see <see cref="ICompleteDataModel{TParams, TStats}"/>).
    /// </summary>
    public double CompleteDataLogLikelihood(ReadOnlySpan<double> weights, TEmission emission, TEmission at, IMixtureStatistics<TStatistics> statistics, Span<double> gradient)
    {
        int k = Components;
        SimplexTransform.Gradient(statistics.ComponentWeights, statistics.Weight, weights, gradient);
        double value = SimplexTransform.ExpectedLogLikelihood(statistics.ComponentWeights, weights);
        return value + Family.CompleteDataLogLikelihood(emission, at, statistics.Emission, statistics.ComponentWeights, statistics.Weight, gradient.Slice(k - 1, Family.ParameterCount));
    }

    /// <summary>θ → η.</summary>
    public void ToUnconstrained(ReadOnlySpan<double> weights, TEmission emission, Span<double> eta)
    {
        SimplexTransform.ToLogRatios(weights, eta);
        Family.ToUnconstrained(emission, eta.Slice(Components - 1, Family.ParameterCount));
    }

    /// <summary>η → θ.</summary>
    /// <exception cref="ArgumentException">η has the wrong length.</exception>
    public (double[] Weights, TEmission Emission) FromUnconstrained(ReadOnlySpan<double> eta)
    {
        if (eta.Length != ParameterCount)
        {
            throw new ArgumentException($"expected {ParameterCount} parameters, got {eta.Length}", nameof(eta));
        }

        var weights = new double[Components];
        SimplexTransform.FromLogRatios(eta, weights);
        return (weights, Family.FromUnconstrained(eta[(Components - 1)..]));
    }

    /// <summary>The weights, then the family's natural parameters.</summary>
    public void ToNatural(ReadOnlySpan<double> weights, TEmission emission, Span<double> natural)
    {
        weights.CopyTo(natural);
        Family.ToNatural(emission, natural[Components..]);
    }

    /// <summary>Parameters from natural values, the weights normalised to sum to 1; false where a weight is not positive and finite or the family refuses its part.</summary>
    public bool TryFromNatural(ReadOnlySpan<double> natural, out double[] weights, out TEmission emission)
    {
        int k = Components;
        weights = natural[..k].ToArray();
        emission = default!;
        double sum = 0;
        foreach (double w in weights)
        {
            if (!(w > 0) || !double.IsFinite(w))
            {
                return false;
            }

            sum += w;
        }

        for (int j = 0; j < k; j++)
        {
            weights[j] /= sum;
        }

        return Family.TryFromNatural(natural[k..], out emission);
    }

    /// <summary>Log-ratios: 1; then the family's scales.</summary>
    public void Scales(TEmission emission, Span<double> scales)
    {
        scales[..(Components - 1)].Fill(1);
        Family.Scales(emission, scales.Slice(Components - 1, Family.ParameterCount));
    }
}
