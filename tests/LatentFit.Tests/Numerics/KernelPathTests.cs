using LatentFit.Numerics;

namespace LatentFit.Tests.Numerics;

/// <summary>
/// The run took the SIMD path it was meant to test. CI runs the kernel tests once per path the machine has, by
/// switching instruction sets off; a setting the runtime ignores (.NET 10 reads <c>DOTNET_EnableAVX512</c>, not
/// .NET 8's <c>DOTNET_EnableAVX512F</c>) would otherwise test the same path twice and report it as two.
/// </summary>
public sealed class KernelPathTests
{
    [Fact]
    public void Current_IsThePathTheEnvironmentAsksFor()
    {
        string? expected = Environment.GetEnvironmentVariable("LATENTFIT_EXPECT_KERNEL_PATH");
        if (!string.IsNullOrEmpty(expected))
        {
            Assert.Equal(expected, KernelPath.Current);
        }

        if (Off("DOTNET_EnableHWIntrinsic"))
        {
            Assert.Equal("scalar", KernelPath.Current);
        }
        else if (Off("DOTNET_EnableAVX2") || Off("DOTNET_EnableAVX"))
        {
            Assert.Equal("registers-128", KernelPath.Current);
        }
        else if (Off("DOTNET_EnableAVX512") || Off("DOTNET_EnableAVX512F"))
        {
            Assert.NotEqual("registers-512", KernelPath.Current);
        }

        // Where CI records the path of its default run, to choose which narrower paths are distinct from it.
        if (Environment.GetEnvironmentVariable("LATENTFIT_KERNEL_PATH_FILE") is { Length: > 0 } file)
        {
            File.WriteAllText(file, KernelPath.Current);
        }
    }

    private static bool Off(string setting) => Environment.GetEnvironmentVariable(setting) == "0";
}
