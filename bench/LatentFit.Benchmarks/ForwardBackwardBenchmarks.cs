using BenchmarkDotNet.Attributes;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;

namespace LatentFit.Benchmarks;

/// <summary>
/// One E-step of a Poisson hidden Markov model (issue 13: the forward–backward loops over the K states on each vector
/// width), on one thread: 100 sequences of 1,000 counts. Poisson emissions cost O(K) a row against the recursions'
/// O(K²), so the forward–backward is most of the time. Run one path at a time, switching wider vectors off with
/// DOTNET_EnableAVX512=0 (and DOTNET_EnableAVX2=0): dotnet run -c Release --project bench/LatentFit.Benchmarks --
/// --filter '*ForwardBackward*'.
/// </summary>
public class ForwardBackwardBenchmarks
{
    private const int Sequences = 100, Length = 1000;

    private HiddenMarkovModel<PoissonEmissionParameters, PoissonEmissionStatistics> _model = null!;
    private HmmParameters<PoissonEmissionParameters> _theta = null!;
    private DataSet _data = null!;
    private readonly ExecutionOptions _oneThread = new(1);

    [Params(4, 8, 12, 16)]
    public int States { get; set; } = 8;

    [GlobalSetup]
    public void Setup()
    {
        int k = States, rows = Sequences * Length;
        var random = new Random(13);
        var rates = Enumerable.Range(0, k).Select(j => 1.0 + 3 * j).ToArray();

        // Γ = ½I + ½/K: sticky states, as Baum–Welch starts; the counts are drawn from it.
        var transition = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                transition[i * k + j] = (i == j ? 0.5 : 0) + 0.5 / k;
            }
        }

        var values = new double[rows];
        int state = 0;
        for (int n = 0; n < rows; n++)
        {
            state = n % Length == 0 ? random.Next(k) : Draw(random, transition.AsSpan(state * k, k));
            values[n] = PoissonDraw(random, rates[state]);
        }

        _data = new DataSet("bench", ["count"], values, rows, null,
            new DataSetLayout { SequenceStarts = [.. Enumerable.Range(0, Sequences).Select(s => s * Length)] });
        _model = new HiddenMarkovModel<PoissonEmissionParameters, PoissonEmissionStatistics>(new PoissonEmissionFamily(k));

        // A start away from the generating rates, uniform δ.
        var start = PoissonMixtureParameters.Create(Enumerable.Repeat(1.0 / k, k).ToArray(), rates.Select(r => 1.3 * r + 0.5).ToArray());
        _theta = HmmParameters<PoissonEmissionParameters>.Create(Enumerable.Repeat(1.0 / k, k).ToArray(), transition, start.Emission);
    }

    [Benchmark]
    public double EStep() => ChunkedEStep.Run(_model, _theta, _data, _oneThread).LogLikelihood;

    private static int Draw(Random random, ReadOnlySpan<double> probabilities)
    {
        double u = random.NextDouble();
        for (int j = 0; j < probabilities.Length - 1; j++)
        {
            u -= probabilities[j];
            if (u < 0)
            {
                return j;
            }
        }

        return probabilities.Length - 1;
    }

    /// <summary>Knuth's product of uniforms (the rates here are at most 3K + 1).</summary>
    private static double PoissonDraw(Random random, double rate)
    {
        double limit = Math.Exp(-rate), product = random.NextDouble();
        int count = 0;
        while (product > limit)
        {
            product *= random.NextDouble();
            count++;
        }

        return count;
    }
}
