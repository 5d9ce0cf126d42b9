using System.IO.MemoryMappedFiles;

namespace LatentFit.Data.Shards;

/// <summary>
/// The float64 values of one or more shard files, read through memory mappings rather than into arrays: the operating
/// system pages a shard's values in as blocks read them and may drop those pages again (they are page cache, backed by
/// the file), so data larger than memory can be fitted. Rows within one shard are one contiguous span; rows across a
/// shard boundary are copied (see <see cref="Range"/>).
/// </summary>
/// <remarks>
/// This is the one type of the library that uses pointers (AllowUnsafeBlocks in LatentFit.csproj): a span over a
/// mapped view can only be made from the view's address. A span handed out is valid while the data set that owns these
/// values is reachable; the mappings are released when it is collected.
/// </remarks>
internal sealed unsafe class MappedValues
{
    private readonly ShardMapping[] _shards;
    private readonly int[] _starts;

    /// <summary>Values of <paramref name="shards"/> in order, shard s holding rows <paramref name="starts"/>[s] onwards, read from <paramref name="source"/> (named in messages).</summary>
    public MappedValues(ShardMapping[] shards, int[] starts, int rows, int dimension, string source)
    {
        _shards = shards;
        _starts = starts;
        Rows = rows;
        Dimension = dimension;
        Source = source;
    }

    /// <summary>The shard directory or file, named in messages.</summary>
    public string Source { get; }

    /// <summary>
    /// Refuses to copy <paramref name="bytes"/> of these values into memory when that is more than three quarters of
    /// what this process may use: the runtime's <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>, which is the
    /// container's or cgroup's memory limit (or <c>DOTNET_GCHeapHardLimit</c>) where there is one, else the machine's
    /// memory. Shards are mapped so that data larger than memory can be fitted (their pages are the file's, not the
    /// heap's); a copy of all of them would instead end in an out-of-memory failure that names nothing. A copy that
    /// leaves a quarter for the rest of the fit goes ahead.
    /// </summary>
    /// <param name="bytes">The copy's size.</param>
    /// <param name="what">What makes the copy, as the start of a sentence ("single precision converts …").</param>
    /// <param name="advice">What the user can do instead.</param>
    /// <exception cref="DataFormatException">The copy would take more than three quarters of the memory available.</exception>
    public void RequireRoomFor(long bytes, string what, string advice)
    {
        // A block-sized copy (a pass's mini-batch across a shard boundary) is not worth asking the runtime about.
        if (bytes <= 1 << 20)
        {
            return;
        }

        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available / 4 * 3)
        {
            throw new DataFormatException(
                $"{Source}: {what} ({MiB(bytes)}), more than three quarters of the {MiB(available)} this process may use; {advice}", Source);
        }
    }

    private static string MiB(long bytes) => $"{bytes / 1048576.0:N0} MiB";

    /// <summary>Number of rows N.</summary>
    public int Rows { get; }

    /// <summary>Number of columns D.</summary>
    public int Dimension { get; }

    /// <summary>Rows <see cref="Range"/> has copied because they spanned shards (a pass that cuts its blocks by shard copies none).</summary>
    public long CopiedRows => Interlocked.Read(ref _copiedRows);

    private long _copiedRows;

    /// <summary>Number of shards.</summary>
    public int ShardCount => _shards.Length;

    /// <summary>
    /// Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1, row-major: a span into
    /// the mapping when they lie in one shard (every block of the data set's own partitions does), else a copy of
    /// them into a new array (a caller that cuts its own blocks across shards pays for that copy).
    /// </summary>
    public ReadOnlySpan<double> Range(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)start + count, Rows, nameof(count));
        if (count == 0)
        {
            return default;
        }

        int shard = ShardOf(start);
        if (start + count <= End(shard))
        {
            return new ReadOnlySpan<double>(_shards[shard].Values + ((long)(start - _starts[shard]) * Dimension), count * Dimension);
        }

        RequireRoomFor(
            (long)count * Dimension * sizeof(double),
            $"rows {start + 1}–{start + count}, which span shards, would be copied into memory as one block",
            "blocks within one shard are read where they lie (an hmm without --sequence-column reads all rows as one sequence, and decode all rows as one block: give them the data in one shard, `latentfit shard --shards 1`, or with sequence ids)");
        var copy = new double[count * Dimension];
        CopyTo(start, count, copy);
        Interlocked.Add(ref _copiedRows, count);
        return copy;
    }

    /// <summary>Copies rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1 into <paramref name="destination"/>, shard by shard.</summary>
    public void CopyTo(int start, int count, Span<double> destination)
    {
        int row = start, end = start + count;
        while (row < end)
        {
            int shard = ShardOf(row);
            int rows = Math.Min(end, End(shard)) - row;
            new ReadOnlySpan<double>(_shards[shard].Values + ((long)(row - _starts[shard]) * Dimension), rows * Dimension)
                .CopyTo(destination.Slice((row - start) * Dimension, rows * Dimension));
            row += rows;
        }
    }

    /// <summary>Value of row <paramref name="row"/>, column <paramref name="column"/>.</summary>
    public double this[int row, int column]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(row);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
            int shard = ShardOf(row);
            return _shards[shard].Values[((long)(row - _starts[shard]) * Dimension) + column];
        }
    }

    private int ShardOf(int row)
    {
        int at = Array.BinarySearch(_starts, row);
        return at >= 0 ? at : ~at - 1;
    }

    private int End(int shard) => shard + 1 < _starts.Length ? _starts[shard + 1] : Rows;
}

/// <summary>One shard file mapped read-only, and the address of its values; unmapped when collected.</summary>
internal sealed unsafe class ShardMapping
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;

    /// <summary>Maps <paramref name="path"/> whole, read-only; its values start <paramref name="valuesOffset"/> bytes in.</summary>
    public ShardMapping(string path, long valuesOffset)
    {
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);

        // The view starts at a page boundary of the file, and PointerOffset says where offset 0 lies in it.
        _base = pointer + _view.PointerOffset;
        Values = (double*)(_base + valuesOffset);
    }

    /// <summary>The first value.</summary>
    public double* Values { get; }

    /// <summary>The mapped bytes from <paramref name="offset"/>, <paramref name="length"/> of them.</summary>
    public ReadOnlySpan<byte> Bytes(long offset, int length) => new(_base + offset, length);

    // The view's safe handle is finalised after this object (critical finalisation comes last), so the pointer taken
    // from it is released here and the mapping is freed when the data set that used it is collected.
    // A constructor that threw leaves fields unset, and the finaliser still runs: it releases only what was taken.
    ~ShardMapping()
    {
        if (_base is not null)
        {
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
        }

        _view?.Dispose();
        _file?.Dispose();
    }
}
