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
    /// ∇Q vanishes at the M-step's η.
    /// </summary>
    public static void Assert(FitProblem problem, double[] at, int probes = 4, int seed = 1, double tolerance = 1e-6)
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

        var next = new double[p];
        problem.EmMap(at, next);
        problem.CompleteData(at).ValueAndGradient(next, gradient);
        for (int i = 0; i < p; i++)
        {
            Xunit.Assert.True(Math.Abs(gradient[i]) <= 1e-8 * scale, $"∂Q/∂η[{i}] at the M-step's θ = {gradient[i]:R}, not 0");
        }
    }
}
