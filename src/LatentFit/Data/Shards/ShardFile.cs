using System.Buffers.Binary;

namespace LatentFit.Data.Shards;

/// <summary>What a shard file holds besides its values (bits of the header's flags field).</summary>
[Flags]
internal enum ShardContents
{
    None = 0,
    RowWeights = 1,
    MissingCells = 2,
    Sequences = 4,
    SequenceIds = 8,
}

/// <summary>
/// The header of a shard file, and where its parts lie. Layout (little-endian): the header of <see cref="Size"/>
/// bytes — magic "LFSHARD\0", version (int32), flags (int32, <see cref="ShardContents"/>), rows (int64), dimension
/// (int32), sequences (int32), then the byte offsets of the values, the row weights, the missing-cell flags and the
/// sequences (int64 each, 0 for a part that is absent) — then the values, row-major float64 from byte 64 (8-byte
/// aligned, so a mapped view can be read as doubles in place), the row weights (float64), the missing-cell flags (one
/// byte per cell, 0 or 1), and, from the next multiple of 8, the sequences' local first rows (int32) followed by their
/// ids (each an int32 byte length and UTF-8 bytes).
/// </summary>
internal readonly record struct ShardHeader(ShardContents Contents, int Rows, int Dimension, int Sequences)
{
    /// <summary>Bytes of the header; the values start here.</summary>
    public const int Size = 64;

    /// <summary>The version of the shard file layout.</summary>
    public const int Version = 1;

    private static ReadOnlySpan<byte> Magic => "LFSHARD\0"u8;

    public long ValuesOffset => Size;

    public long WeightsOffset => Contents.HasFlag(ShardContents.RowWeights) ? ValuesOffset + (8L * Rows * Dimension) : 0;

    public long MissingOffset => Contents.HasFlag(ShardContents.MissingCells) ? ValuesOffset + (8L * Rows * Dimension) + (Contents.HasFlag(ShardContents.RowWeights) ? 8L * Rows : 0) : 0;

    /// <summary>Where the sequence starts begin: after the values, weights and flags, rounded up to 8 bytes.</summary>
    public long SequencesOffset => Contents.HasFlag(ShardContents.Sequences) ? (EndOfCells + 7) / 8 * 8 : 0;

    private long EndOfCells => ValuesOffset + (8L * Rows * Dimension) + (Contents.HasFlag(ShardContents.RowWeights) ? 8L * Rows : 0) + (Contents.HasFlag(ShardContents.MissingCells) ? (long)Rows * Dimension : 0);

    /// <summary>Bytes before the sequence ids (the whole file when there are none).</summary>
    public long FixedLength => Contents.HasFlag(ShardContents.Sequences) ? SequencesOffset + (4L * Sequences) : EndOfCells;

    public void Write(Span<byte> header)
    {
        header[..Size].Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], (int)Contents);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], Rows);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], Dimension);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], Sequences);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], ValuesOffset);
        BinaryPrimitives.WriteInt64LittleEndian(header[40..], WeightsOffset);
        BinaryPrimitives.WriteInt64LittleEndian(header[48..], MissingOffset);
        BinaryPrimitives.WriteInt64LittleEndian(header[56..], SequencesOffset);
    }

    /// <summary>Reads a header and checks that it is one, of this version, with consistent offsets.</summary>
    /// <exception cref="DataFormatException">It is not; the message names <paramref name="path"/>.</exception>
    public static ShardHeader Read(ReadOnlySpan<byte> header, string path)
    {
        if (header.Length < Size || !header[..8].SequenceEqual(Magic))
        {
            throw new DataFormatException($"{path}: not a LatentFit shard file (no LFSHARD header)", path);
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (version != Version)
        {
            throw new DataFormatException($"{path}: shard file version {version}; this build reads version {Version}", path);
        }

        long rows = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        int sequences = BinaryPrimitives.ReadInt32LittleEndian(header[28..]);
        var contents = (ShardContents)BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (rows < 1 || dimension < 1 || rows * dimension > int.MaxValue || sequences < 0 || ((int)contents & ~15) != 0)
        {
            throw new DataFormatException($"{path}: header of {rows} rows × {dimension} columns, {sequences} sequences, flags {(int)contents}: not a valid shard", path);
        }

        var parsed = new ShardHeader(contents, (int)rows, dimension, sequences);
        if (BinaryPrimitives.ReadInt64LittleEndian(header[32..]) != parsed.ValuesOffset || BinaryPrimitives.ReadInt64LittleEndian(header[40..]) != parsed.WeightsOffset
            || BinaryPrimitives.ReadInt64LittleEndian(header[48..]) != parsed.MissingOffset || BinaryPrimitives.ReadInt64LittleEndian(header[56..]) != parsed.SequencesOffset)
        {
            throw new DataFormatException($"{path}: the header's offsets do not fit its rows, columns and flags", path);
        }

        return parsed;
    }
}
