using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Gaussian;

namespace LatentFit.Benchmarks;

/// <summary>
/// One E-step (statistics and ℓ) and one M-step of a Gaussian mixture on the problems of issue 5, in both precisions, on one thread so
/// that the kernels, not the scheduling, are measured. Run: dotnet run -c Release --project bench/LatentFit.Benchmarks.
/// Timings live here and in docs/benchmarks.md, never in tests.
/// </summary>
[MemoryDiagnoser]
public class EStepBenchmarks
{
    private GaussianMixtureModel _model = null!;
    private GaussianMixtureParameters _theta = null!;
    private DataSet _data = null!;
    private readonly ExecutionOptions _oneThread = new(1);

    [Params("full:200000:16:16", "full:1000000:2:3", "diag:1000000:16:8", "full:200000:50:10")]
    public string Problem { get; set; } = "full:200000:16:16";

    [Params(Precision.Double, Precision.Single)]
    public Precision Precision { get; set; } = Precision.Double;

    [GlobalSetup]
    public void Setup()
    {
        var parts = Problem.Split(':');
        Assert(CovarianceStructure.TryParse(parts[0], out var structure));
        int n = int.Parse(parts[1]), d = int.Parse(parts[2]), k = int.Parse(parts[3]);
        var random = new Random(42);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var centres = Enumerable.Range(0, k * d).Select(_ => 4 * Normal()).ToArray();
        var values = new double[n * d];
        for (int row = 0; row < n; row++)
        {
            int c = random.Next(k);
            for (int j = 0; j < d; j++)
            {
                values[row * d + j] = centres[c * d + j] + Normal();
            }
        }

        _data = new DataSet("bench", Enumerable.Range(0, d).Select(i => $"x{i}").ToArray(), values, n);
        _model = new GaussianMixtureModel(k, d, structure);
        var means = Enumerable.Range(0, k).SelectMany(_ => _data.Row(random.Next(n)).ToArray()).ToArray();
        var full = new double[k * d * d];
        for (int c = 0; c < k; c++)
        {
            for (int j = 0; j < d; j++)
            {
                full[c * d * d + j * d + j] = 1;
            }
        }

        _theta = GaussianMixtureParameters.FromFullCovariances(structure, Enumerable.Repeat(1.0 / k, k).ToArray(), means, full, d);
        _data = Precision == Precision.Single ? _data.ToSinglePrecision() : _data;
    }

    [Benchmark]
    public double EStep() => ChunkedEStep.Run(_model, _theta, _data, _oneThread).LogLikelihood;

    [Benchmark]
    public GaussianMixtureParameters EmIteration() => _model.Maximize(_theta, ChunkedEStep.Run(_model, _theta, _data, _oneThread));

    private static void Assert(bool condition)
    {
        if (!condition)
        {
            throw new InvalidOperationException("unknown covariance structure");
        }
    }
}

public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
