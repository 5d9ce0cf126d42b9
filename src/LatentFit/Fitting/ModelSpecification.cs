using System.Text.Json;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Objectives;

namespace LatentFit.Fitting;

/// <summary>
/// What to fit, in terms every model family shares: the data, K, the seeds and starts, and the hooks that differ
/// by family (the problem, the initial η of each start, the parameter fields of the JSON, a display table). The
/// command line and the reports work through this, so a new model family needs a specification and nothing else.
/// </summary>
public abstract class ModelSpecification
{
    /// <summary>Common settings, validated: no missing cells unless the model takes them, K ≥ 1, K ≤ rows, restarts ≥ 1.</summary>
    /// <exception cref="ArgumentException">A setting does not fit the data; the message says which and why.</exception>
    /// <exception cref="DataFormatException">The data have a missing cell and the model cannot take one; the message names the first.</exception>
    protected ModelSpecification(DataSet data, int components, int seed, int restarts, ExecutionOptions? execution)
    {
        if (data.FirstMissingCell is { } missing && !AcceptsMissingValues)
        {
            throw MissingValueRefused(data, missing);
        }

        if (components < 1)
        {
            throw new ArgumentException($"the number of components must be at least 1, got {components}");
        }

        if (components > data.Rows)
        {
            throw new ArgumentException($"{components} components need at least {components} rows, but {data.Source} has {data.Rows}");
        }

        if (restarts < 1)
        {
            throw new ArgumentException($"the number of restarts must be at least 1, got {restarts}");
        }

        Data = data;
        Components = components;
        Seed = seed;
        Restarts = restarts;
        Execution = execution ?? ExecutionOptions.Default;
    }

    /// <summary>The data.</summary>
    public DataSet Data { get; }

    /// <summary>
    /// Whether the model can be fitted to data with missing cells (<see cref="DataSet.MissingCells"/>); when not (the
    /// default), the constructor refuses such data. An override must not depend on the derived class's state.
    /// </summary>
    public virtual bool AcceptsMissingValues => false;

    /// <summary>K.</summary>
    public int Components { get; }

    /// <summary>
    /// Whether the rows are independent draws from one density (a mixture), which the report can then draw against the
    /// data; false for a sequence model, where a row's distribution depends on the rows before it.
    /// </summary>
    public virtual bool RowsAreIndependent => true;

    /// <summary>Seed of start 0; start r uses Seed + r.</summary>
    public int Seed { get; }

    /// <summary>Number of starts asked for.</summary>
    public int Restarts { get; }

    /// <summary>E-step execution.</summary>
    public ExecutionOptions Execution { get; }

    private DataFormatException MissingValueRefused(DataSet data, DataCell cell)
    {
        var column = data.ValueSource(cell.Column);
        string where = cell.Line is { } line
            ? $"{data.Source}:{line}: column {column.SourceIndex + 1} (\"{column.Name}\")"
            : $"{data.Source}: row {cell.Row + 1}, column {cell.Column + 1} (\"{column.Name}\")";
        return new DataFormatException(
            $"{where}: missing value; the {ModelName} model cannot take missing values: leave out the rows with missing cells (this is the first) or fill them in",
            data.Source,
            cell.Line,
            column.SourceIndex + 1,
            column.Name);
    }

    /// <summary>The model family, as the <see cref="ModelCatalog"/> lists it.</summary>
    public abstract ModelFamily Family { get; }

    /// <summary>The model's name on the command line and in JSON: <see cref="ModelFamily.Name"/>.</summary>
    public string ModelName => Family.Name;

    /// <summary>One line for people, e.g. "Gaussian mixture, K=2, full covariances".</summary>
    public abstract string Description { get; }

    /// <summary>Whether the start is fixed (given parameters), so that there is one start whatever <see cref="Restarts"/> says.</summary>
    public abstract bool HasFixedStart { get; }

    /// <summary>Starts that will run.</summary>
    public int Starts => HasFixedStart ? 1 : Restarts;

    /// <summary>A fresh problem (its own pass counter) binding the model to the data.</summary>
    public abstract FitProblem CreateProblem();

    /// <summary>η of start <paramref name="restart"/>: the fixed start, or the seeded initialiser with <see cref="Seed"/> + restart.</summary>
    public abstract double[] InitialParameters(FitProblem problem, int restart);

    /// <summary>How start <paramref name="restart"/> is made, for reports: e.g. kmeans++, random, quantiles, or file for the fixed start.</summary>
    public abstract string StartMethod(int restart);

    /// <summary>How the starts are made, for outputs: the distinct <see cref="StartMethod"/>s joined by +.</summary>
    public virtual string InitializationLabel => string.Join("+", Enumerable.Range(0, Starts).Select(StartMethod).Distinct());

    /// <summary>How <see cref="RandomParameters"/> draws θ, for people.</summary>
    public virtual string RandomParametersDescription => "start 1 of the initialiser";

    /// <summary>What <see cref="CreateExactProblem"/> leaves out of the fitted model, for people; null when nothing.</summary>
    public virtual string? ExactProblemNote => null;

    /// <summary>
    /// A problem whose EM map is the exact one, for the diagnostics that test identities of EM (no regularisation
    /// of the M-step); the same as <see cref="CreateProblem"/> for models without any.
    /// </summary>
    public virtual FitProblem CreateExactProblem() => CreateProblem();

    /// <summary>
    /// A random η for the diagnostics, seeded: somewhere in the data's range with a gradient and EM steps of the
    /// data's own scale (the fixed start when there is one). By default, start 1 of the initialiser.
    /// </summary>
    public virtual double[] RandomParameters(FitProblem problem) => InitialParameters(problem, HasFixedStart ? 0 : 1);

    /// <summary>
    /// Problems of a finished fit that did not fail numerically but describe something other than the data (a
    /// component on one row, a constant column, every variance at the regularisation floor); none by default.
    /// </summary>
    public virtual IReadOnlyList<Diagnostics.FitFinding> Findings(FitProblem problem, ReadOnlySpan<double> eta) => [];

    /// <summary>
    /// Xu &amp; Jordan's check of the EM step against P(θ)∇ℓ at η on <paramref name="problem"/> (one of
    /// <see cref="CreateExactProblem"/>); null for families without it (<see cref="ModelCheck.XuJordan"/> not in
    /// <see cref="ModelFamily.Checks"/>).
    /// </summary>
    /// <exception cref="Models.Abstractions.ModelFailureException">The EM step from η has no M-step.</exception>
    public virtual Diagnostics.XuJordanReport? XuJordanCheck(FitProblem problem, ReadOnlySpan<double> eta) => null;

    /// <summary>
    /// Why EM's observed rate cannot be compared with the largest eigenvalue of the EM map's Jacobian at the maximum η
    /// (e.g. a maximum on the boundary of the parameter space), for people; null when it can (the default).
    /// </summary>
    public virtual string? RateNotComparable(FitProblem problem, ReadOnlySpan<double> eta) => null;

    /// <summary>Writes the model's descriptive fields (e.g. <c>covariance</c>, <c>regCovar</c>) into the current JSON object.</summary>
    public abstract void WriteDescription(Utf8JsonWriter json);

    /// <summary>Writes the parameter fields at η, in the shape <c>--init</c> reads back.</summary>
    public abstract void WriteParameters(Utf8JsonWriter json, FitProblem problem, ReadOnlySpan<double> eta);

    /// <summary>The fitted parameters as a table of plain strings for display, one row per component.</summary>
    public abstract (string[] Headers, string[][] Rows) ParameterTable(FitProblem problem, ReadOnlySpan<double> eta);
}
