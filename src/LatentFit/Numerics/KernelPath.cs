using System.Runtime.Intrinsics;

namespace LatentFit.Numerics;

/// <summary>
/// Which SIMD code path the E-step kernels and the k-means start take in this process, fixed at start-up by the
/// hardware and the runtime's settings (<c>DOTNET_EnableAVX512=0</c>, <c>DOTNET_EnableAVX2=0</c>, …): the 512-bit
/// register kernels where 512-bit vectors are accelerated, otherwise the portable System.Numerics.Tensors path
/// at the widest accelerated width. Tests read it to check that a run meant for one path took it.
/// </summary>
/// <remarks>
/// The row-to-column transposition of a block uses AVX-512F permutes wherever the instructions exist, also where
/// the runtime does not accelerate 512-bit vectors generally (and so reports a 256-bit path here); switching
/// AVX-512 off with <c>DOTNET_EnableAVX512=0</c> turns both off.
/// </remarks>
internal static class KernelPath
{
    /// <summary><c>registers-512</c>, <c>portable-256</c>, <c>portable-128</c> or <c>scalar</c>.</summary>
    public static string Current { get; } =
        Vector512.IsHardwareAccelerated ? "registers-512"
        : Vector256.IsHardwareAccelerated ? "portable-256"
        : Vector128.IsHardwareAccelerated ? "portable-128"
        : "scalar";
}
