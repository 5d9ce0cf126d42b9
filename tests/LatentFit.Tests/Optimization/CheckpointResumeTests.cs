using System.Text.Json;
using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Acceleration;
using LatentFit.Optimization.Em;
using LatentFit.Optimization.QuasiNewton;
using LatentFit.Tests.Support;
using LatentFit.Tracing;

namespace LatentFit.Tests.Optimization;

/// <summary>
/// Checkpoints and resume (issue 14): a run stopped at any iteration boundary and resumed from its state, through the
/// state's JSON form and on a fresh problem, ends with the bits of the uninterrupted run — θ, ℓ, iterations,
/// termination, Aitken's estimate, passes and trace (all but the seconds).
/// </summary>
public sealed class CheckpointResumeTests
{
    /// <summary>The resumable optimisers: em is what fit runs without --algorithm.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string problem in new[] { "iris", "death-notices" })
        {
            foreach (string algorithm in new[] { "em", "squarem", "squarem-S1", "lbfgs", "auto" })
            {
                data.Add(problem, algorithm);
            }
        }

        return data;
    }

    private static IResumableOptimizer Optimizer(string name) => name switch
    {
        "squarem-S1" => new SquaremOptimizer(SquaremScheme.S1),
        _ => (IResumableOptimizer)OptimizerCatalog.Create(name),
    };

    private static (FitProblem Problem, double[] Start) Problem(string name)
    {
        if (name is "faithful" or "iris")
        {
            var data = TestData.ByName(name);
            var model = new GaussianMixtureModel(name == "iris" ? 3 : 2, data.Dimension, FullCovariance.Instance);
            var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(model, data);
            return (problem, problem.ToUnconstrained(GaussianMixtureInitializer.KMeansPlusPlus(model, data, seed: 0)));
        }

        var poisson = new FitProblem<PoissonMixtureParameters, PoissonMixtureStatistics>(new PoissonMixtureModel(2), TestData.DeathNotices);
        return (poisson, poisson.ToUnconstrained(PoissonMixtureParameters.Create([0.3, 0.7], [1.0, 2.5])));
    }

    // Tight enough that every method runs tens of iterations (EM on death notices stops at the limit), with the
    // Aitken rule, whose memory of the last rates must survive the resume.
    private static readonly FitOptions Options = new() { RelativeTolerance = 1e-13, MaxIterations = 150 };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resume_FromEveryBoundary_EndsWithTheUninterruptedBits(string problemName, string algorithm)
    {
        var (plainProblem, start) = Problem(problemName);
        var uninterrupted = Optimizer(algorithm).Run(plainProblem, start, Options);

        // The same run writing a state after every iteration: checkpointing changes nothing.
        var (problem, _) = Problem(problemName);
        var states = new KeepEveryState();
        var checkpointed = Optimizer(algorithm).Run(problem, start, null, states, Options);
        AssertSameRun(uninterrupted, checkpointed);
        Assert.True(uninterrupted.Iterations >= 5, $"{algorithm} stopped after {uninterrupted.Iterations} iterations; the test needs a longer run");
        // A state at every boundary from the start (iteration 0) on (for auto, of its warm-up), then the last.
        Assert.Equal(Enumerable.Range(0, states.States.Count - 1), states.States.SkipLast(1).Select(s => s.Iteration));
        Assert.True(algorithm == "auto" ? states.States.Count >= 6 : states.States.Count - 2 >= uninterrupted.Iterations - 1);
        Assert.True(states.States[^1].Finished);

        foreach (var state in states.States)
        {
            var (fresh, _) = Problem(problemName);
            var sink = new MemoryTraceSink();
            var resumed = Optimizer(algorithm).Run(fresh, [], RoundTrip(state), null, Options, sink);
            AssertSameRun(uninterrupted, resumed, $"resumed after iteration {state.Iteration}{(state.Finished ? " (finished)" : string.Empty)}");
            AssertSameTrace(uninterrupted.Trace, sink.Records, "the sink's records");
        }
    }

    [Fact]
    public void Resume_AfterAKillMidRun_ContinuesTheCheckpointsToTheSameLastState()
    {
        var (first, start) = Problem("faithful");
        var all = new KeepEveryState();
        var uninterrupted = new SquaremOptimizer().Run(first, start, null, all, Options);

        // Resumed from iteration 3, the checkpoints it writes are those the uninterrupted run wrote from iteration 4 on.
        var (second, _) = Problem("faithful");
        var continued = new KeepEveryState();
        new SquaremOptimizer().Run(second, [], RoundTrip(all.States[3]), continued, Options);
        Assert.Equal(all.States.Count - 4, continued.States.Count);
        for (int i = 0; i < continued.States.Count; i++)
        {
            Assert.Equal(Json(all.States[i + 4], withSeconds: false), Json(continued.States[i], withSeconds: false));
        }

        Assert.Equal(uninterrupted.Iterations, continued.States[^1].Iteration);
    }

    [Fact]
    public void Resume_StateOfAnotherOptimizerOrScheme_IsRefusedByName()
    {
        var (problem, start) = Problem("faithful");
        var states = new KeepEveryState();
        new SquaremOptimizer(SquaremScheme.S3).Run(problem, start, null, states, Options);
        var state = states.States[2];

        var other = Assert.Throws<ArgumentException>(() => new LbfgsOptimizer().Run(Problem("faithful").Problem, [], state, null, Options));
        Assert.Contains("written by squarem, not by lbfgs", other.Message, StringComparison.Ordinal);
        var scheme = Assert.Throws<ArgumentException>(() => new SquaremOptimizer(SquaremScheme.S2).Run(Problem("faithful").Problem, [], state, null, Options));
        Assert.Contains("scheme S3, not S2", scheme.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resume_OnOtherData_IsRefusedBecauseLogLikelihoodDiffers()
    {
        var (problem, start) = Problem("faithful");
        var states = new KeepEveryState();
        new ExpectationMaximizationOptimizer().Run(problem, start, null, states, Options);

        // Faithful with one value changed by 0.1%: same shape, another ℓ.
        var values = TestData.Faithful.Values.ToArray();
        values[100] *= 1.001;
        var data = new DataSet("faithful-changed", TestData.Faithful.ColumnNames, values, TestData.Faithful.Rows);
        var other = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(new GaussianMixtureModel(2, 2, FullCovariance.Instance), data);
        var error = Assert.Throws<ArgumentException>(() => new ExpectationMaximizationOptimizer().Run(other, [], states.States[3], null, Options));
        Assert.Contains("cannot be continued exactly", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StateJson_AwkwardDoubles_ReadBackToTheSameBits()
    {
        var random = new Random(14);
        var awkward = new List<double> { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 0.1, 1.0 / 3, 2.2250738585072009e-308 };
        for (int i = 0; i < 2000; i++)
        {
            // Any bit pattern, finite or not (NaN payloads collapse to the one NaN, which is all ℓ ever holds).
            double value = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
            awkward.Add(double.IsNaN(value) ? double.NaN : value);
        }

        var vector = awkward.ToArray();
        var state = new OptimizerState("em", 1, vector, -0.0, 1.5, 0.25, [new TraceRecord(0, double.NegativeInfinity, double.NaN, 1, 0, "a note"), new TraceRecord(1, -1.0, 0.5, 2, 0.1)],
            new StoppingMemory(double.NaN, -0.0, true, double.NaN, 0.5, double.PositiveInfinity, 1), new Dictionary<string, double[]> { ["x"] = vector })
        {
            Termination = TerminationReason.RoundingLevel,
        };

        var back = RoundTrip(state);
        // A plain loop over the bits, not the serialiser's own comparison.
        for (int i = 0; i < vector.Length; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(vector[i]), BitConverter.DoubleToInt64Bits(back.Point[i]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(vector[i]), BitConverter.DoubleToInt64Bits(back.History["x"][i]));
        }

        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(back.LogLikelihood));
        Assert.Equal(state.Stopping, back.Stopping);
        Assert.Equal(state.Trace, back.Trace);
        Assert.Equal(TerminationReason.RoundingLevel, back.Termination);
    }

    private static OptimizerState RoundTrip(OptimizerState state)
    {
        using var document = JsonDocument.Parse(Json(state, withSeconds: true));
        return OptimizerStateJson.Read(document.RootElement);
    }

    private static string Json(OptimizerState state, bool withSeconds)
    {
        if (!withSeconds)
        {
            state = state with { Seconds = 0, Trace = state.Trace.Select(r => r with { Seconds = 0 }).ToArray() };
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            OptimizerStateJson.Write(json, state);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void AssertSameRun(FitResult expected, FitResult actual, string when = "checkpointed")
    {
        Assert.True(expected.Parameters.Length == actual.Parameters.Length, when);
        for (int i = 0; i < expected.Parameters.Length; i++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(expected.Parameters[i]) == BitConverter.DoubleToInt64Bits(actual.Parameters[i]), $"{when}: η[{i}] {actual.Parameters[i]:R}, uninterrupted {expected.Parameters[i]:R}");
        }

        Assert.True(BitConverter.DoubleToInt64Bits(expected.LogLikelihood) == BitConverter.DoubleToInt64Bits(actual.LogLikelihood), $"{when}: ℓ {actual.LogLikelihood:R}, uninterrupted {expected.LogLikelihood:R}");
        Assert.True(expected.Iterations == actual.Iterations, $"{when}: {actual.Iterations} iterations, uninterrupted {expected.Iterations}");
        Assert.True(expected.Termination == actual.Termination, $"{when}: {actual.Termination}, uninterrupted {expected.Termination}");
        Assert.True(Nullable.Equals(expected.EstimatedGap, actual.EstimatedGap), $"{when}: gap {actual.EstimatedGap}, uninterrupted {expected.EstimatedGap}");
        Assert.True(expected.Passes.Equals(actual.Passes), $"{when}: {actual.Passes} passes, uninterrupted {expected.Passes}");
        AssertSameTrace(expected.Trace, actual.Trace, when);
    }

    private static void AssertSameTrace(IReadOnlyList<TraceRecord> expected, IReadOnlyList<TraceRecord> actual, string when)
    {
        Assert.True(expected.Count == actual.Count, $"{when}: {actual.Count} trace records, uninterrupted {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i] with { Seconds = 0 } == actual[i] with { Seconds = 0 }, $"{when}: trace record {i}: {actual[i]}, uninterrupted {expected[i]}");
        }
    }

    /// <summary>Asks for the state after every iteration and keeps each.</summary>
    private sealed class KeepEveryState : ICheckpointSink
    {
        public List<OptimizerState> States { get; } = [];

        public bool IsDue(int iteration) => true;

        public void Save(OptimizerState state) => States.Add(state);
    }
}
