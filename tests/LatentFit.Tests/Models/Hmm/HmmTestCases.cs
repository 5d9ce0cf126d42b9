using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Hmm;

/// <summary>Seeded hidden Markov models, data sets of sequences drawn from them, and problems binding the two.</summary>
internal static class HmmTestCases
{
    /// <summary>Sequence starts for sequences of the given lengths, one after another.</summary>
    public static int[] Starts(IReadOnlyList<int> lengths)
    {
        var starts = new int[lengths.Count];
        for (int s = 1; s < lengths.Count; s++)
        {
            starts[s] = starts[s - 1] + lengths[s - 1];
        }

        return starts;
    }

    /// <summary>Rows of <paramref name="dimension"/> columns marked as the sequences of <paramref name="lengths"/>.</summary>
    public static DataSet Sequences(double[] values, int dimension, IReadOnlyList<int> lengths)
    {
        var names = Enumerable.Range(1, dimension).Select(i => $"x{i}").ToArray();
        return new DataSet("hmm", names, values, lengths.Sum(), layout: new DataSetLayout { SequenceStarts = Starts(lengths) });
    }

    /// <summary>State paths drawn from δ and Γ, one per sequence, concatenated.</summary>
    public static int[] StatePaths(Random random, double[] initial, double[] transition, IReadOnlyList<int> lengths)
    {
        int k = initial.Length;
        var states = new int[lengths.Sum()];
        int row = 0;
        foreach (int length in lengths)
        {
            for (int t = 0; t < length; t++, row++)
            {
                states[row] = t == 0 ? Draw(random, initial) : Draw(random, transition.AsSpan(states[row - 1] * k, k));
            }
        }

        return states;
    }

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

    /// <summary>A Poisson count: Knuth's product of uniforms for small λ, the rounded normal approximation for large.</summary>
    public static double PoissonDraw(Random random, double rate)
    {
        if (rate > 30)
        {
            return Math.Max(0, Math.Round(rate + Math.Sqrt(rate) * RandomProblems.Normal(random)));
        }

        double limit = Math.Exp(-rate), product = random.NextDouble();
        int count = 0;
        while (product > limit)
        {
            product *= random.NextDouble();
            count++;
        }

        return count;
    }

    public static HiddenMarkovModel<PoissonEmissionParameters, PoissonEmissionStatistics> PoissonModel(int states) =>
        new(new PoissonEmissionFamily(states));

    public static HiddenMarkovModel<GaussianEmissionParameters, GaussianEmissionStatistics> GaussianModel(int states, int dimension, CovarianceStructure structure) =>
        new(new GaussianEmissionFamily(states, dimension, structure, regularization: 0));

    public static HmmParameters<PoissonEmissionParameters> PoissonParameters(double[] initial, double[] transition, double[] rates) =>
        HmmParameters<PoissonEmissionParameters>.Create(initial, transition, PoissonEmissionParameters.Own((double[])rates.Clone()));

    /// <summary>θ with Gaussian emissions; <paramref name="covariances"/> in the structure's layout (full: K×D×D; diagonal: K×D).</summary>
    public static HmmParameters<GaussianEmissionParameters> GaussianParameters(double[] initial, double[] transition, CovarianceStructure structure, int dimension, double[] means, double[] covariances) =>
        HmmParameters<GaussianEmissionParameters>.Create(
            initial, transition, GaussianEmissionParameters.Own(structure, initial.Length, dimension, (double[])means.Clone(), (double[])covariances.Clone()));

    /// <summary>Counts from a 2-state Poisson HMM over sequences of <paramref name="lengths"/>.</summary>
    public static DataSet PoissonData(int seed, IReadOnlyList<int> lengths, double[] rates)
    {
        var random = new Random(seed);
        var states = StatePaths(random, [0.5, 0.5], [0.9, 0.1, 0.2, 0.8], lengths);
        return Sequences(states.Select(z => PoissonDraw(random, rates[z])).ToArray(), 1, lengths);
    }

    /// <summary>Two-dimensional rows from a 2-state Gaussian HMM (means (0, 0) and (3, 1), correlated unit-scale noise).</summary>
    public static DataSet GaussianData(int seed, IReadOnlyList<int> lengths)
    {
        var random = new Random(seed);
        var states = StatePaths(random, [0.5, 0.5], [0.85, 0.15, 0.25, 0.75], lengths);
        var values = new double[states.Length * 2];
        for (int n = 0; n < states.Length; n++)
        {
            double a = RandomProblems.Normal(random), b = RandomProblems.Normal(random);
            values[2 * n] = 3 * states[n] + a;
            values[2 * n + 1] = states[n] + 0.4 * a + 0.8 * b;
        }

        return Sequences(values, 2, lengths);
    }

    /// <summary>A start away from the generating parameters, for two Poisson states.</summary>
    public static HmmParameters<PoissonEmissionParameters> PoissonStart() => PoissonParameters([0.6, 0.4], [0.7, 0.3, 0.4, 0.6], [2, 8]);

    /// <summary>A start away from the generating parameters, for two Gaussian states in two dimensions.</summary>
    public static HmmParameters<GaussianEmissionParameters> GaussianStart(CovarianceStructure structure)
    {
        double[] covariances = structure is DiagonalCovariance ? [1.5, 0.8, 1.0, 1.2] : [1.5, 0.3, 0.3, 0.8, 1.0, -0.2, -0.2, 1.2];
        return GaussianParameters([0.4, 0.6], [0.7, 0.3, 0.4, 0.6], structure, 2, [0.5, 0.2, 2.0, 1.5], covariances);
    }

    public static FitProblem<HmmParameters<PoissonEmissionParameters>, HmmStatistics<PoissonEmissionStatistics>> PoissonProblem(DataSet data, int states = 2) =>
        new(PoissonModel(states), data);

    public static FitProblem<HmmParameters<GaussianEmissionParameters>, HmmStatistics<GaussianEmissionStatistics>> GaussianProblem(DataSet data, CovarianceStructure structure, int states = 2) =>
        new(GaussianModel(states, data.Dimension, structure), data);
}
