using System.Text;

namespace LatentFit.Data;

/// <summary>
/// The fast path of <see cref="CsvDataReader.ReadFile"/>: the UTF-8 bytes of a plain file parsed in blocks, each block's
/// lines split into as many pieces as there are processors and parsed side by side, the values then stored in row
/// order (so the data set is the same for any processor count).
/// </summary>
/// <remarks>
/// It reads only what it can read exactly as the line-by-line reader does, and gives up (null) at the first thing it
/// does not take on: quotes, a lone \r line end, a UTF-16 or UTF-32 byte-order mark, and every bad value (a missing
/// cell is not one: it reads empty, NA and N/A cells of value columns as missing, as the line-by-line reader does). The
/// line-by-line reader then reads the file from the start and words the error, so every message stays that reader's.
/// Fields are parsed from the bytes (no UTF-16 copy of the text, no field list, no trimming before the parse, which
/// itself passes over white space); the timings are in docs/benchmarks.md.
/// </remarks>
public static partial class CsvDataReader
{
    /// <summary>Bytes per block: large enough that splitting a block among threads costs little, small enough to add little to peak memory and to report progress often.</summary>
    internal const int BlockBytes = 1 << 20;

    /// <summary>Where a block is split among threads, no piece shorter than this.</summary>
    private const int MinimumPieceBytes = 64 << 10;

    /// <summary>
    /// Reads <paramref name="path"/> as <see cref="ReadFile"/> does, or gives up (null) where the line-by-line reader
    /// must read it (see the remarks of this class). <paramref name="blockBytes"/>, <paramref name="pieceBytes"/> and
    /// <paramref name="pieceCount"/> (0: the processor count) are there for tests of block and piece edges.
    /// </summary>
    /// <exception cref="DataFormatException">The header is malformed or names an unknown column (the same check and message as the line-by-line reader's).</exception>
    internal static DataSet? TryReadBlocks(string path, CsvColumnRoles roles, int expectedLines, Precision precision, Action<long>? report, int blockBytes = BlockBytes, int pieceBytes = MinimumPieceBytes, int pieceCount = 0)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[blockBytes];
        int filled = Fill(stream, buffer, 0);
        bool finished = filled < buffer.Length;
        var start = buffer.AsSpan(0, filled);
        if (start.StartsWith("\xFE\xFF"u8) || start.StartsWith("\xFF\xFE"u8) || start.StartsWith("\0\0\xFE\xFF"u8))
        {
            return null;
        }

        int offset = start.StartsWith("\xEF\xBB\xBF"u8) ? 3 : 0;
        int lineNumber = 0;
        CsvLayout? layout = null;
        while (layout is null)
        {
            int end = buffer.AsSpan(offset, filled - offset).IndexOf((byte)'\n');
            if (end < 0)
            {
                // A header longer than a block, or a file with no data row: the line-by-line reader's cases.
                return null;
            }

            var line = CsvTokenizer.TrimLineEnd(buffer.AsSpan(offset, end));
            offset += end + 1;
            lineNumber++;
            if (line.Contains((byte)'\r'))
            {
                return null;
            }

            string text = Encoding.UTF8.GetString(line);
            if (lineNumber == 1 && text.StartsWith('\uFEFF'))
            {
                text = text[1..];
            }

            if (!text.AsSpan().IsWhiteSpace())
            {
                var header = CsvTokenizer.HeaderNames(text, path, lineNumber, out char separator);
                layout = CsvLayout.Of(header, separator, lineNumber, path, roles);
            }
        }

        var targets = new int[layout.Header.Count];
        Array.Fill(targets, Piece.Unused);
        for (int i = 0; i < layout.Selected.Length; i++)
        {
            targets[layout.Selected[i]] = i;
        }

        if (layout.WeightIndex >= 0)
        {
            targets[layout.WeightIndex] = Piece.Weight;
        }

        if (layout.SequenceIndex >= 0)
        {
            targets[layout.SequenceIndex] = Piece.Sequence;
        }

        var builder = new CsvDataSetBuilder(layout, path, expectedLines, precision);
        var pieces = Enumerable.Range(0, pieceCount > 0 ? pieceCount : Environment.ProcessorCount).Select(_ => new Piece(targets, layout.Categorical, layout.Separator, layout.Selected.Length)).ToArray();
        long position = filled;
        while (true)
        {
            // The whole lines in the buffer; at the end of the file, the rest, ended or not.
            int last = finished ? filled - 1 : buffer.AsSpan(offset, filled - offset).LastIndexOf((byte)'\n') + offset;
            if (last < offset && !finished)
            {
                if (offset == 0)
                {
                    return null;
                }
            }
            else if (!ParseSideBySide(buffer, offset, last + 1, pieceBytes, pieces, builder, ref lineNumber))
            {
                return null;
            }
            else
            {
                offset = last + 1;
            }

            report?.Invoke(position);
            if (finished)
            {
                break;
            }

            // Keep the partial line at the front and read on.
            buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
            filled -= offset;
            offset = 0;
            int read = Fill(stream, buffer, filled);
            position += read;
            finished = filled + read < buffer.Length;
            filled += read;
        }

        return builder.Finish();
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; the number of bytes read.</summary>
    private static int Fill(Stream stream, byte[] buffer, int from)
    {
        int total = 0, read;
        while (from + total < buffer.Length && (read = stream.Read(buffer, from + total, buffer.Length - from - total)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>
    /// Splits the lines in buffer[from, to) into pieces at line ends, parses the pieces side by side, and stores their
    /// rows in order; false where a piece gave up.
    /// </summary>
    private static bool ParseSideBySide(byte[] buffer, int from, int to, int pieceBytes, Piece[] pieces, CsvDataSetBuilder builder, ref int lineNumber)
    {
        int count = Math.Clamp((to - from) / pieceBytes, 1, pieces.Length);
        var bounds = new int[count + 1];
        bounds[0] = from;
        bounds[count] = to;
        for (int p = 1; p < count; p++)
        {
            int at = Math.Max(bounds[p - 1], from + (int)((long)(to - from) * p / count));
            int newline = buffer.AsSpan(at, to - at).IndexOf((byte)'\n');
            bounds[p] = newline < 0 ? to : at + newline + 1;
        }

        if (count == 1)
        {
            pieces[0].Parse(buffer.AsSpan(from, to - from));
        }
        else
        {
            Parallel.For(0, count, p => pieces[p].Parse(buffer.AsSpan(bounds[p], bounds[p + 1] - bounds[p])));
        }

        for (int p = 0; p < count; p++)
        {
            var piece = pieces[p];
            if (piece.Failed)
            {
                return false;
            }

            int missing = 0, label = 0;
            for (int row = 0; row < piece.Rows; row++)
            {
                int line = lineNumber + piece.RowLines[row];
                if (piece.HasSequences && !builder.TryNextSequence(buffer.AsSpan(bounds[p] + piece.IdStarts[row], piece.IdLengths[row]), line))
                {
                    return false;
                }

                for (; missing < piece.Missing.Count && piece.Missing[missing] / piece.Dimension == row; missing++)
                {
                    builder.MarkMissing((builder.Rows * piece.Dimension) + (piece.Missing[missing] % piece.Dimension), line);
                }

                // Labels get their codes here, in row order, so the codes (first seen, first coded) do not depend on the pieces.
                for (; label < piece.Labels.Count && piece.Labels[label].Cell / piece.Dimension == row; label++)
                {
                    var (cell, start, length) = piece.Labels[label];
                    piece.Values[cell] = builder.CategoryCode(buffer.AsSpan(bounds[p] + start, length), cell % piece.Dimension);
                }

                if (!builder.TryAddParsedRow(piece.Values.AsSpan(row * piece.Dimension, piece.Dimension), piece.Weights[row], line))
                {
                    return false;
                }
            }

            lineNumber += piece.Lines;
        }

        return true;
    }

    /// <summary>
    /// One thread's share of a block: its rows' values in row order (missing cells as NaN, listed in <see cref="Missing"/>),
    /// their weights, sequence ids and category labels (where in the piece's text) and line numbers (from 1 within the piece).
    /// </summary>
    private sealed class Piece(int[] targets, bool[] categorical, char separator, int dimension)
    {
        /// <summary>A column that is not read.</summary>
        public const int Unused = -1;

        /// <summary>The weights column.</summary>
        public const int Weight = -2;

        /// <summary>The sequence-id column.</summary>
        public const int Sequence = -3;

        public bool HasSequences { get; } = targets.Contains(Sequence);

        /// <summary>The missing cells, as row × <see cref="Dimension"/> + column within the piece, increasing.</summary>
        public List<int> Missing { get; } = [];

        /// <summary>The categorical cells that are not missing (row × <see cref="Dimension"/> + column, increasing) and where their labels lie in the piece's text.</summary>
        public List<(int Cell, int Start, int Length)> Labels { get; } = [];

        public int[] IdStarts { get; private set; } = new int[1024];

        public int[] IdLengths { get; private set; } = new int[1024];

        public int Dimension { get; } = dimension;

        public double[] Values { get; private set; } = new double[1024 * dimension];

        public double[] Weights { get; private set; } = new double[1024];

        public int[] RowLines { get; private set; } = new int[1024];

        public int Rows { get; private set; }

        public int Lines { get; private set; }

        public bool Failed { get; private set; }

        public void Parse(ReadOnlySpan<byte> text)
        {
            (Rows, Lines, Failed) = (0, 0, false);
            Missing.Clear();
            Labels.Clear();
            int length = text.Length;
            byte separatorByte = (byte)separator;
            bool decimalComma = separator != ',';
            while (!text.IsEmpty)
            {
                int lineStart = length - text.Length;
                int end = text.IndexOf((byte)'\n');
                var line = CsvTokenizer.TrimLineEnd(end < 0 ? text : text[..end]);
                int lineLength = line.Length;
                text = end < 0 ? default : text[(end + 1)..];
                Lines++;
                if (line.IndexOfAny((byte)'\r', (byte)'"') >= 0)
                {
                    Failed = true;
                    return;
                }

                if (line.IndexOfAnyExcept(CsvTokenizer.BlankBytes) < 0)
                {
                    continue;
                }

                if (Rows == RowLines.Length)
                {
                    Grow();
                }

                int field = 0, at = Rows * Dimension;
                while (true)
                {
                    int separatorAt = line.IndexOf(separatorByte);
                    var fieldText = separatorAt < 0 ? line : line[..separatorAt];
                    if (field >= targets.Length)
                    {
                        Failed = true;
                        return;
                    }

                    int target = targets[field++];
                    if (target >= 0 && categorical[target])
                    {
                        if (CsvTokenizer.IsMissing(fieldText))
                        {
                            Missing.Add(at + target);
                            Values[at + target] = double.NaN;
                        }
                        else
                        {
                            Labels.Add((at + target, lineStart + lineLength - line.Length, fieldText.Length));
                        }
                    }
                    else if (target >= 0)
                    {
                        if (!CsvTokenizer.TryParseFinite(fieldText, decimalComma, out double value))
                        {
                            if (!CsvTokenizer.IsMissing(fieldText))
                            {
                                Failed = true;
                                return;
                            }

                            value = double.NaN;
                            Missing.Add(at + target);
                        }

                        Values[at + target] = value;
                    }
                    else if (target == Weight)
                    {
                        if (!CsvTokenizer.TryParseFinite(fieldText, decimalComma, out double weight) || weight < 0)
                        {
                            Failed = true;
                            return;
                        }

                        Weights[Rows] = weight;
                    }
                    else if (target == Sequence)
                    {
                        // Where the id lies in the piece's text: the merge compares it with the row before's.
                        IdStarts[Rows] = lineStart + lineLength - line.Length;
                        IdLengths[Rows] = fieldText.Length;
                    }

                    if (separatorAt < 0)
                    {
                        break;
                    }

                    line = line[(separatorAt + 1)..];
                }

                if (field != targets.Length)
                {
                    Failed = true;
                    return;
                }

                RowLines[Rows++] = Lines;
            }
        }

        private void Grow()
        {
            int capacity = 2 * RowLines.Length;
            var values = Values;
            var weights = Weights;
            var rowLines = RowLines;
            var idStarts = IdStarts;
            var idLengths = IdLengths;
            Array.Resize(ref values, capacity * Dimension);
            Array.Resize(ref weights, capacity);
            Array.Resize(ref rowLines, capacity);
            Array.Resize(ref idStarts, capacity);
            Array.Resize(ref idLengths, capacity);
            (Values, Weights, RowLines, IdStarts, IdLengths) = (values, weights, rowLines, idStarts, idLengths);
        }
    }
}
