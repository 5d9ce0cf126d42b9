using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace LatentFit.EmulatedArm64;

/// <summary>
/// Runs the tests of LatentFit.Tests whose class and method name contain one of the arguments (by default the kernel
/// tests that .ci/run repeats on each narrower SIMD path), in this process, and ends with
/// <c>tests: N passed, M failed</c>. Written for ARM64 under emulation (bench/arm64-emulated.sh): there the test host
/// that <c>dotnet test</c> starts is an x64 program and cannot load an arm64 runtime, while a self-contained arm64
/// program of this kind runs under qemu-user. It drives xUnit's own discovery and execution
/// (<see cref="XunitTestFramework"/>), so theories, member data and fixtures run as they do under <c>dotnet test</c>.
/// </summary>
public static class Program
{
    /// <summary>The filters of .ci/run's kernel tests.</summary>
    private static readonly string[] KernelTests =
    [
        "ColumnBlockKernelTests", "GaussianMixtureModelTests", "Initializer", "ChunkedEStepReferenceTests", "Conformance",
        "KernelPathTests", "ForwardBackward",
    ];

    public static int Main(string[] args)
    {
        var filters = args.Length > 0 ? args : KernelTests;
        Console.WriteLine($"process {RuntimeInformation.ProcessArchitecture}, 128-bit vectors accelerated: {Vector128.IsHardwareAccelerated}");
        var assembly = typeof(LatentFit.Tests.Numerics.KernelPathTests).Assembly;
        // The framework's own diagnostic messages go to a sink of their own, whose counts are not reported.
        using var framework = new XunitTestFramework(new Results());

        var discovery = new Discovery();
        using (var discoverer = framework.GetDiscoverer(new ReflectionAssemblyInfo(assembly)))
        {
            discoverer.Find(includeSourceInformation: false, discovery, new Options());
            discovery.Done.WaitOne();
        }

        var chosen = discovery.Cases
            .Where(c => filters.Any(f => $"{c.TestMethod.TestClass.Class.Name}.{c.TestMethod.Method.Name}".Contains(f, StringComparison.Ordinal)))
            .ToList();
        Console.WriteLine($"{chosen.Count} of {discovery.Cases.Count} test cases match {string.Join(", ", filters)}");
        if (chosen.Count == 0)
        {
            Console.WriteLine("tests: 0 passed, 1 failed");
            return 1;
        }

        var results = new Results();
        using (var executor = framework.GetExecutor(assembly.GetName()))
        {
            executor.RunTests(chosen, results, new Options());
            results.Done.WaitOne();
        }

        Console.WriteLine($"tests: {results.Passed} passed, {results.Failed} failed");
        return results.Failed == 0 && results.Passed > 0 ? 0 : 1;
    }

    /// <summary>Collects the test cases discovery reports.</summary>
    private sealed class Discovery : LongLivedMarshalByRefObject, IMessageSink
    {
        public List<ITestCase> Cases { get; } = [];

        public ManualResetEvent Done { get; } = new(false);

        public bool OnMessage(IMessageSinkMessage message)
        {
            if (message is ITestCaseDiscoveryMessage found)
            {
                Cases.Add(found.TestCase);
            }
            else if (message is IDiscoveryCompleteMessage)
            {
                Done.Set();
            }

            return true;
        }
    }

    /// <summary>Counts passes and failures, and prints each failure with its message.</summary>
    private sealed class Results : LongLivedMarshalByRefObject, IMessageSink
    {
        private int _passed;
        private int _failed;

        public int Passed => _passed;

        public int Failed => _failed;

        public ManualResetEvent Done { get; } = new(false);

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestPassed:
                    Interlocked.Increment(ref _passed);
                    break;
                case ITestFailed failed:
                    Interlocked.Increment(ref _failed);
                    Console.WriteLine($"FAILED {failed.Test.DisplayName}: {string.Join(" ", failed.Messages)}");
                    break;
                case IFailureInformation failure:
                    // Errors outside a test (IErrorMessage) and failed clean-ups of a test, class, collection or the
                    // assembly: each counts as a failure, so that nothing wrong ends in a clean summary.
                    Interlocked.Increment(ref _failed);
                    Console.WriteLine($"ERROR {message.GetType().Name}: {string.Join(" ", failure.Messages)}");
                    break;
                case ITestAssemblyFinished:
                    Done.Set();
                    break;
            }

            return true;
        }
    }

    /// <summary>Discovery and execution options: xUnit's defaults for every setting not given.</summary>
    private sealed class Options : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = [];

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var value) && value is TValue typed ? typed : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }
}
