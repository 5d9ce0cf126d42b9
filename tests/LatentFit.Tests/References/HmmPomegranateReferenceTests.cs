using System.Text.Json;
using LatentFit.Data;
using LatentFit.Models.Categorical;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Hmm;
using LatentFit.Objectives;
using LatentFit.Optimization;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tests.Models.Hmm;

namespace LatentFit.Tests.References;

/// <summary>
/// Baum–Welch against pomegranate 0.14.8 (References/hmm_pomegranate.json, made by hmm_pomegranate.py, which checks
/// pomegranate against a numpy log-space Baum–Welch to 1e-10): from the same start and data, ℓ at the start and after
/// exactly 1 and 5 iterations.
/// </summary>
public sealed class HmmPomegranateReferenceTests
{
    private const double Tolerance = 1e-8;

    private static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "References", "hmm_pomegranate.json"))).RootElement.Clone();

    public static TheoryData<string> PoissonCases() => ["poisson_single", "poisson_multiple"];

    public static TheoryData<string> GaussianCases() => ["gaussian_full_single", "gaussian_full_multiple"];

    public static TheoryData<string> CategoricalCases() => ["categorical_single", "categorical_multiple"];

    private static JsonElement Case(string name) => Reference.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static DataSet Data(JsonElement reference, params string[] columns) =>
        DataSource.Load(Path.Combine(AppContext.BaseDirectory, "References", reference.GetProperty("data").GetString()!), columns, sequenceColumn: "sequence");

    private static double[] Flat(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array ? array.EnumerateArray().SelectMany(Flat).ToArray() : [array.GetDouble()];

    [Theory]
    [MemberData(nameof(PoissonCases))]
    public void BaumWelch_Poisson_LogLikelihoodAfterOneAndFiveIterationsEqualsPomegranate(string name)
    {
        var reference = Case(name);
        var start = reference.GetProperty("start");
        var data = Data(reference, "count");
        Assert.Equal(reference.GetProperty("lengths").GetArrayLength(), data.SequenceStarts.Length);
        var problem = HmmTestCases.PoissonProblem(data, start.GetProperty("k").GetInt32());
        var theta = HmmTestCases.PoissonParameters(Flat(start.GetProperty("initial")), Flat(start.GetProperty("transition")), Flat(start.GetProperty("rates")));
        AssertPomegranateSteps(problem, problem.ToUnconstrained(theta), reference);
    }

    [Theory]
    [MemberData(nameof(GaussianCases))]
    public void BaumWelch_GaussianFull_LogLikelihoodAfterOneAndFiveIterationsEqualsPomegranate(string name)
    {
        var reference = Case(name);
        var start = reference.GetProperty("start");
        var data = Data(reference, "x1", "x2");
        int dimension = start.GetProperty("dimension").GetInt32();
        var problem = HmmTestCases.GaussianProblem(data, FullCovariance.Instance, start.GetProperty("k").GetInt32());
        var theta = HmmTestCases.GaussianParameters(
            Flat(start.GetProperty("initial")), Flat(start.GetProperty("transition")), FullCovariance.Instance, dimension, Flat(start.GetProperty("means")), Flat(start.GetProperty("covariances")));
        AssertPomegranateSteps(problem, problem.ToUnconstrained(theta), reference);
    }

    [Theory]
    [MemberData(nameof(CategoricalCases))]
    public void BaumWelch_Categorical_LogLikelihoodAfterOneAndFiveIterationsEqualsPomegranate(string name)
    {
        var reference = Case(name);
        var start = reference.GetProperty("start");
        var labels = start.GetProperty("categories").EnumerateArray().Select(c => c.GetString()!).ToArray();
        var data = DataSource.Load(Path.Combine(AppContext.BaseDirectory, "References", reference.GetProperty("data").GetString()!), ["symbol"], sequenceColumn: "sequence", categoricalColumns: ["symbol"])
            .WithCategories(0, labels);
        Assert.Equal(reference.GetProperty("lengths").GetArrayLength(), data.SequenceStarts.Length);
        int k = start.GetProperty("k").GetInt32();
        var model = new HiddenMarkovModel<CategoricalEmissionParameters, CategoricalEmissionStatistics>(new CategoricalEmissionFamily(k, labels.Length, labels));
        var problem = new FitProblem<HmmParameters<CategoricalEmissionParameters>, HmmStatistics<CategoricalEmissionStatistics>>(model, data);
        var theta = HmmParameters<CategoricalEmissionParameters>.Create(
            Flat(start.GetProperty("initial")), Flat(start.GetProperty("transition")), CategoricalEmissionParameters.Create(labels.Length, Flat(start.GetProperty("probabilities"))));
        AssertPomegranateSteps(problem, problem.ToUnconstrained(theta), reference);
    }

    /// <summary>ℓ(θ₀), ℓ(θ₁) and ℓ(θ₅) through the EM map, and ℓ(θ₅) again through the EM optimiser run for exactly 5 iterations.</summary>
    private static void AssertPomegranateSteps(FitProblem problem, double[] start, JsonElement reference)
    {
        var eta = (double[])start.Clone();
        var next = new double[eta.Length];
        var logLikelihoods = new double[6];
        for (int t = 0; t <= 5; t++)
        {
            logLikelihoods[t] = problem.EmMap(eta, next);
            (eta, next) = (next, eta);
        }

        AssertRelative(reference.GetProperty("loglikInit").GetDouble(), logLikelihoods[0], "ℓ(θ₀)");
        AssertRelative(reference.GetProperty("loglikAfter1").GetDouble(), logLikelihoods[1], "ℓ(θ₁)");
        AssertRelative(reference.GetProperty("loglikAfter5").GetDouble(), logLikelihoods[5], "ℓ(θ₅)");

        var result = OptimizerCatalog.Create("em").Run(problem, start, new FitOptions { RelativeTolerance = 0, MaxIterations = 5 });
        Assert.Equal(TerminationReason.IterationLimit, result.Termination);
        Assert.Equal(5, result.Iterations);
        AssertRelative(reference.GetProperty("loglikAfter5").GetDouble(), result.LogLikelihood, "ℓ(θ₅) of the em optimiser");
    }

    private static void AssertRelative(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Abs(expected), $"{what}: {actual:R}, pomegranate {expected:R} (relative {Math.Abs(actual - expected) / Math.Abs(expected):G3})");
}
