using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LatentFit.Data;
using LatentFit.Numerics;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Mixtures;

/// <summary>
/// What the posterior of a mixture adds to its statistics: ℓ = Σₙ wₙ log p(xₙ), the total weight Σₙ wₙ and the
/// occupancies nₖ = Σₙ wₙrₙₖ. A mixture's statistics implement it; the emission family's statistics hold the rest.
/// </summary>
internal interface IMixtureTotals
{
    /// <summary>ℓ so far; −∞ once some row had no finite density under any component.</summary>
    double LogLikelihood { get; set; }

    /// <summary>Σₙ wₙ so far.</summary>
    double Weight { get; set; }

    /// <summary>nₖ so far.</summary>
    double[] ComponentWeights { get; }
}

/// <summary>
/// The posterior over the components of a mixture, shared by every emission family: log-sum-exp over the K
/// weighted log-densities of a block, the responsibilities with underflow flushed, the −∞ of a row no component
/// explains, and the collapse threshold the M-step checks the occupancies against.
/// </summary>
internal static class MixturePosterior
{
    /// <summary>A component whose share Σₙ rₙₖ / N falls below this has collapsed.</summary>
    public const double CollapseThreshold = 1e-10;

    // Responsibilities are exponentials of log-densities less their row's maximum, clamped below at ExpFloor; those
    // at or below FlushBelow (twice e^ExpFloor, so that clamped lanes fall below it whatever the last bit of the SIMD
    // exponential) are set to 0 (see ExpFlushingUnderflow).
    private const double ExpFloor = -700;
    private static readonly double FlushBelow = 2 * Math.Exp(ExpFloor);

    // Components whose per-lane sums of the fused responsibilities fit on the stack.
    private const int MaxRegisterComponents = 128;

    /// <summary>
    /// The same in one sweep over the block, a register's width of rows at a time (any width: the kernel is generic
    /// over <see cref="ILanes{TVector, T}"/>): log-weights, row maxima, exponentials, their sum, the responsibilities,
    /// log marginals and the per-component sums, with the K values of each row read from L1 three times instead of a
    /// dozen library calls over the block, whose fixed costs were most of the time for small D.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ResponsibilitiesRegisters<TLanes, TVector>(DataBlock block, Span<double> logDensities, ReadOnlySpan<double> logWeights, IMixtureTotals into)
        where TLanes : struct, ILanes<TVector, double>
        where TVector : unmanaged
    {
        int k = logWeights.Length, b = block.Rows, width = TLanes.Count;
        var smallest = TLanes.Broadcast(FlushBelow);
        var floor = TLanes.Broadcast(ExpFloor);
        Span<TVector> componentSums = stackalloc TVector[k];
        componentSums.Fill(TLanes.Zero);
        var logLikelihood = TLanes.Zero;
        var weights = block.RowWeights;
        ref double p = ref MemoryMarshal.GetReference(logDensities);
        ref double w = ref MemoryMarshal.GetReference(weights);
        for (int n = 0; n < b; n += width)
        {
            var max = TLanes.Broadcast(double.NegativeInfinity);
            for (int j = 0; j < k; j++)
            {
                nuint at = (nuint)((j * b) + n);
                var value = TLanes.Add(TLanes.Load(ref p, at), TLanes.Broadcast(logWeights[j]));
                TLanes.Store(value, ref p, at);
                max = TLanes.Max(max, value);
            }

            if (!TLanes.AllFinite(max))
            {
                // Every component density underflowed for some row (absurd parameters, e.g. a line-search probe):
                // ℓ is −∞; the statistics are not used.
                into.LogLikelihood = double.NegativeInfinity;
                logDensities[..(k * b)].Clear();
                return;
            }

            var sum = TLanes.Zero;
            for (int j = 0; j < k; j++)
            {
                nuint at = (nuint)((j * b) + n);
                var e = TLanes.Exp(TLanes.Max(TLanes.Subtract(TLanes.Load(ref p, at), max), floor));
                e = TLanes.ZeroAtOrBelow(e, smallest);
                TLanes.Store(e, ref p, at);
                sum = TLanes.Add(sum, e);
            }

            // One division per row instead of K: the responsibilities are eₖ × (1/Σ), within an ulp of eₖ/Σ (and
            // summing to 1 as closely); a 512-bit division costs as much as a dozen multiplications.
            var rowWeight = weights.IsEmpty ? TLanes.Broadcast(1.0) : TLanes.Load(ref w, (nuint)n);
            var reciprocal = TLanes.Divide(TLanes.Broadcast(1.0), sum);
            for (int j = 0; j < k; j++)
            {
                nuint at = (nuint)((j * b) + n);
                var r = TLanes.Multiply(TLanes.Load(ref p, at), reciprocal);
                TLanes.Store(r, ref p, at);
                componentSums[j] = TLanes.MultiplyAdd(r, rowWeight, componentSums[j]);
            }

            logLikelihood = TLanes.MultiplyAdd(TLanes.Add(max, TLanes.Log(sum)), rowWeight, logLikelihood);
        }

        into.LogLikelihood += TLanes.Sum(logLikelihood);
        into.Weight += weights.IsEmpty ? b : TensorPrimitives.Sum(weights);
        var componentWeights = into.ComponentWeights;
        for (int j = 0; j < k; j++)
        {
            componentWeights[j] += TLanes.Sum(componentSums[j]);
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
    /// Log-space E-step on a block of B rows, given the log-densities log pₖ(xₙ) of each component, in place, component by component (logp[k·B + n]):
    /// rₙₖ = exp(log αₖ + log pₖ(xₙ) − log Σⱼ αⱼ pⱼ(xₙ)), by log-sum-exp with each row's maximum taken out
    /// first. Every step runs over the block's rows with SIMD, so the cost does not hinge on K. Adds ℓ, the total
    /// weight and nₖ to the statistics.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Responsibilities(DataBlock block, Span<double> logDensities, ReadOnlySpan<double> logWeights, Span<double> maxima, IMixtureTotals into)
    {
        int k = logWeights.Length, b = block.Rows;
        if (KernelPath.Bits > 0 && b % (KernelPath.Bits / 64) == 0 && k <= MaxRegisterComponents)
        {
            switch (KernelPath.Bits)
            {
                case 512:
                    ResponsibilitiesRegisters<Lanes512<double>, Vector512<double>>(block, logDensities, logWeights, into);
                    break;
                case 256:
                    ResponsibilitiesRegisters<Lanes256<double>, Vector256<double>>(block, logDensities, logWeights, into);
                    break;
                default:
                    ResponsibilitiesRegisters<Lanes128<double>, Vector128<double>>(block, logDensities, logWeights, into);
                    break;
            }

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
            var componentWeights = into.ComponentWeights;
            for (int j = 0; j < k; j++)
            {
                componentWeights[j] += TensorPrimitives.Sum<double>(Column(logDensities, j));
            }
        }
        else
        {
            into.LogLikelihood += TensorPrimitives.Dot(sum, weights);
            into.Weight += TensorPrimitives.Sum(weights);
            var componentWeights = into.ComponentWeights;
            for (int j = 0; j < k; j++)
            {
                componentWeights[j] += TensorPrimitives.Dot(Column(logDensities, j), weights);
            }
        }
    }
}
