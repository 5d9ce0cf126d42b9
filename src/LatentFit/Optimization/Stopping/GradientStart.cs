using System.Numerics.Tensors;
using LatentFit.Objectives;
using LatentFit.Optimization.Abstractions;
using LatentFit.Tracing;

namespace LatentFit.Optimization.Stopping;

/// <summary>
/// How every gradient method begins: it refuses a model without an exact gradient, evaluates ℓ and ∇ℓ at the start
/// (one pass), records iteration 0, and is done at once when the gradient already meets the tolerance.
/// </summary>
/// <param name="Recorder">The run's bookkeeping.</param>
/// <param name="Point">A copy of the start, the optimiser's to move.</param>
/// <param name="Gradient">∇ℓ at the start.</param>
/// <param name="Value">ℓ at the start.</param>
/// <param name="Norm">‖∇ℓ‖ at the start.</param>
/// <param name="Finished">The result when the start already meets the gradient tolerance, else null.</param>
internal sealed record GradientStart(RunRecorder Recorder, double[] Point, double[] Gradient, double Value, double Norm, FitResult? Finished)
{
    /// <summary>Begins a run of <paramref name="algorithm"/> from <paramref name="start"/>.</summary>
    /// <exception cref="Models.Abstractions.GradientNotDefinedException">The model has no exact gradient.</exception>
    public static GradientStart Begin(string algorithm, FitProblem problem, ReadOnlySpan<double> start, FitOptions options, ITraceSink? sink, ICheckpointSink? checkpoints = null)
    {
        problem.RequireGradient(algorithm);
        var recorder = new RunRecorder(algorithm, problem, options, sink) { Checkpoints = checkpoints };
        var point = start.ToArray();
        var gradient = new double[point.Length];
        double value = problem.ValueAndGradient(point, gradient);
        double norm = TensorPrimitives.Norm(gradient);
        var finished = recorder.Begin(value, norm) ? recorder.Finish(point, value, 0, TerminationReason.GradientConverged) : null;
        return new GradientStart(recorder, point, gradient, value, norm, finished);
    }
}
