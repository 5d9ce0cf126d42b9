using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Emissions;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Objectives;

namespace LatentFit.Tests.Models.Hmm;

/// <summary>
/// An HMM's E-step is bit-identical for 1, 2 and 3 threads and on the local and sharded backends: blocks hold whole
/// sequences and their statistics are merged in a fixed order. The reference is the local backend on one thread; the
/// statistics of two halves of the sequences accumulated apart and added must give it too, to rounding (additivity,
/// not bits: the halves are summed in another order).
/// </summary>
public sealed class HmmExecutionTests
{
    /// <summary>200 sequences of 1 to 40 rows (about 4,000 rows), in blocks of about 300: fourteen or so blocks.</summary>
    private static int[] ManyLengths()
    {
        var random = new Random(31);
        return Enumerable.Range(0, 200).Select(_ => 1 + random.Next(40)).ToArray();
    }

    private const int BlockRows = 300;

    private static IEnumerable<ExecutionOptions> EveryExecution()
    {
        for (int threads = 1; threads <= 3; threads++)
        {
            yield return new ExecutionOptions(threads, BlockRows);
            yield return new ExecutionOptions(threads, BlockRows) { Backend = new ShardedBackend(threads) };
        }

        yield return new ExecutionOptions(2, BlockRows) { Backend = new ShardedBackend(3) };
    }

    [Fact]
    public void Statistics_PoissonManySequencesInManyBlocks_BitIdenticalForAnyThreadsAndBackend()
    {
        var lengths = ManyLengths();
        var data = HmmTestCases.PoissonData(32, lengths, [2, 9]);
        AssertBitIdentical(data, HmmTestCases.PoissonModel(2), HmmTestCases.PoissonStart());
    }

    [Fact]
    public void Statistics_GaussianManySequencesInManyBlocks_BitIdenticalForAnyThreadsAndBackend()
    {
        var data = HmmTestCases.GaussianData(33, ManyLengths());
        AssertBitIdentical(data, HmmTestCases.GaussianModel(2, 2, FullCovariance.Instance), HmmTestCases.GaussianStart(FullCovariance.Instance));
    }

    private static void AssertBitIdentical<TEmission, TStatistics>(DataSet data, HiddenMarkovModel<TEmission, TStatistics> model, HmmParameters<TEmission> theta)
        where TStatistics : IEmissionStatistics<TStatistics>
    {
        var partition = data.Partition(BlockRows);
        Assert.True(partition.Count >= 10, $"only {partition.Count} blocks");
        var starts = data.SequenceStarts.ToArray();
        Assert.All(partition.Blocks, block => Assert.Contains(block.Start, starts));

        // One thread, local backend: the fixed merge order's result, against which every other execution is compared.
        var expected = Flat(new FitProblem<HmmParameters<TEmission>, HmmStatistics<TStatistics>>(model, data, new ExecutionOptions(1, BlockRows)).Statistics(theta));

        // Additivity: the sequences split in two at a sequence start, each half accumulated apart, then added.
        var whole = model.CreateStatistics();
        int split = starts[starts.Length / 2];
        var first = model.CreateStatistics();
        model.Accumulate(theta, data.Block(0, split), first);
        model.Accumulate(theta, data.Block(split, data.Rows - split), whole);
        whole.Add(first);
        var added = Flat(whole);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(added[i] - expected[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"flat[{i}]: {added[i]:R} vs {expected[i]:R}");
        }

        foreach (var execution in EveryExecution())
        {
            var actual = Flat(new FitProblem<HmmParameters<TEmission>, HmmStatistics<TStatistics>>(model, data, execution).Statistics(theta));
            string where = $"{execution.Backend.Name}, {execution.Threads} threads";
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]), $"{where}: flat[{i}] {actual[i]:R} vs {expected[i]:R}");
            }
        }
    }

    private static double[] Flat<TStatistics>(HmmStatistics<TStatistics> stats)
        where TStatistics : IEmissionStatistics<TStatistics>
    {
        var flat = new double[stats.FlatLength];
        stats.WriteFlat(flat);
        return flat;
    }
}
