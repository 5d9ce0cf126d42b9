using System.Globalization;
using System.Text.Json;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Emissions;
using LatentFit.Models.Hmm;
using LatentFit.Objectives;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>The most probable state path and the state posteriors of every row (see <see cref="HiddenMarkovSpecification.Decode"/>).</summary>
/// <param name="States">K.</param>
/// <param name="Path">The Viterbi state of each row, 0-based.</param>
/// <param name="Posteriors">γₜ(k) of each row, row-major N×K.</param>
/// <param name="LogLikelihood">ℓ of the data under the model.</param>
public sealed record HmmDecoding(int States, int[] Path, double[] Posteriors, double LogLikelihood);

/// <summary>
/// A hidden Markov model fit, whatever its emissions (<see cref="HmmEmissionKind"/>). The data are whole sequences:
/// data without sequence ids are one sequence (<see cref="DataSet.AsOneSequence"/>).
/// </summary>
public abstract class HiddenMarkovSpecification : ModelSpecification
{
    /// <summary>Validates the common settings (see <see cref="ModelSpecification"/>).</summary>
    protected HiddenMarkovSpecification(DataSet data, int components, int seed, int restarts, ExecutionOptions? execution)
        : base(data, components, seed, restarts, execution)
    {
    }

    /// <inheritdoc/>
    public override ModelFamily Family => HiddenMarkovFamily.Instance;

    /// <inheritdoc/>
    /// <remarks>A row's marginal depends on where it stands in its sequence, so there is no one density to draw against the data.</remarks>
    public override bool RowsAreIndependent => false;

    /// <summary>Number of sequences.</summary>
    public int Sequences => Math.Max(1, Data.SequenceStarts.Length);

    /// <summary>
    /// The Viterbi path and the state posteriors of every row under the fixed start (the model file); each sequence on
    /// its own, as <see cref="HiddenMarkovModel{TEmission, TStatistics}.Decode"/> computes them.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no fixed start.</exception>
    public abstract HmmDecoding Decode();
}

/// <summary>A hidden Markov model fit with the emissions of <typeparamref name="TEmission"/>.</summary>
/// <remarks>
/// Starts without a file: δ uniform, Γ = ½·I + ½·(1/K) (each state kept with probability ½ + ½K⁻¹, the rest spread
/// evenly: some persistence, which is what sets a hidden Markov model apart from a mixture, without favouring a
/// state), and the emission's start from the pooled observations (<see cref="HmmEmission{TEmission, TStatistics}.Start"/>).
/// Restarts differ only in the emission start's seed.
/// </remarks>
/// <typeparam name="TEmission">The emission family's parameters.</typeparam>
/// <typeparam name="TStatistics">The emission family's statistics.</typeparam>
public sealed class HiddenMarkovSpecification<TEmission, TStatistics> : HiddenMarkovSpecification
    where TStatistics : IEmissionStatistics<TStatistics>
{
    /// <summary>Validates the settings against the data.</summary>
    /// <exception cref="ArgumentException">K or the restarts do not fit the data, or the start has another K.</exception>
    public HiddenMarkovSpecification(DataSet data, int components, int seed, int restarts, ExecutionOptions? execution, HmmEmission<TEmission, TStatistics> emission, HmmParameters<TEmission>? start)
        : base(data.AsOneSequence(), components, seed, restarts, execution)
    {
        if (start is not null && start.States != components)
        {
            throw new ArgumentException($"the initial parameters have K={start.States}, but the fit asks for K={components}");
        }

        Emission = emission;
        Start = start;
        Model = new HiddenMarkovModel<TEmission, TStatistics>(emission.CreateFamily(components, Data.Dimension, exact: false));
    }

    /// <summary>The emissions.</summary>
    public HmmEmission<TEmission, TStatistics> Emission { get; }

    /// <summary>The fixed start, or null.</summary>
    public HmmParameters<TEmission>? Start { get; }

    /// <summary>The model.</summary>
    public HiddenMarkovModel<TEmission, TStatistics> Model { get; }

    /// <inheritdoc/>
    public override string Description => $"hidden Markov model, K={Components} states, {Emission.Description}, {Sequences} sequence{(Sequences == 1 ? string.Empty : "s")}";

    /// <inheritdoc/>
    public override bool HasFixedStart => Start is not null;

    /// <inheritdoc/>
    public override FitProblem CreateProblem() => new FitProblem<HmmParameters<TEmission>, HmmStatistics<TStatistics>>(Model, Data, Execution);

    /// <inheritdoc/>
    public override FitProblem CreateExactProblem() =>
        new FitProblem<HmmParameters<TEmission>, HmmStatistics<TStatistics>>(new HiddenMarkovModel<TEmission, TStatistics>(Emission.CreateFamily(Components, Data.Dimension, exact: true)), Data, Execution);

    /// <inheritdoc/>
    public override string? ExactProblemNote => Emission.ExactNote;

    /// <inheritdoc/>
    public override double[] InitialParameters(FitProblem problem, int restart) => Typed(problem).ToUnconstrained(Start ?? DefaultStart(restart));

    /// <inheritdoc/>
    public override string StartMethod(int restart) => Start is not null ? "file" : Emission.StartMethod(restart);

    /// <inheritdoc/>
    /// <remarks>
    /// Baum–Welch drives an initial or transition probability that the data do not support to 0 geometrically, a
    /// translation of its log-ratio by a constant each step: the Jacobian in η has the eigenvalue 1 there, whatever the
    /// rate of the other parameters, so the rate is not compared at such a maximum.
    /// </remarks>
    public override string? RateNotComparable(FitProblem problem, ReadOnlySpan<double> eta)
    {
        var theta = Typed(problem).ToParameters(eta);
        var atZero = new List<string>();
        for (int i = 0; i < Components; i++)
        {
            if (theta.Initial[i] < BoundaryProbability)
            {
                atZero.Add($"initial[{i + 1}]");
            }

            for (int j = 0; j < Components; j++)
            {
                if (theta.TransitionRow(i)[j] < BoundaryProbability)
                {
                    atZero.Add($"transition[{i + 1}][{j + 1}]");
                }
            }
        }

        return atZero.Count == 0
            ? null
            : $"the maximum is on the boundary of the parameter space ({string.Join(", ", atZero.Take(4))}{(atZero.Count > 4 ? ", …" : string.Empty)} at 0), where EM moves the log-ratio of a vanishing probability by a constant step and the Jacobian has the eigenvalue 1; the rate is compared at interior maxima only";
    }

    /// <inheritdoc/>
    public override HmmDecoding Decode()
    {
        var theta = Start ?? throw new InvalidOperationException("decoding needs the model's parameters (a model file)");
        var path = new int[Data.Rows];
        var posteriors = new double[Data.Rows * Components];
        double logLikelihood = Model.Decode(theta, Data.Block(0, Data.Rows), path, posteriors);
        return new HmmDecoding(Components, path, posteriors, logLikelihood);
    }

    /// <inheritdoc/>
    public override void WriteDescription(Utf8JsonWriter json)
    {
        json.WriteString("emission", Emission.Name);
        Emission.WriteDescription(json, Data);
        json.WriteNumber("sequences", Sequences);
    }

    /// <inheritdoc/>
    public override void WriteParameters(Utf8JsonWriter json, FitProblem problem, ReadOnlySpan<double> eta)
    {
        var theta = Typed(problem).ToParameters(eta);
        HmmJson.WriteChain(json, theta);
        Emission.WriteParameters(json, theta.Emission);
    }

    /// <inheritdoc/>
    public override (string[] Headers, string[][] Rows) ParameterTable(FitProblem problem, ReadOnlySpan<double> eta)
    {
        var theta = Typed(problem).ToParameters(eta);
        var rows = Enumerable.Range(0, Components).Select(k => (string[])
        [
            (k + 1).ToString(CultureInfo.InvariantCulture),
            theta.Initial[k].ToString("F4", CultureInfo.InvariantCulture),
            string.Join(", ", theta.TransitionRow(k).ToArray().Select(p => p.ToString("F4", CultureInfo.InvariantCulture))),
            .. Emission.TableCells(theta.Emission, k),
        ]).ToArray();
        return (["state", "initial", "transition to 1..K", .. Emission.TableHeaders], rows);
    }

    // Below this a probability counts as 0 at a maximum: EM took it most of the way to the floor of η.
    private const double BoundaryProbability = 1e-8;

    private HmmParameters<TEmission> DefaultStart(int restart)
    {
        int k = Components;
        var initial = Enumerable.Repeat(1.0 / k, k).ToArray();
        var transition = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                transition[i * k + j] = 0.5 / k + (i == j ? 0.5 : 0);
            }
        }

        return HmmParameters<TEmission>.Create(initial, transition, Emission.Start(Data, k, Seed, restart, Execution));
    }

    private static FitProblem<HmmParameters<TEmission>, HmmStatistics<TStatistics>> Typed(FitProblem problem) =>
        (FitProblem<HmmParameters<TEmission>, HmmStatistics<TStatistics>>)problem;
}
