using System.Runtime.Intrinsics;

namespace LatentFit.Numerics;

/// <summary>
/// Which SIMD code path the E-step kernels and the k-means start take in this process, fixed at start-up by the
/// hardware and the runtime's settings (<c>DOTNET_EnableAVX512=0</c>, <c>DOTNET_EnableAVX2=0</c>, …): the register
/// kernels at the widest accelerated vector width (512 bits with AVX-512, 256 with AVX2, 128 with SSE or NEON),
/// otherwise scalar loops. Tests read it to check that a run meant for one path took it.
/// </summary>
/// <remarks>
/// The row-to-column transposition of a block uses AVX-512F permutes wherever the instructions exist, and AVX
/// permutes on the 256-bit path; switching AVX-512 off with <c>DOTNET_EnableAVX512=0</c> turns the first off.
/// </remarks>
internal static class KernelPath
{
    /// <summary>The register kernels' vector width in bits: 512, 256 or 128; 0 where no width is accelerated.</summary>
    public static int Bits { get; } =
        Vector512.IsHardwareAccelerated ? 512
        : Vector256.IsHardwareAccelerated ? 256
        : Vector128.IsHardwareAccelerated ? 128
        : 0;

    /// <summary><c>registers-512</c>, <c>registers-256</c>, <c>registers-128</c> or <c>scalar</c>.</summary>
    public static string Current { get; } = Bits == 0 ? "scalar" : $"registers-{Bits}";
}
