using LatentFit.Data;
using LatentFit.Models.Categorical;
using LatentFit.Models.Hmm;
using LatentFit.Objectives;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Categorical;

/// <summary>
/// The categorical emission family beyond the shared contract (<c>EmissionFamilyContractTests</c>): zero
/// probabilities in the transforms and the E-step, missing cells, and the family inside the hidden Markov model core,
/// against a log-space forward algorithm written here and central differences of its ℓ.
/// </summary>
public sealed class CategoricalEmissionFamilyTests
{
    private const int Categories = 3;

    /// <summary>Rows with zeros in every position, the last category's included, and a vertex of the simplex.</summary>
    private static readonly double[] WithZeros = [0, 0.25, 0.75, 0.6, 0.4, 0, 1, 0, 0];

    [Fact]
    public void ToUnconstrained_ZeroProbabilities_FiniteFlooredLogRatios()
    {
        var family = new CategoricalEmissionFamily(3, Categories);
        var eta = new double[family.ParameterCount];
        family.ToUnconstrained(CategoricalEmissionParameters.Create(Categories, WithZeros), eta);
        // a_kc = max(log p_kc, −700) − max(log p_kC, −700), written out.
        double[] expected = [-700 - Math.Log(0.75), Math.Log(0.25) - Math.Log(0.75), Math.Log(0.6) + 700, Math.Log(0.4) + 700, 0 + 700, -700 + 700];
        Assert.Equal(expected.Length, eta.Length);
        for (int i = 0; i < eta.Length; i++)
        {
            Assert.True(double.IsFinite(eta[i]));
            Assert.Equal(expected[i], eta[i], 1e-12);
        }
    }

    [Fact]
    public void FromUnconstrained_OfZeroProbabilities_RoundTripsToWithinFloor()
    {
        var family = new CategoricalEmissionFamily(3, Categories);
        var eta = new double[family.ParameterCount];
        family.ToUnconstrained(CategoricalEmissionParameters.Create(Categories, WithZeros), eta);
        var back = family.FromUnconstrained(eta).Probabilities;
        for (int i = 0; i < WithZeros.Length; i++)
        {
            // A zero comes back as about e^{−700} ≈ 1e-304 of its row, no more.
            Assert.True(WithZeros[i] == 0 ? back[i] < 1e-300 : Math.Abs(back[i] - WithZeros[i]) <= 1e-15, $"entry {i}: {back[i]} vs {WithZeros[i]}");
        }

        var again = new double[eta.Length];
        family.ToUnconstrained(family.FromUnconstrained(eta), again);
        Assert.Equal(eta, again, (a, b) => Math.Abs(a - b) <= 1e-9);
    }

    [Fact]
    public void LogDensities_ZeroProbabilityAndMissingCell_MinusInfinityAndZero()
    {
        var family = new CategoricalEmissionFamily(3, Categories);
        var data = Codes([0, double.NaN, 2], missingAt: 1);
        var statistics = family.CreateStatistics();
        var block = data.Block(0, 3);
        var logDensities = new double[9];
        using (var workspace = family.CreateWorkspace(CategoricalEmissionParameters.Create(Categories, WithZeros), statistics, 3, block.Precision))
        {
            workspace.Load(block);
            workspace.LogDensities(block, logDensities);
            workspace.Accumulate(block, [1, 1, 1, 1, 1, 1, 1, 1, 1]);
        }

        // Component 1 never emits category 0: log 0 = −∞; a missing cell has density 1 under every component.
        Assert.Equal(double.NegativeInfinity, logDensities[0]);
        Assert.Equal([0.0, 0.0, 0.0], [logDensities[1], logDensities[4], logDensities[7]]);
        Assert.Equal(Math.Log(0.75), logDensities[2], 1e-15);
        // The missing row adds no count: each component counts categories 0 and 2 once.
        Assert.Equal([1.0, 0, 1, 1, 0, 1, 1, 0, 1], statistics.Counts);

        // Each component's occupancy counts the missing row too (3), but its probabilities are shares of the 2 observed.
        var next = family.Maximize(CategoricalEmissionParameters.Create(Categories, WithZeros), statistics, [3.0, 3, 3], 9);
        Assert.Equal([0.5, 0, 0.5, 0.5, 0, 0.5, 0.5, 0, 0.5], next.Probabilities.ToArray());
    }

    [Fact]
    public void ValidateData_NotACode_NamesRowAndColumn()
    {
        var family = new CategoricalEmissionFamily(2, Categories);
        var error = Assert.Throws<DataFormatException>(() => family.ValidateData(new DataSet("dna.csv", ["base"], [0, 2, 3], 3)));
        Assert.Contains("dna.csv: data row 3, column \"base\": 3 is not a category code (an integer from 0 to 2)", error.Message);
        Assert.Throws<DataFormatException>(() => family.ValidateData(new DataSet("dna.csv", ["base"], [0, 1.5], 2)));
        Assert.Throws<DataFormatException>(() => family.ValidateData(new DataSet("dna.csv", ["base"], [-1.0], 1)));
        Assert.Throws<DataFormatException>(() => family.ValidateData(new DataSet("dna.csv", ["a", "b"], [0, 1], 1)));
        family.ValidateData(Codes([0, double.NaN, 2], missingAt: 1));
    }

    [Fact]
    public void HmmValue_CategoricalEmissions_MatchesLogSpaceForwardWrittenHere()
    {
        var (problem, data, theta) = Hmm(WithZerosHmm());
        double expected = ReferenceLogLikelihood(theta, data);
        Assert.True(double.IsFinite(expected));
        Assert.Equal(expected, problem.Value(problem.ToUnconstrained(theta)), 1e-12 * Math.Abs(expected));
    }

    [Fact]
    public void HmmGradient_CategoricalEmissions_MatchesCentralDifferencesOfReferenceLogLikelihood()
    {
        var (problem, data, theta) = Hmm(WithZerosHmm(zeros: false));
        var eta = problem.ToUnconstrained(theta);
        var gradient = new double[eta.Length];
        problem.ValueAndGradient(eta, gradient);
        var model = (HiddenMarkovModel<CategoricalEmissionParameters, CategoricalEmissionStatistics>)problem.Model;
        for (int i = 0; i < eta.Length; i++)
        {
            double expected = CentralDifference.Richardson(x => ReferenceLogLikelihood(model.FromUnconstrained(x), data), eta, i);
            Assert.True(Math.Abs(gradient[i] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"η[{i}]: {gradient[i]} vs central difference {expected}");
        }
    }

    [Fact]
    public void HmmEmStep_ZeroEmissionProbability_StaysZeroAndRaisesLogLikelihood()
    {
        var (problem, data, theta) = Hmm(WithZerosHmm());
        var eta = problem.ToUnconstrained(theta);
        var next = new double[eta.Length];
        double before = problem.EmMap(eta, next);
        var model = (HiddenMarkovModel<CategoricalEmissionParameters, CategoricalEmissionStatistics>)problem.Model;
        var updated = model.FromUnconstrained(next);
        // State 1 cannot emit category 0, so no posterior weight puts a count there and Baum–Welch keeps the zero.
        Assert.True(updated.Emission.Probabilities[0] < 1e-300);
        Assert.True(ReferenceLogLikelihood(updated, data) >= before - 1e-9);
    }

    private static DataSet Codes(double[] values, int missingAt = -1, int[]? starts = null)
    {
        bool[]? missing = missingAt < 0 ? null : values.Select((_, i) => i == missingAt).ToArray();
        return new DataSet("codes", ["x"], values, values.Length, layout: new DataSetLayout
        {
            Categories = [["a", "b", "c"]],
            MissingCells = missing,
            SequenceStarts = starts,
        });
    }

    private static HmmParameters<CategoricalEmissionParameters> WithZerosHmm(bool zeros = true)
    {
        double[] emission = zeros ? WithZeros : [0.1, 0.25, 0.65, 0.6, 0.3, 0.1, 0.5, 0.2, 0.3];
        return HmmParameters<CategoricalEmissionParameters>.Create(
            [0.5, 0.3, 0.2],
            [0.7, 0.2, 0.1, 0.15, 0.8, 0.05, 0.3, 0.3, 0.4],
            CategoricalEmissionParameters.Create(Categories, emission));
    }

    /// <summary>Three sequences of codes (one with a missing cell), the problem of an HMM with the family, and θ.</summary>
    private static (FitProblem<HmmParameters<CategoricalEmissionParameters>, HmmStatistics<CategoricalEmissionStatistics>> Problem, DataSet Data, HmmParameters<CategoricalEmissionParameters> Theta) Hmm(HmmParameters<CategoricalEmissionParameters> theta)
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 40).Select(_ => (double)random.Next(Categories)).ToArray();
        values[17] = double.NaN;
        var data = Codes(values, missingAt: 17, starts: [0, 12, 29]);
        var model = new HiddenMarkovModel<CategoricalEmissionParameters, CategoricalEmissionStatistics>(new CategoricalEmissionFamily(3, Categories));
        return (new FitProblem<HmmParameters<CategoricalEmissionParameters>, HmmStatistics<CategoricalEmissionStatistics>>(model, data), data, theta);
    }

    /// <summary>
    /// ℓ = Σ over sequences of log Σᵢ α_T(i), by the forward recursion in log space: log α₁(i) = log δᵢ + log p_i(x₁),
    /// log α_t(j) = log Σᵢ exp(log α_{t−1}(i) + log Γᵢⱼ) + log p_j(x_t); a missing cell has p = 1.
    /// </summary>
    private static double ReferenceLogLikelihood(HmmParameters<CategoricalEmissionParameters> theta, DataSet data)
    {
        int k = theta.Initial.Length;
        var starts = data.SequenceStarts.ToArray().Append(data.Rows).ToArray();
        double total = 0;
        for (int s = 0; s + 1 < starts.Length; s++)
        {
            var alpha = new double[k];
            for (int t = starts[s]; t < starts[s + 1]; t++)
            {
                var next = new double[k];
                for (int j = 0; j < k; j++)
                {
                    double log = data.IsMissing(t, 0) ? 0 : Math.Log(theta.Emission.Probabilities[j * Categories + (int)data[t, 0]]);
                    next[j] = (t == starts[s]
                        ? Math.Log(theta.Initial[j])
                        : LogSumExp(Enumerable.Range(0, k).Select(i => alpha[i] + Math.Log(theta.Transition[i * k + j])))) + log;
                }

                alpha = next;
            }

            total += LogSumExp(alpha);
        }

        return total;
    }

    private static double LogSumExp(IEnumerable<double> values)
    {
        var list = values.ToList();
        double max = list.Max();
        return double.IsNegativeInfinity(max) ? max : max + Math.Log(list.Sum(v => Math.Exp(v - max)));
    }
}
