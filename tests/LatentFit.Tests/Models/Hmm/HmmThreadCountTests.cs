using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Objectives;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Models.Hmm;

/// <summary>
/// The HMM E-step is bit-identical for 1, 2 and 3 threads: blocks of whole sequences are reduced in block order, so
/// no sum may depend on which thread took a block or on what a thread computed before. Sequences of unequal length
/// (1 to 300 rows) in blocks of about 200 rows give blocks of one to several sequences, some longer than the block.
/// </summary>
public sealed class HmmThreadCountTests
{
    [Fact]
    public void EStep_OneTwoThreeThreads_BitIdenticalValueGradientAndEmStep()
    {
        var random = new Random(11);
        var starts = new List<int>();
        int rows = 0;
        for (int s = 0; s < 40; s++)
        {
            starts.Add(rows);
            rows += s % 7 == 0 ? 1 + random.Next(2) : 20 + random.Next(280);
        }

        var mixture = RandomProblems.MixtureData(random, rows, 2, 3);
        var values = new double[rows * 2];
        for (int r = 0; r < rows; r++)
        {
            mixture.Row(r).CopyTo(values.AsSpan(r * 2, 2));
        }

        var data = new DataSet("sequences", ["x1", "x2"], values, rows, null, new DataSetLayout { SequenceStarts = [.. starts] });
        var structure = CovarianceStructure.All.Single(s => s.Name == "full");
        var model = new HiddenMarkovModel<GaussianEmissionParameters, GaussianEmissionStatistics>(new GaussianEmissionFamily(3, 2, structure, 1e-6));
        var emission = RandomProblems.Parameters(random, data, 3, structure).Emission;
        var theta = HmmParameters<GaussianEmissionParameters>.Create([0.5, 0.3, 0.2], [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.05, 0.15, 0.8], emission);

        (double Value, double[] Gradient, double[] Next) Evaluate(int threads)
        {
            var problem = new FitProblem<HmmParameters<GaussianEmissionParameters>, HmmStatistics<GaussianEmissionStatistics>>(model, data, new ExecutionOptions(threads, 200));
            var eta = problem.ToUnconstrained(theta);
            var gradient = new double[eta.Length];
            var next = new double[eta.Length];
            double value = problem.ValueAndGradient(eta, gradient);
            problem.EmMap(eta, next);
            return (value, gradient, next);
        }

        var one = Evaluate(1);
        Assert.True(double.IsFinite(one.Value));
        foreach (int threads in new[] { 2, 3 })
        {
            var other = Evaluate(threads);
            Assert.Equal(BitConverter.DoubleToInt64Bits(one.Value), BitConverter.DoubleToInt64Bits(other.Value));
            Assert.Equal(one.Gradient.Select(BitConverter.DoubleToInt64Bits), other.Gradient.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(one.Next.Select(BitConverter.DoubleToInt64Bits), other.Next.Select(BitConverter.DoubleToInt64Bits));
        }
    }
}
