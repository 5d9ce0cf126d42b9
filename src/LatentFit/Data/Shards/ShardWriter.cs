using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace LatentFit.Data.Shards;

/// <summary>Writes a data set as a shard directory: <c>manifest.json</c> and one binary file per shard (see <see cref="ShardHeader"/>).</summary>
public static class ShardWriter
{
    /// <summary>Rows written per buffer.</summary>
    private const int BufferValues = 1 << 16;

    /// <summary>
    /// Writes <paramref name="data"/> as <paramref name="shards"/> shard files and a manifest in
    /// <paramref name="directory"/>. Shard s starts near row s·N/S; with sequences at the first sequence start from
    /// there (a sequence is never split, and no shard is empty). Values are written in float64 (single-precision data
    /// as origin + offset). The directory is written atomically: into a new sibling folder, renamed into place when
    /// every file and its checksum are written. An existing empty folder, or a previous shard directory (one whose
    /// manifest.json names the shard format), is replaced; any other existing folder is refused, so no user's files
    /// are deleted. Data mapped from the directory being replaced must not be written back into it.
    /// </summary>
    /// <returns>The manifest's entries: each shard's file, rows, sequences, bytes and checksum.</returns>
    /// <exception cref="ArgumentException">Fewer than one shard, more shards than rows, or (with sequences) more shards than sequences.</exception>
    /// <exception cref="IOException"><paramref name="directory"/> is a file, or a folder that is neither empty nor a shard directory.</exception>
    public static IReadOnlyList<ShardInfo> Write(DataSet data, int shards, string directory)
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireLittleEndian();
        var starts = ShardStarts(data, shards);
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (File.Exists(target))
        {
            throw new IOException($"{directory}: is a file; the shards are written into a folder");
        }

        bool replace = Directory.Exists(target);
        if (replace && Directory.EnumerateFileSystemEntries(target).Any() && !ShardManifest.IsShardDirectory(target))
        {
            throw new IOException($"{directory}: the folder exists and is not a shard directory (no {ShardManifest.FileName} of the shard format); give a new or empty folder");
        }

        string temporary = $"{target}.tmp-{Guid.NewGuid():N}";
        Directory.CreateDirectory(temporary);
        try
        {
            var entries = new ShardEntry[shards];
            for (int s = 0; s < shards; s++)
            {
                int first = starts[s], end = s + 1 < shards ? starts[s + 1] : data.Rows;
                string name = $"shard-{s:D5}.lfs";
                entries[s] = WriteShard(data, first, end - first, Path.Combine(temporary, name), name);
            }

            var manifest = new ShardManifest
            {
                Source = data.Source,
                Rows = data.Rows,
                ColumnNames = data.ColumnNames,
                Categories = [.. Enumerable.Range(0, data.Dimension).Select(data.Categories)],
                SourceColumns = data.SourceColumns,
                RowWeights = data.RowWeights is not null,
                MissingCells = data.HasMissingValues,
                Sequences = data.HasSequences,
                SequenceIds = data.HasSequences && data.SequenceIds is not null,
                Shards = entries,
            };
            using (var stream = new FileStream(Path.Combine(temporary, ShardManifest.FileName), FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(manifest.ToJson());
                stream.Flush(flushToDisk: true);
            }

            if (replace)
            {
                // The old directory is moved aside before the new one takes its name, and deleted only then, so that
                // a failure leaves either the old shards or the new ones under the name, never a mixture.
                string old = $"{target}.old-{Guid.NewGuid():N}";
                Directory.Move(target, old);
                Directory.Move(temporary, target);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temporary, target);
            }

            return [.. entries.Select(e => new ShardInfo(Path.Combine(directory, e.File), e.FirstRow, e.Rows, e.Sequences, e.Bytes, e.Sha256))];
        }
        catch
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            throw;
        }
    }

    /// <summary>The first row of each of <paramref name="shards"/> shards of <paramref name="data"/> (see <see cref="Write"/>).</summary>
    /// <exception cref="ArgumentException">As for <see cref="Write"/>.</exception>
    public static int[] ShardStarts(DataSet data, int shards)
    {
        if (shards < 1)
        {
            throw new ArgumentException($"{data.Source}: the number of shards must be at least 1, got {shards}", nameof(shards));
        }

        if (shards > data.Rows)
        {
            throw new ArgumentException($"{data.Source}: {shards} shards for {data.Rows} rows; a shard holds at least one row, so ask for at most {data.Rows}", nameof(shards));
        }

        var starts = new int[shards];
        if (!data.HasSequences)
        {
            for (int s = 1; s < shards; s++)
            {
                starts[s] = (int)((long)s * data.Rows / shards);
            }

            return starts;
        }

        var sequences = data.SequenceStarts.Span;
        if (shards > sequences.Length)
        {
            throw new ArgumentException($"{data.Source}: {shards} shards for {sequences.Length} sequences; a sequence is never split, so ask for at most {sequences.Length}", nameof(shards));
        }

        int previous = 0;
        for (int s = 1; s < shards; s++)
        {
            // The first sequence starting at or after s·N/S, but after the previous shard's first sequence and leaving
            // one sequence for each shard still to come.
            long target = (long)s * data.Rows / shards;
            int at = sequences.BinarySearch((int)target);
            at = at < 0 ? ~at : at;
            at = Math.Clamp(at, previous + 1, sequences.Length - (shards - s));
            starts[s] = sequences[at];
            previous = at;
        }

        return starts;
    }

    private static ShardEntry WriteShard(DataSet data, int first, int rows, string path, string name)
    {
        int d = data.Dimension;
        var sequenceStarts = data.HasSequences ? DataBlock.StartsWithin(data.SequenceStarts.Span, first, rows).ToArray() : [];
        var ids = data.HasSequences && data.SequenceIds is { } allIds ? allIds.Skip(data.SequenceStarts.Span.BinarySearch(first)).Take(sequenceStarts.Length).ToArray() : null;
        var contents = (data.RowWeights is not null ? ShardContents.RowWeights : 0)
            | (data.HasMissingValues ? ShardContents.MissingCells : 0)
            | (data.HasSequences ? ShardContents.Sequences : 0)
            | (ids is not null ? ShardContents.SequenceIds : 0);
        var header = new ShardHeader(contents, rows, d, sequenceStarts.Length);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        long written = 0;
        void Put(ReadOnlySpan<byte> bytes)
        {
            stream.Write(bytes);
            hash.AppendData(bytes);
            written += bytes.Length;
        }

        Span<byte> headerBytes = stackalloc byte[ShardHeader.Size];
        header.Write(headerBytes);
        Put(headerBytes);

        int rowsPerBuffer = Math.Max(1, BufferValues / d);
        var values = new double[rowsPerBuffer * d];
        for (int row = 0; row < rows; row += rowsPerBuffer)
        {
            int count = Math.Min(rowsPerBuffer, rows - row);
            for (int n = 0; n < count; n++)
            {
                data.CopyRow(first + row + n, values.AsSpan(n * d, d));
            }

            Put(MemoryMarshal.AsBytes(values.AsSpan(0, count * d)));
        }

        if (data.RowWeights is { } weights)
        {
            Put(MemoryMarshal.AsBytes(weights.Span.Slice(first, rows)));
        }

        if (data.HasMissingValues)
        {
            Put(MemoryMarshal.AsBytes(data.MissingCells.Slice(first * d, rows * d)));
        }

        if (data.HasSequences)
        {
            Put(new byte[header.SequencesOffset - written]);
            var local = sequenceStarts.Select(start => start - first).ToArray();
            Put(MemoryMarshal.AsBytes(local.AsSpan()));
            Span<byte> length = stackalloc byte[4];
            foreach (string id in ids ?? [])
            {
                var bytes = Encoding.UTF8.GetBytes(id);
                BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
                Put(length);
                Put(bytes);
            }
        }

        stream.Flush(flushToDisk: true);
        return new ShardEntry(name, first, rows, sequenceStarts.Length, written, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Values, weights and sequence starts are written and mapped in the machine's byte order, which must be the file's.</summary>
    internal static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("shard files are little-endian and are read in place; this machine is big-endian");
        }
    }
}

/// <summary>A shard as written: its file, rows and checksum.</summary>
/// <param name="Path">The shard file.</param>
/// <param name="FirstRow">Its first row among all rows.</param>
/// <param name="Rows">Its number of rows.</param>
/// <param name="Sequences">Its number of sequences (0 when the rows are independent).</param>
/// <param name="Bytes">The file's length.</param>
/// <param name="Sha256">The file's SHA-256, lower-case hexadecimal.</param>
public sealed record ShardInfo(string Path, int FirstRow, int Rows, int Sequences, long Bytes, string Sha256);
