using LatentFit.Data;

namespace LatentFit.Models.Abstractions;

/// <summary>
/// A model (or emission family) whose ℓ over single-precision data carries float32 roundings (its kernels compute the
/// log-densities in float32), so that ℓ resolves far less than float64's few ulps: the stopping rules take float32's
/// rounding level for it (see <c>RunRecorder</c>). Models without it compute ℓ in float64 whatever the data's precision.
/// </summary>
internal interface ISinglePrecisionRounding
{
    /// <summary>Whether ℓ over data of <paramref name="precision"/> is computed with float32 roundings.</summary>
    bool RoundsInSingle(Precision precision);
}
