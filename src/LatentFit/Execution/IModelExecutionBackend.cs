using LatentFit.Data;
using LatentFit.Models.Abstractions;

namespace LatentFit.Execution;

/// <summary>
/// A backend that runs a model's E-step itself, on machines of its own, rather than running the caller's work on
/// each block: work that is a closure cannot cross the wire, a model that can be rebuilt there
/// (<see cref="IPortableModel{TParams}"/>) and θ can. <see cref="ChunkedEStep"/> hands every E-step to such a backend;
/// the other passes (the start, diagnostics) still go through <see cref="IExecutionBackend.Reduce"/>, which such a
/// backend may run in this process.
/// </summary>
/// <remarks>
/// The result must be what <see cref="LocalBackend"/> gives: the blocks of each group of the partition (a shard)
/// merged in block order, the groups' totals in group order (<see cref="Data.BlockPartition.GroupStarts"/>), each
/// empty accumulator made by the caller's factory (whose flat form carries the coordinates of anchored statistics).
/// </remarks>
public interface IModelExecutionBackend : IExecutionBackend
{
    /// <summary>The E-step of <paramref name="model"/> at θ over blocks <paramref name="blocks"/> of <paramref name="partition"/>.</summary>
    /// <exception cref="NotSupportedException">The model cannot be rebuilt elsewhere (it is not an <see cref="IPortableModel{TParams}"/>).</exception>
    TStats EStep<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, BlockPartition partition, Range blocks, int threads, Func<TStats> create)
        where TStats : ISufficientStatistics<TStats>;
}

/// <summary>The E-step of a rebuilt model on a machine that holds some of the data: θ and empty statistics arrive as flat forms, the statistics leave as one.</summary>
public interface IPortableEStep
{
    /// <summary>The recipe the model was rebuilt from.</summary>
    ModelRecipe Recipe { get; }

    /// <summary>
    /// Statistics of blocks <paramref name="blocks"/> of <paramref name="partition"/> (of <paramref name="data"/>, which
    /// may be one shard) at the θ whose flat form is <paramref name="theta"/>, each block's accumulator starting as
    /// <paramref name="emptyStatistics"/> (a flat form), merged in block order on this machine's <paramref name="threads"/>;
    /// returned as a flat form.
    /// </summary>
    double[] Run(ReadOnlySpan<double> theta, ReadOnlySpan<double> emptyStatistics, DataSet data, BlockPartition partition, Range blocks, int threads);
}

/// <summary>A rebuilt model's E-step on this machine (see <see cref="IPortableEStep"/>), through the <see cref="LocalBackend"/>.</summary>
/// <typeparam name="TParams">Natural parameters θ.</typeparam>
/// <typeparam name="TStats">The statistics.</typeparam>
/// <param name="model">The rebuilt model.</param>
/// <param name="portable">The same model's recipe and θ codec.</param>
public sealed class PortableEStep<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, IPortableModel<TParams> portable) : IPortableEStep
    where TStats : ISufficientStatistics<TStats>
{
    /// <inheritdoc/>
    public ModelRecipe Recipe => portable.Recipe;

    /// <inheritdoc/>
    public double[] Run(ReadOnlySpan<double> theta, ReadOnlySpan<double> emptyStatistics, DataSet data, BlockPartition partition, Range blocks, int threads)
    {
        var parameters = portable.ReadParameters(theta);
        var empty = emptyStatistics.ToArray();
        var stats = LocalBackend.Instance.Reduce(data, partition, blocks, threads, () =>
        {
            var statistics = model.CreateStatistics();
            statistics.ReadFlat(empty);
            return statistics;
        }, (_, rows, into) => model.Accumulate(parameters, rows, into));
        var flat = new double[stats.FlatLength];
        stats.WriteFlat(flat);
        return flat;
    }
}
