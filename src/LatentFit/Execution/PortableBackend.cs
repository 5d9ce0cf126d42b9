using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using LatentFit.Data;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics;

namespace LatentFit.Execution;

/// <summary>
/// A model-running backend in this process that does what a distributed coordinator does, minus the network: for each
/// group of the partition (a shard) that the blocks touch, it sends the model's recipe, θ's exact flat form and the
/// flat form of empty statistics as bytes (<see cref="PortableWire"/>), rebuilds the model from them (the
/// <c>rebuild</c> delegate, e.g. <c>LatentFit.Fitting.PortableModels.Rebuild</c>, which Execution cannot name), runs the
/// group's blocks on a data set of that group's rows alone (<see cref="DataSet.Subset"/>), and merges the flat
/// statistics that come back in group order (<see cref="Merge{TStats}"/>). It is the reference a remote backend must
/// equal, and the local backend's bits are the reference for it.
/// </summary>
/// <param name="rebuild">Rebuilds a model's E-step from its recipe, as a shard machine would.</param>
public sealed class PortableBackend(Func<ModelRecipe, IPortableEStep> rebuild) : IModelExecutionBackend
{
    /// <summary>Its name.</summary>
    public const string BackendName = "portable";

    // Each data set's groups as data sets of their own, made once (a shard machine loads its shard once).
    private readonly ConditionalWeakTable<DataSet, DataSet?[]> _groups = [];

    /// <inheritdoc/>
    public string Name => BackendName;

    /// <summary>E-steps run so far (each sends one request per group it touches).</summary>
    public int EStepCount { get; private set; }

    /// <summary>Requests sent so far (one per group per E-step).</summary>
    public int RequestCount { get; private set; }

    /// <inheritdoc/>
    /// <remarks>Passes other than the E-step (the start, diagnostics) are closures, which stay in this process: the <see cref="LocalBackend"/> runs them.</remarks>
    public TAccumulator Reduce<TAccumulator>(DataSet data, BlockPartition partition, Range blocks, int threads, Func<TAccumulator> create, BlockWork<TAccumulator> work)
        where TAccumulator : IAdditive<TAccumulator> =>
        LocalBackend.Instance.Reduce(data, partition, blocks, threads, create, work);

    /// <inheritdoc/>
    public TStats EStep<TParams, TStats>(ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, BlockPartition partition, Range blocks, int threads, Func<TStats> create)
        where TStats : ISufficientStatistics<TStats>
    {
        if (PortableCall.Prepare(BackendName, model, theta, data, partition, blocks, create) is not { } call)
        {
            return create();
        }

        EStepCount++;
        var request = PortableWire.EncodeRequest(call.Recipe, call.Theta, call.EmptyStatistics);
        var pieces = call.Pieces;
        var replies = new double[pieces.Count][];
        for (int i = 0; i < pieces.Count; i++)
        {
            RequestCount++;
            var shard = GroupData(data, partition, pieces[i].Group);
            replies[i] = PortableWire.DecodeDoubles(Serve(request, shard, partition.TargetRows, pieces[i].LocalBlocks, threads));
        }

        return Merge(create, replies);
    }

    /// <summary>
    /// What a shard machine does with a request: rebuilds the model, runs blocks <paramref name="blocks"/> of its own
    /// data's partition into blocks of <paramref name="targetRows"/>, and answers with the statistics' flat form as bytes.
    /// </summary>
    private byte[] Serve(byte[] request, DataSet shard, int targetRows, Range blocks, int threads)
    {
        var (recipe, theta, empty) = PortableWire.DecodeRequest(request);
        var eStep = rebuild(recipe);
        return PortableWire.EncodeDoubles(eStep.Run(theta, empty, shard, shard.Partition(targetRows), blocks, threads));
    }

    /// <summary>Group <paramref name="group"/>'s rows as a data set of their own, checked to be cut into the group's blocks.</summary>
    private DataSet GroupData(DataSet data, BlockPartition partition, int group)
    {
        var groups = _groups.GetValue(data, _ => new DataSet?[partition.GroupCount]);
        if (groups.Length != partition.GroupCount)
        {
            throw new ArgumentException($"{data.Source}: the partition has {partition.GroupCount} groups, earlier ones {groups.Length}", nameof(partition));
        }

        var (firstBlock, blockCount) = partition.GroupBlocks(group).GetOffsetAndLength(partition.Count);
        int start = partition[firstBlock].Start, rows = partition.RowsIn(partition.GroupBlocks(group));
        var shard = groups[group] ??= start == 0 && rows == data.Rows ? data : data.Subset(start, rows);
        var own = shard.Partition(partition.TargetRows);
        if (own.Count != blockCount || Enumerable.Range(0, blockCount).Any(b => own[b] != new RowRange(partition[firstBlock + b].Start - start, partition[firstBlock + b].Count)))
        {
            throw new InvalidOperationException($"{data.Source}: group {group + 1}'s rows, cut on their own, do not give the group's blocks");
        }

        return shard;
    }

    /// <summary>
    /// The groups that blocks <paramref name="blocks"/> of <paramref name="partition"/> touch, in group order, each with
    /// its blocks as indices of the partition and as indices of the group's own partition (the group's rows cut as a
    /// data set of their own, see <see cref="BlockPartition.Create"/>): what a coordinator sends to each shard machine.
    /// </summary>
    public static IReadOnlyList<GroupPiece> Pieces(BlockPartition partition, Range blocks)
    {
        var (first, count) = blocks.GetOffsetAndLength(partition.Count);
        var pieces = new List<GroupPiece>();
        for (int b = first; b < first + count;)
        {
            int group = partition.GroupOf(b);
            var (groupFirst, groupCount) = partition.GroupBlocks(group).GetOffsetAndLength(partition.Count);
            int end = Math.Min(groupFirst + groupCount, first + count);
            pieces.Add(new GroupPiece(group, b..end, (b - groupFirst)..(end - groupFirst)));
            b = end;
        }

        return pieces;
    }

    /// <summary>
    /// The statistics whose groups' flat forms are <paramref name="flats"/> (in group order): the first read into an
    /// empty accumulator, each later one read into another and added, which is the local backend's order
    /// (<see cref="ExecutionBackends.MergeInOrder"/>: blocks merged within a group, the groups' totals in group order).
    /// </summary>
    /// <exception cref="ArgumentException">No flat forms, or one that does not fit the statistics' shape.</exception>
    public static TStats Merge<TStats>(Func<TStats> create, IReadOnlyList<double[]> flats)
        where TStats : IAdditive<TStats>
    {
        if (flats.Count == 0)
        {
            throw new ArgumentException("no groups' statistics to merge", nameof(flats));
        }

        var total = create();
        total.ReadFlat(flats[0]);
        if (flats.Count > 1)
        {
            var group = create();
            for (int g = 1; g < flats.Count; g++)
            {
                group.ReadFlat(flats[g]);
                total.Add(group);
            }
        }

        return total;
    }
}

/// <summary>
/// What a backend that ships E-steps sends for blocks of a partition (<see cref="PortableBackend"/>, and the Orleans
/// backend): the model's recipe, θ's exact flat form, the flat form of the empty statistics (which carries the
/// coordinates of anchored statistics) and the groups the blocks touch, each with its blocks counted within the group.
/// </summary>
/// <param name="Recipe">What rebuilds the model.</param>
/// <param name="Theta">θ, as <see cref="IPortableModel{TParams}.WriteParameters"/> wrote it.</param>
/// <param name="EmptyStatistics">The flat form of the caller's empty statistics.</param>
/// <param name="Pieces">The groups' shares of the blocks, in group order (<see cref="PortableBackend.Pieces"/>).</param>
public sealed record PortableCall(ModelRecipe Recipe, double[] Theta, double[] EmptyStatistics, IReadOnlyList<GroupPiece> Pieces)
{
    /// <summary>The call for the E-step of <paramref name="model"/> at θ over blocks <paramref name="blocks"/> of <paramref name="partition"/>; null when the range is empty.</summary>
    /// <param name="backend">The backend's name, for the message when the model cannot be rebuilt.</param>
    /// <param name="model">The model whose E-step is shipped.</param>
    /// <param name="theta">θ, the parameters of the E-step.</param>
    /// <param name="data">The data the partition cuts.</param>
    /// <param name="partition">The blocks.</param>
    /// <param name="blocks">The range of blocks to run.</param>
    /// <param name="create">Makes the empty statistics each block's accumulator starts as.</param>
    /// <exception cref="NotSupportedException">The model is not an <see cref="IPortableModel{TParams}"/>.</exception>
    /// <exception cref="ArgumentException">The partition does not cut <paramref name="data"/>'s rows.</exception>
    public static PortableCall? Prepare<TParams, TStats>(string backend, ILatentVariableModel<TParams, TStats> model, TParams theta, DataSet data, BlockPartition partition, Range blocks, Func<TStats> create)
        where TStats : ISufficientStatistics<TStats>
    {
        var portable = model as IPortableModel<TParams>
            ?? throw new NotSupportedException($"the {model.GetType().Name} cannot be rebuilt in another process (it is not an IPortableModel), so the {backend} backend cannot run its E-step");
        var (first, count) = ExecutionBackends.Resolve(data, partition, blocks);
        if (count == 0)
        {
            return null;
        }

        var empty = create();
        var emptyFlat = new double[empty.FlatLength];
        empty.WriteFlat(emptyFlat);
        return new PortableCall(portable.Recipe, portable.WriteParameters(theta), emptyFlat, PortableBackend.Pieces(partition, first..(first + count)));
    }
}

/// <summary>One group's share of a block range (see <see cref="PortableBackend.Pieces"/>).</summary>
/// <param name="Group">The group (shard).</param>
/// <param name="Blocks">Its blocks in the range, as indices of the whole partition.</param>
/// <param name="LocalBlocks">The same blocks as indices of the group's own partition.</param>
public readonly record struct GroupPiece(int Group, Range Blocks, Range LocalBlocks);

/// <summary>
/// The bytes a portable E-step crosses the wire as: the request (recipe, θ's flat form, empty statistics' flat form)
/// and the reply (the statistics' flat form). Doubles travel as their IEEE 754 bits (little-endian), so nothing rounds.
/// </summary>
public static class PortableWire
{
    /// <summary>The request's bytes.</summary>
    public static byte[] EncodeRequest(ModelRecipe recipe, ReadOnlySpan<double> theta, ReadOnlySpan<double> emptyStatistics)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(recipe.Kind);
            writer.Write(recipe.Settings);
            WriteDoubles(writer, theta);
            WriteDoubles(writer, emptyStatistics);
        }

        return stream.ToArray();
    }

    /// <summary>The request <see cref="EncodeRequest"/> wrote.</summary>
    /// <exception cref="ArgumentException">The bytes are not a whole request.</exception>
    public static (ModelRecipe Recipe, double[] Theta, double[] EmptyStatistics) DecodeRequest(byte[] request)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(request), Encoding.UTF8);
            var recipe = new ModelRecipe(reader.ReadString(), reader.ReadString());
            var theta = ReadDoubles(reader);
            var empty = ReadDoubles(reader);
            if (reader.BaseStream.Position != request.Length)
            {
                throw new ArgumentException($"a portable E-step request has {request.Length - reader.BaseStream.Position} bytes too many", nameof(request));
            }

            return (recipe, theta, empty);
        }
        catch (EndOfStreamException error)
        {
            throw new ArgumentException("a portable E-step request ends early", nameof(request), error);
        }
    }

    /// <summary>Doubles as bytes, their bits as they are.</summary>
    public static byte[] EncodeDoubles(ReadOnlySpan<double> values) => MemoryMarshal.AsBytes(values).ToArray();

    /// <summary>The doubles <see cref="EncodeDoubles"/> wrote.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of doubles.</exception>
    public static double[] DecodeDoubles(byte[] bytes) =>
        bytes.Length % sizeof(double) == 0
            ? MemoryMarshal.Cast<byte, double>(bytes).ToArray()
            : throw new ArgumentException($"{bytes.Length} bytes are not a whole number of doubles", nameof(bytes));

    private static void WriteDoubles(BinaryWriter writer, ReadOnlySpan<double> values)
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    private static double[] ReadDoubles(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        if (length < 0)
        {
            throw new ArgumentException($"a portable E-step request gives a negative length {length}");
        }

        var bytes = reader.ReadBytes(checked(length * sizeof(double)));
        if (bytes.Length != length * sizeof(double))
        {
            throw new EndOfStreamException();
        }

        return MemoryMarshal.Cast<byte, double>(bytes).ToArray();
    }
}
