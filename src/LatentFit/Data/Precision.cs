namespace LatentFit.Data;

/// <summary>How a data set's values are stored, and so which E-step kernels run on them.</summary>
public enum Precision
{
    /// <summary>float64 values and kernels throughout (the default).</summary>
    Double,

    /// <summary>
    /// float32 values, stored as offsets from a float64 origin per column, and float32 Mahalanobis, scatter and
    /// moment kernels; log-sum-exp, responsibilities, ℓ and the statistics across blocks stay in float64. Half the
    /// memory, twice the values per SIMD register; ℓ and the statistics agree with double precision to about 1e-6
    /// relative (docs/benchmarks.md has measurements).
    /// </summary>
    Single,
}
