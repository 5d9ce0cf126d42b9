using LatentFit.Data;
using LatentFit.Objectives;

namespace LatentFit.Tests.Support;

/// <summary>
/// Checks a model's Q(θ | θₜ) (<see cref="FitProblem.CompleteData"/>) against mathematics, never against the model's
/// own formulas: finite differences of Q and of ℓ, the M-step's stationarity and the minorisation EM rests on.
/// </summary>
internal static class SurrogateIdentities
{
    /// <summary>
    /// At ηₜ = <paramref name="at"/>: ∇Q(θₜ | θₜ) = ∇ℓ(θₜ) by central differences of ℓ (Fisher's identity); ∇Q matches
    /// central differences of Q at <paramref name="probes"/> points near ηₜ; Q(θ | θₜ) − Q(θₜ | θₜ) ≤ ℓ(θ) − ℓ(θₜ) there;
    /// ∇Q vanishes at the M-step's η unless <paramref name="mStepMaximizesQ"/> is false (an M-step that maximises Q plus
    /// a penalty, as a Gaussian model's with a regularisation ε &gt; 0).
    /// </summary>
    public static void Assert(FitProblem problem, double[] at, int probes = 4, int seed = 1, double tolerance = 1e-6, bool mStepMaximizesQ = true)
    {
        int p = problem.ParameterCount;
        var surrogate = problem.CompleteData(at);
        var gradient = new double[p];
        double atValue = surrogate.ValueAndGradient(at, gradient);
        Xunit.Assert.True(double.IsFinite(atValue), "Q(θₜ | θₜ) is not finite");
        double scale = 1;
        for (int i = 0; i < p; i++)
        {
            double expected = CentralDifference.Richardson(eta => problem.Value(eta), at, i);
            scale = Math.Max(scale, Math.Abs(expected));
            Xunit.Assert.True(Math.Abs(gradient[i] - expected) <= tolerance * (1 + Math.Abs(expected)), $"∂Q/∂η[{i}] at θₜ = {gradient[i]:R}, ∂ℓ/∂η[{i}] by differences = {expected:R}");
        }

        var random = new Random(seed);
        double atLogLikelihood = problem.Value(at);
        for (int probe = 0; probe < probes; probe++)
        {
            var eta = at.Select(v => v + 0.05 * (2 * random.NextDouble() - 1)).ToArray();
            var surrogateAt = problem.CompleteData(at);
            double q = surrogateAt.ValueAndGradient(eta, gradient);
            Xunit.Assert.True(q - atValue <= problem.Value(eta) - atLogLikelihood + 1e-9 * Math.Abs(atLogLikelihood), $"probe {probe}: Q rose by {q - atValue:R}, more than ℓ ({problem.Value(eta) - atLogLikelihood:R})");
            var copy = (double[])gradient.Clone();
            for (int i = 0; i < p; i++)
            {
                double expected = CentralDifference.Richardson(x => surrogateAt.ValueAndGradient(x, new double[p]), eta, i);
                Xunit.Assert.True(Math.Abs(copy[i] - expected) <= tolerance * (1 + Math.Abs(expected)), $"probe {probe}: ∂Q/∂η[{i}] = {copy[i]:R}, by differences of Q {expected:R}");
            }
        }

        if (!mStepMaximizesQ)
        {
            return;
        }

        var next = new double[p];
        problem.EmMap(at, next);
        problem.CompleteData(at).ValueAndGradient(next, gradient);
        for (int i = 0; i < p; i++)
        {
            Xunit.Assert.True(Math.Abs(gradient[i]) <= 1e-8 * scale, $"∂Q/∂η[{i}] at the M-step's θ = {gradient[i]:R}, not 0");
        }
    }

    /// <summary>
    /// <see cref="CompleteDataObjective.Information"/> at <paramref name="at"/> against −∂²Q/∂ηᵢ∂ηⱼ by second differences
    /// of Q's values only (not its gradient), with no pass over the data.
    /// </summary>
    public static void AssertInformationMatchesSecondDifferences(FitProblem problem, double[] at, double step = 1e-4, double tolerance = 1e-4)
    {
        var surrogate = problem.CompleteData(at);
        int p = problem.ParameterCount;
        var information = new double[p * p];
        double passes = problem.Passes;
        surrogate.Information(information);
        Xunit.Assert.Equal(passes, problem.Passes);
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                double Q(double di, double dj)
                {
                    var eta = (double[])at.Clone();
                    eta[i] += di;
                    eta[j] += dj;
                    return surrogate.ValueAndGradient(eta, new double[p]);
                }

                double h = step;
                double expected = -(Q(h, h) - Q(h, -h) - Q(-h, h) + Q(-h, -h)) / (4 * h * h);
                Xunit.Assert.True(Math.Abs(information[i * p + j] - expected) <= tolerance * (1 + Math.Abs(expected)), $"I_oc[{i},{j}] = {information[i * p + j]:R}, by second differences {expected:R}");
            }
        }
    }

    /// <summary>
    /// <see cref="FitProblem.ScoreCrossProducts"/> at <paramref name="at"/> against Σ w·s sᵀ with each row's score s = ∇ log p(x)
    /// by differences of <see cref="FitProblem.LogDensity"/> (a row of frequency weight w counts w times); one pass, and ℓ returned.
    /// </summary>
    public static void AssertRowScoreCrossProducts(FitProblem problem, DataSet data, double[] at)
    {
        int p = problem.ParameterCount;
        var expected = new double[p * p];
        for (int n = 0; n < data.Rows; n++)
        {
            var row = Enumerable.Range(0, data.Dimension).Select(c => data[n, c]).ToArray();
            var score = Enumerable.Range(0, p).Select(i => CentralDifference.Richardson(eta => problem.LogDensity(eta, row), at, i)).ToArray();
            double w = data.RowWeights is { } weights ? weights.Span[n] : 1;
            AddOuterProduct(expected, score, w);
        }

        AssertScoreCrossProducts(problem, at, expected);
    }

    /// <summary>Adds w·s sᵀ to a P×P matrix.</summary>
    public static void AddOuterProduct(double[] matrix, double[] score, double weight)
    {
        int p = score.Length;
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                matrix[i * p + j] += weight * score[i] * score[j];
            }
        }
    }

    /// <summary><see cref="FitProblem.ScoreCrossProducts"/> at <paramref name="at"/> equals <paramref name="expected"/> (relative 10⁻⁶), in one pass, returning ℓ.</summary>
    public static void AssertScoreCrossProducts(FitProblem problem, double[] at, double[] expected)
    {
        int p = problem.ParameterCount;
        var actual = new double[p * p];
        double passes = problem.Passes;
        double value = problem.ScoreCrossProducts(at, actual);
        Xunit.Assert.Equal(passes + 1, problem.Passes);
        Xunit.Assert.Equal(problem.Value(at), value, 1e-9);
        for (int i = 0; i < p * p; i++)
        {
            Xunit.Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-6 * (1 + Math.Abs(expected[i])), $"entry {i}: {actual[i]:R} vs {expected[i]:R}");
        }
    }
}
