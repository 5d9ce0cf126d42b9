using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace LatentFit.Data.Shards;

/// <summary>
/// Opens a shard directory (<see cref="ShardWriter"/>) as a <see cref="DataSet"/> whose values are memory-mapped from
/// the shard files, not read into memory. Row weights, missing-cell flags, sequence starts and ids are read into
/// arrays (8 bytes a row, one byte a cell and a few bytes a sequence: small beside the values' 8 bytes a cell).
/// Every shard file is checked before use: its length and SHA-256 against the manifest, its header, and each value
/// (finite, or NaN in a cell flagged missing; a categorical column's codes in range), in one pass over the file.
/// </summary>
public static class ShardedData
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Whether <paramref name="directory"/> is a shard directory (it holds a manifest of the shard format).</summary>
    public static bool IsShardDirectory(string directory) => Directory.Exists(directory) && ShardManifest.IsShardDirectory(directory);

    /// <summary>
    /// All shards of <paramref name="directory"/> as one data set, with <see cref="DataSetLayout.ShardStarts"/> set, so
    /// that its partition cuts every shard on its own (<see cref="BlockPartition"/> groups) and a block never spans two
    /// shards. Its <see cref="DataSet.Source"/> is <paramref name="directory"/>.
    /// </summary>
    /// <exception cref="DataFormatException">The manifest or a shard file is missing, truncated, of another version, corrupt (checksum) or malformed; the message names the file.</exception>
    public static DataSet Open(string directory)
    {
        ShardWriter.RequireLittleEndian();
        var manifest = ShardManifest.Read(directory);
        var shards = manifest.Shards.Select(entry => ReadShard(directory, manifest, entry)).ToArray();
        int d = manifest.Dimension;
        double[]? weights = manifest.RowWeights ? new double[manifest.Rows] : null;
        bool[]? missing = manifest.MissingCells ? new bool[manifest.Rows * d] : null;
        var sequenceStarts = new List<int>();
        var ids = manifest.SequenceIds ? new List<string>() : null;
        for (int s = 0; s < shards.Length; s++)
        {
            var entry = manifest.Shards[s];
            shards[s].Weights?.CopyTo(weights!, entry.FirstRow);
            shards[s].Missing?.CopyTo(missing!, entry.FirstRow * d);
            sequenceStarts.AddRange(shards[s].SequenceStarts.Select(start => start + entry.FirstRow));
            ids?.AddRange(shards[s].SequenceIds!);
        }

        var starts = manifest.Shards.Select(e => e.FirstRow).ToArray();
        var values = new MappedValues([.. shards.Select(s => s.Mapping)], starts, manifest.Rows, d, directory);
        return new DataSet(directory, manifest.ColumnNames, values, weights, Layout(manifest, missing, sequenceStarts.ToArray(), ids?.ToArray()) with { ShardStarts = starts });
    }

    /// <summary>
    /// <see cref="Open"/>, for a <c>--data DIR</c> that came with the reading options of a CSV file: the shards were cut
    /// from data already read, so options that choose columns or roles are honoured only when they name what the shards
    /// hold (<paramref name="columns"/> the value columns in order, <paramref name="weightsColumn"/> the weights column,
    /// <paramref name="sequenceColumn"/> the sequence-id column), and refused otherwise; an option left out takes what
    /// the shards hold. <paramref name="categoricalColumns"/> (null: none; <see cref="CsvDataReader.EveryValueColumn"/>:
    /// all) must name exactly the shards' categorical columns, since a model of numbers cannot read category codes nor
    /// the reverse. Single precision converts the mapped values into a float32 array in memory.
    /// </summary>
    /// <exception cref="DataFormatException">An option does not match the shards, or as for <see cref="Open"/>.</exception>
    public static DataSet Load(string directory, IReadOnlyList<string>? columns, string? weightsColumn, Precision precision, string? sequenceColumn, IReadOnlyList<string>? categoricalColumns)
    {
        var data = Open(directory);
        string Refuse(string what) => throw new DataFormatException($"{directory}: {what}; the shards were written with their columns and roles chosen (write them again with `latentfit shard` to choose others)", directory);
        if (columns is not null && !columns.SequenceEqual(data.ColumnNames))
        {
            Refuse($"--columns {string.Join(",", columns)} is not the shards' value columns ({string.Join(",", data.ColumnNames)})");
        }

        string? weights = data.SourceColumns.Where(c => c.Role == ColumnRole.FrequencyWeight).Select(c => c.Name).FirstOrDefault();
        if (weightsColumn is not null && weightsColumn != weights)
        {
            Refuse(weights is null ? $"--weights {weightsColumn}, but the shards hold no row weights" : $"--weights {weightsColumn}, but the shards' weights are column {weights}");
        }

        string? sequences = data.SourceColumns.Where(c => c.Role == ColumnRole.SequenceId).Select(c => c.Name).FirstOrDefault();
        if (sequenceColumn is not null && sequenceColumn != sequences)
        {
            Refuse(sequences is null ? $"--sequence-column {sequenceColumn}, but the shards hold no sequence ids" : $"--sequence-column {sequenceColumn}, but the shards' sequence ids are column {sequences}");
        }

        var categorical = Enumerable.Range(0, data.Dimension).Where(data.IsCategorical).Select(c => data.ColumnNames[c]).ToArray();
        var wanted = categoricalColumns is null ? [] : ReferenceEquals(categoricalColumns, CsvDataReader.EveryValueColumn) ? data.ColumnNames.ToArray() : categoricalColumns.ToArray();
        if (!wanted.Order(StringComparer.Ordinal).SequenceEqual(categorical.Order(StringComparer.Ordinal)))
        {
            Refuse(categorical.Length == 0
                ? "the model reads categories, but the shards hold numbers (write them with `latentfit shard --categorical`)"
                : $"the shards hold categorical column(s) {string.Join(", ", categorical)}, which this model does not read as categories");
        }

        return precision == Precision.Single ? data.ToSinglePrecision() : data;
    }

    /// <summary>
    /// Shard <paramref name="shard"/> of <paramref name="directory"/> alone: its rows as a data set of their own (rows
    /// from 0, its sequences' local starts; one group), what a machine holding that shard computes on. Its partition
    /// is group <paramref name="shard"/> of <see cref="Open"/>'s, shifted by the shard's first row. Only this shard's
    /// file is read and checked; its <see cref="DataSet.Source"/> is the shard file's path.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">There is no shard <paramref name="shard"/>.</exception>
    /// <exception cref="DataFormatException">As for <see cref="Open"/>.</exception>
    public static DataSet OpenShard(string directory, int shard)
    {
        ShardWriter.RequireLittleEndian();
        var manifest = ShardManifest.Read(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, manifest.Shards.Count);
        var entry = manifest.Shards[shard];
        var content = ReadShard(directory, manifest, entry);
        var values = new MappedValues([content.Mapping], [0], entry.Rows, manifest.Dimension, Path.Combine(directory, entry.File));
        return new DataSet(Path.Combine(directory, entry.File), manifest.ColumnNames, values, content.Weights, Layout(manifest, content.Missing, content.SequenceStarts, content.SequenceIds));
    }

    /// <summary>The number of shards in <paramref name="directory"/> and their first rows, from the manifest alone.</summary>
    /// <exception cref="DataFormatException">As for <see cref="Open"/>.</exception>
    public static IReadOnlyList<int> ShardStarts(string directory) => [.. ShardManifest.Read(directory).Shards.Select(e => e.FirstRow)];

    private static DataSetLayout Layout(ShardManifest manifest, bool[]? missing, int[] sequenceStarts, string[]? ids) => new()
    {
        // A data set made in memory with weights names no weights column; it opens as it was, with default roles.
        SourceColumns = manifest.RowWeights && !manifest.SourceColumns.Any(c => c.Role == ColumnRole.FrequencyWeight) ? null : manifest.SourceColumns,
        Categories = manifest.Categories.Any(c => c is not null) ? manifest.Categories : null,
        MissingCells = missing,
        SequenceStarts = manifest.Sequences ? sequenceStarts : null,
        SequenceIds = ids,
    };

    private sealed record ShardContent(ShardMapping Mapping, double[]? Weights, bool[]? Missing, int[] SequenceStarts, string[]? SequenceIds);

    private static ShardContent ReadShard(string directory, ShardManifest manifest, ShardEntry entry)
    {
        string path = Path.Combine(directory, entry.File);
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: shard file missing (listed in {Path.Combine(directory, ShardManifest.FileName)})", path);
        }

        long length = new FileInfo(path).Length;
        if (length != entry.Bytes)
        {
            throw new DataFormatException($"{path}: {length} bytes, but the manifest says {entry.Bytes}: the shard file is {(length < entry.Bytes ? "truncated" : "longer than written")}", path);
        }

        var check = new ValueCheck(manifest, entry, path);
        Verify(path, entry, check);
        var header = check.Header!.Value;
        var expected = (manifest.RowWeights ? ShardContents.RowWeights : 0) | (manifest.MissingCells ? ShardContents.MissingCells : 0)
            | (manifest.Sequences ? ShardContents.Sequences : 0) | (manifest.SequenceIds ? ShardContents.SequenceIds : 0);
        if (header.Rows != entry.Rows || header.Dimension != manifest.Dimension || header.Sequences != entry.Sequences || header.Contents != expected || header.FixedLength > length)
        {
            throw new DataFormatException($"{path}: the header ({header.Rows} rows × {header.Dimension} columns, {header.Sequences} sequences, flags {(int)header.Contents}) does not match the manifest ({entry.Rows} × {manifest.Dimension}, {entry.Sequences}, flags {(int)expected})", path);
        }

        var mapping = new ShardMapping(path, header.ValuesOffset);
        double[]? weights = header.WeightsOffset > 0 ? MemoryMarshal.Cast<byte, double>(mapping.Bytes(header.WeightsOffset, 8 * header.Rows)).ToArray() : null;
        bool[]? missing = null;
        if (header.MissingOffset > 0)
        {
            var flags = mapping.Bytes(header.MissingOffset, header.Rows * header.Dimension);
            if (flags.IndexOfAnyExcept((byte)0, (byte)1) is int bad and >= 0)
            {
                throw new DataFormatException($"{path}: missing-cell flag of row {bad / header.Dimension + 1}, column {bad % header.Dimension + 1} is {flags[bad]}, not 0 or 1", path);
            }

            missing = MemoryMarshal.Cast<byte, bool>(flags).ToArray();
        }

        check.Finish(mapping, missing);
        var starts = header.Sequences > 0 ? MemoryMarshal.Cast<byte, int>(mapping.Bytes(header.SequencesOffset, 4 * header.Sequences)).ToArray() : [];
        if (manifest.Sequences && starts[0] != 0)
        {
            throw new DataFormatException($"{path}: the shard's first sequence starts at row {starts[0]}, not 0; a shard must start with a sequence", path);
        }

        string[]? ids = header.Contents.HasFlag(ShardContents.SequenceIds) ? ReadIds(mapping, header, length, path) : null;
        return new ShardContent(mapping, weights, missing, starts, ids);
    }

    private static string[] ReadIds(ShardMapping mapping, ShardHeader header, long length, string path)
    {
        var ids = new string[header.Sequences];
        long at = header.FixedLength;
        for (int i = 0; i < ids.Length; i++)
        {
            int size = at + 4 <= length ? BinaryPrimitives.ReadInt32LittleEndian(mapping.Bytes(at, 4)) : -1;
            if (size < 0 || at + 4 + size > length)
            {
                throw new DataFormatException($"{path}: sequence id {i + 1} runs past the end of the file", path);
            }

            ids[i] = Encoding.UTF8.GetString(mapping.Bytes(at + 4, size));
            at += 4 + size;
        }

        if (at != length)
        {
            throw new DataFormatException($"{path}: {length - at} bytes after the last sequence id", path);
        }

        return ids;
    }

    /// <summary>Hashes the file in one sequential pass, and checks its values as they pass by (see <see cref="ValueCheck"/>).</summary>
    private static void Verify(string path, ShardEntry entry, ValueCheck check)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[ChunkBytes];
        long offset = 0;
        int read;
        while ((read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            check.Scan(buffer.AsSpan(0, read), offset);
            offset += read;
        }

        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new DataFormatException($"{path}: SHA-256 {actual} does not match the manifest's {entry.Sha256}: the shard file is corrupt or was changed", path);
        }

        check.RequireHeader();
    }

    /// <summary>
    /// The checks of a shard's values, made on the bytes as the checksum pass reads them (so the values are read once
    /// on open): the header from the first bytes, then each value finite or NaN, and a categorical column's codes
    /// whole numbers in range. NaN cells are counted, and matched to the missing-cell flags (which follow the values)
    /// in <see cref="Finish"/>. Failures are reported only after the checksum matched, so a corrupt file is called corrupt.
    /// </summary>
    private sealed class ValueCheck(ShardManifest manifest, ShardEntry entry, string path)
    {
        private long _nanCells;
        private long _firstBad = -1;

        public ShardHeader? Header { get; private set; }

        private DataFormatException? _headerError;

        public void Scan(ReadOnlySpan<byte> bytes, long offset)
        {
            if (offset == 0)
            {
                try
                {
                    Header = ShardHeader.Read(bytes, path);
                }
                catch (DataFormatException e)
                {
                    _headerError = e;
                }
            }

            if (Header is not { } header || header.Dimension != manifest.Dimension)
            {
                return;
            }

            // Chunks are multiples of 8 bytes and the values start at byte 64, so values never straddle chunks.
            long valuesEnd = header.ValuesOffset + (8L * header.Rows * header.Dimension);
            long from = Math.Max(offset, header.ValuesOffset), to = Math.Min(offset + bytes.Length, valuesEnd);
            if (from >= to)
            {
                return;
            }

            var values = MemoryMarshal.Cast<byte, double>(bytes[(int)(from - offset)..(int)(to - offset)]);
            long firstCell = (from - header.ValuesOffset) / 8;
            int d = header.Dimension;
            for (int i = 0; i < values.Length; i++)
            {
                double value = values[i];
                int column = (int)((firstCell + i) % d);
                if (double.IsNaN(value))
                {
                    _nanCells++;
                }
                else if (!double.IsFinite(value) || (manifest.Categories[column] is { } labels && !(value >= 0 && value < labels.Count && value == Math.Floor(value))))
                {
                    if (_firstBad < 0)
                    {
                        _firstBad = firstCell + i;
                    }
                }
            }
        }

        public void RequireHeader()
        {
            if (_headerError is not null)
            {
                throw _headerError;
            }
        }

        public void Finish(ShardMapping mapping, bool[]? missing)
        {
            var header = Header!.Value;
            int d = header.Dimension;
            if (_firstBad >= 0)
            {
                long cell = _firstBad;
                double value = MemoryMarshal.Cast<byte, double>(mapping.Bytes(header.ValuesOffset + (8 * cell), 8))[0];
                int column = (int)(cell % d);
                string what = manifest.Categories[column] is { } labels ? $"holds {value}, not a category code from 0 to {labels.Count - 1}" : $"holds {value}, which is not finite";
                throw new DataFormatException($"{path}: row {cell / d + 1} of the shard (row {entry.FirstRow + cell / d + 1} of all), column {column + 1} (\"{manifest.ColumnNames[column]}\") {what}", path, null, column + 1, manifest.ColumnNames[column]);
            }

            long flagged = missing is null ? 0 : missing.Count(m => m);
            if (flagged == _nanCells)
            {
                // As many NaN cells as flags: every flagged cell must then hold NaN, checked at the flags alone.
                int at = missing is null ? -1 : Array.IndexOf(missing, true);
                while (at >= 0)
                {
                    if (!double.IsNaN(MemoryMarshal.Cast<byte, double>(mapping.Bytes(header.ValuesOffset + (8L * at), 8))[0]))
                    {
                        break;
                    }

                    at = Array.IndexOf(missing!, true, at + 1);
                }

                if (at < 0)
                {
                    return;
                }
            }

            // A NaN without a flag or a flag without a NaN: find the first such cell for the message.
            for (int cell = 0; cell < header.Rows * d; cell++)
            {
                bool isNaN = double.IsNaN(MemoryMarshal.Cast<byte, double>(mapping.Bytes(header.ValuesOffset + (8L * cell), 8))[0]);
                bool isMissing = missing?[cell] == true;
                if (isNaN != isMissing)
                {
                    throw new DataFormatException($"{path}: row {cell / d + 1} of the shard (row {entry.FirstRow + cell / d + 1} of all), column {cell % d + 1} (\"{manifest.ColumnNames[cell % d]}\") {(isNaN ? "holds NaN but is not flagged missing" : "is flagged missing but holds a value")}", path, null, cell % d + 1, manifest.ColumnNames[cell % d]);
                }
            }
        }
    }
}
