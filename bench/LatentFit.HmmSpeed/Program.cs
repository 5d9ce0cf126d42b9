using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;

namespace LatentFit.HmmSpeed;

/// <summary>
/// The LatentFit side of bench/hmm_speed.py: Baum–Welch (EM) on a Gaussian HMM with full covariances from a given
/// start, for two iteration counts and each thread count; prints ms per iteration (the slope between the two counts,
/// which removes setup), ℓ after each count, and a fingerprint of the final ℓ and η to check bit-identity across
/// thread counts. Arguments: DATA.csv START.json LENGTH SEQUENCES N1,N2 THREADS,…
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        string dataPath = args[0], startPath = args[1];
        int length = int.Parse(args[2], CultureInfo.InvariantCulture), sequences = int.Parse(args[3], CultureInfo.InvariantCulture);
        int[] iterations = [.. args[4].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        int[] threads = [.. args[5].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];

        var start = JsonNode.Parse(File.ReadAllText(startPath))!;
        double[] initial = Flatten(start["initial"]!), transition = Flatten(start["transition"]!);
        double[] means = Flatten(start["means"]!), covariances = Flatten(start["covariances"]!);
        int k = initial.Length, d = means.Length / k, rows = sequences * length;
        var values = ReadRows(dataPath, rows, d);
        var data = new DataSet(dataPath, [.. Enumerable.Range(1, d).Select(c => $"x{c}")], values, rows, null,
            new DataSetLayout { SequenceStarts = [.. Enumerable.Range(0, sequences).Select(s => s * length)] });
        var structure = CovarianceStructure.All.Single(s => s.Name == "full");
        var emission = GaussianMixtureParameters.FromFullCovariances(structure, Enumerable.Repeat(1.0 / k, k).ToArray(), means, covariances, d).Emission;
        // No regularisation: pomegranate's M-step adds none.
        var model = new HiddenMarkovModel<GaussianEmissionParameters, GaussianEmissionStatistics>(new GaussianEmissionFamily(k, d, structure, 0));
        var theta = HmmParameters<GaussianEmissionParameters>.Create(initial, transition, emission);
        var eta = new double[model.ParameterCount];
        model.ToUnconstrained(theta, eta);

        var runs = new JsonArray();
        foreach (int t in threads)
        {
            var problem = new FitProblem<HmmParameters<GaussianEmissionParameters>, HmmStatistics<GaussianEmissionStatistics>>(model, data, new ExecutionOptions(t));
            // Warm-up: the tiered JIT promotes the hot loops to optimised code only after they have run a while.
            Fit(problem, eta, iterations[^1]);
            var seconds = new double[iterations.Length];
            var processorSeconds = new double[iterations.Length];
            var logLikelihoods = new JsonArray();
            FitResult last = null!;
            for (int i = 0; i < iterations.Length; i++)
            {
                // The faster of two runs: the machine is shared, and a slow run measures the neighbours.
                seconds[i] = processorSeconds[i] = double.PositiveInfinity;
                for (int repeat = 0; repeat < 2; repeat++)
                {
                    var processor = Process.GetCurrentProcess().TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    last = Fit(problem, eta, iterations[i]);
                    seconds[i] = Math.Min(seconds[i], clock.Elapsed.TotalSeconds);
                    processorSeconds[i] = Math.Min(processorSeconds[i], (Process.GetCurrentProcess().TotalProcessorTime - processor).TotalSeconds);
                }

                logLikelihoods.Add(last.LogLikelihood);
            }

            double perIteration = 1000 * (seconds[^1] - seconds[0]) / (iterations[^1] - iterations[0]);
            double processorPerIteration = 1000 * (processorSeconds[^1] - processorSeconds[0]) / (iterations[^1] - iterations[0]);
            runs.Add(new JsonObject
            {
                ["threads"] = t,
                ["msPerIteration"] = perIteration,
                ["processorMsPerIteration"] = processorPerIteration,
                ["seconds"] = new JsonArray([.. seconds.Select(s => (JsonNode)s)]),
                ["processorSeconds"] = new JsonArray([.. processorSeconds.Select(s => (JsonNode)s)]),
                ["logLikelihood"] = logLikelihoods,
                ["bits"] = Fingerprint(last),
            });
        }

        Console.WriteLine(new JsonObject { ["runs"] = runs }.ToJsonString());
    }

    private static FitResult Fit(FitProblem problem, double[] eta, int iterations) =>
        new ExpectationMaximizationOptimizer().Run(problem, eta, new FitOptions { MaxIterations = iterations, RelativeTolerance = 0 });

    /// <summary>The bits of ℓ and of every coordinate of η, hexadecimal: equal strings are bit-identical results.</summary>
    private static string Fingerprint(FitResult result) =>
        string.Join(",", result.Parameters.Prepend(result.LogLikelihood).Select(v => BitConverter.DoubleToInt64Bits(v).ToString("x16", CultureInfo.InvariantCulture)));

    private static double[] Flatten(JsonNode node) =>
        node is JsonArray array ? [.. array.SelectMany(n => Flatten(n!))] : [node.GetValue<double>()];

    private static double[] ReadRows(string path, int rows, int dimension)
    {
        var values = new double[rows * dimension];
        using var reader = new StreamReader(path);
        for (int r = 0; r < rows; r++)
        {
            var fields = (reader.ReadLine() ?? throw new InvalidDataException($"{path}: {r} rows, {rows} needed")).Split(',');
            for (int c = 0; c < dimension; c++)
            {
                values[r * dimension + c] = double.Parse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return values;
    }
}
