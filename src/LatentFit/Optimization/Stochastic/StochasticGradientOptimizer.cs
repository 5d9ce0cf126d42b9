using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Optimization.Stochastic;

/// <summary>
/// Mini-batch stochastic gradient ascent with Adam (Kingma &amp; Ba 2015, Algorithm 1), for comparison with the online
/// methods: g = ∇ℓ_B(η)/N_B, the batch's per-observation gradient; m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
/// η ← η + α m̂ / (√v̂ + ε) with the bias corrections m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) and the paper's β₁ = 0.9,
/// β₂ = 0.999, ε = 10⁻⁸; α is the learning rate (<see cref="FitOptions.LearningRate"/>, default
/// <see cref="DefaultLearningRate"/>), constant as in Algorithm 1, and t counts batches.
/// </summary>
/// <remarks>
/// The returned point is the last iterate: with a constant α it wanders in a neighbourhood of the maximum of size
/// about α in each coordinate of η, which is the comparison's point. A step that leads to invalid parameters or a
/// non-finite ℓ of the batch ends the run with <see cref="TerminationReason.StepTooLarge"/>.
/// </remarks>
public sealed class StochasticGradientOptimizer : MiniBatchOptimizer
{
    /// <summary>α when <see cref="FitOptions.LearningRate"/> is not given.</summary>
    public const double DefaultLearningRate = 0.003;

    private const double FirstMomentDecay = 0.9;
    private const double SecondMomentDecay = 0.999;
    private const double Epsilon = 1e-8;

    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    protected override bool AveragesIterates => false;

    /// <inheritdoc/>
    protected override bool NeedsGradient => true;

    private protected override IBatchUpdate Begin(FitProblem problem, MiniBatches batches, FitOptions options) =>
        new State(problem, batches, options.LearningRate ?? DefaultLearningRate);

    private sealed class State(FitProblem problem, MiniBatches batches, double rate) : IBatchUpdate
    {
        private readonly double[] _gradient = new double[problem.ParameterCount];
        private readonly double[] _first = new double[problem.ParameterCount];
        private readonly double[] _second = new double[problem.ParameterCount];

        public bool Moved { get; private set; }

        public string? Update(int batch, long step, double[] eta)
        {
            Moved = false;
            if (BatchGradient.PerObservation(problem, batches, batch, step, rate, eta, _gradient) is { } failure)
            {
                return failure;
            }

            double firstCorrection = 1 - Math.Pow(FirstMomentDecay, step);
            double secondCorrection = 1 - Math.Pow(SecondMomentDecay, step);
            for (int i = 0; i < eta.Length; i++)
            {
                double g = _gradient[i];
                _first[i] = FirstMomentDecay * _first[i] + (1 - FirstMomentDecay) * g;
                _second[i] = SecondMomentDecay * _second[i] + (1 - SecondMomentDecay) * g * g;
                eta[i] += rate * (_first[i] / firstCorrection) / (Math.Sqrt(_second[i] / secondCorrection) + Epsilon);
            }

            Moved = true;
            return null;
        }
    }
}
