using System.Globalization;
using System.Text;
using LatentFit.Data;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Data;

/// <summary>
/// The block-parallel fast path of <see cref="CsvDataReader.ReadFile"/> against the line-by-line reader
/// (<see cref="CsvDataReader.Read(TextReader, string, IReadOnlyList{string}?, string?, Precision, string?)"/>), a separate
/// implementation, on the same text: the same values, names and weights for any block size and piece count, and where
/// it gives up, the line-by-line reader's error.
/// </summary>
public sealed class CsvBlockReaderTests : IDisposable
{
    private readonly TempCsvFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string TempFile(string content) => _files.Create(content);

    /// <summary>Rows of random numbers in several spellings, with blank lines, CRLF and LF, white space and an unselected text column.</summary>
    private static string Mixed(int rows, char separator, bool decimalComma, int seed)
    {
        var random = new Random(seed);
        string s = separator.ToString();
        var text = new StringBuilder($"a{s}label{s}b{s}w{s}c\r\n");
        for (int n = 0; n < rows; n++)
        {
            string Number(double x, int style) => (style switch
            {
                0 => x.ToString("R", CultureInfo.InvariantCulture),
                1 => x.ToString("G17", CultureInfo.InvariantCulture),
                2 => x.ToString("E3", CultureInfo.InvariantCulture),
                _ => $" {Math.Round(x):F0} ",
            }) is var written && decimalComma ? written.Replace('.', ',') : written;

            double Draw() => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 6));
            text.Append(Number(Draw(), random.Next(4))).Append(separator).Append(random.Next(3) == 0 ? "x y" : "ü")
                .Append(separator).Append(Number(Draw(), random.Next(4))).Append(separator).Append(random.Next(5))
                .Append(separator).Append(Number(Draw(), random.Next(4)));
            text.Append(random.Next(10) == 0 ? "\n\n \t\n" : random.Next(2) == 0 ? "\r\n" : "\n");
        }

        return text.ToString();
    }

    [Theory]
    [InlineData(',', false, 160, 256, 1)]
    [InlineData(',', false, 97, 40, 3)]
    [InlineData(',', false, 1 << 20, 1000, 4)]
    [InlineData(';', true, 131, 50, 2)]
    [InlineData('\t', false, 4096, 300, 5)]
    public void TryReadBlocks_MixedText_SameAsLineByLine(char separator, bool decimalComma, int blockBytes, int pieceBytes, int pieceCount)
    {
        string content = Mixed(700, separator, decimalComma, seed: blockBytes);
        string path = TempFile(content);
        string[] columns = ["c", "a", "b"];
        var expected = CsvDataReader.Read(new StringReader(content), path, columns, "w");
        var actual = CsvDataReader.TryReadBlocks(path, new CsvColumnRoles(columns, "w", null), expectedLines: 0, Precision.Double, report: null, blockBytes, pieceBytes, pieceCount);

        Assert.NotNull(actual);
        Assert.Equal(expected.ColumnNames, actual.ColumnNames);
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Values.ToArray(), actual.Values.ToArray());
        Assert.Equal(expected.RowWeights!.Value.ToArray(), actual.RowWeights!.Value.ToArray());
    }

    [Fact]
    public void TryReadBlocks_SinglePrecision_SameAsLineByLine()
    {
        string content = Mixed(3000, ',', decimalComma: false, seed: 7);
        string path = TempFile(content);
        var expected = CsvDataReader.Read(new StringReader(content), path, ["a", "b"], null, Precision.Single);
        var actual = CsvDataReader.TryReadBlocks(path, new CsvColumnRoles(["a", "b"], null, null), expectedLines: 0, Precision.Single, report: null, blockBytes: 1000, pieceBytes: 100, pieceCount: 3);

        Assert.NotNull(actual);
        Assert.Equal(expected.Rows, actual.Rows);
        for (int n = 0; n < expected.Rows; n++)
        {
            Assert.Equal(expected[n, 0], actual[n, 0]);
            Assert.Equal(expected[n, 1], actual[n, 1]);
        }
    }

    [Theory]
    [InlineData("x,y\n1,2\n3,\"4\"\n")]
    [InlineData("x,y\n1,2\r3,4\n")]
    [InlineData("x,y\n1,2\n\n3,abc\n")]
    [InlineData("x,y\n1,2\n3,4,5\n")]
    [InlineData("x,y\n1,2\n3,1e999\n")]
    public void ReadFile_WhatTheFastPathDoesNotTake_LineByLineResultOrError(string content)
    {
        string path = TempFile(content);
        Assert.Null(CsvDataReader.TryReadBlocks(path, default, expectedLines: 0, Precision.Double, report: null, blockBytes: 8, pieceBytes: 1, pieceCount: 2));
        DataSet? expected = null;
        DataFormatException? expectedError = null;
        try
        {
            expected = CsvDataReader.Read(new StringReader(content), path);
        }
        catch (DataFormatException e)
        {
            expectedError = e;
        }

        if (expectedError is not null)
        {
            Assert.Equal(expectedError.Message, Assert.Throws<DataFormatException>(() => CsvDataReader.ReadFile(path)).Message);
        }
        else
        {
            Assert.Equal(expected!.Values.ToArray(), CsvDataReader.ReadFile(path).Values.ToArray());
        }
    }

    [Fact]
    public void ReadFile_SequenceIdComingBack_SameErrorAsLineByLine()
    {
        var text = new StringBuilder("y,id\n");
        for (int n = 0; n < 500; n++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{n},s{n / 7}\n");
        }

        text.Append("0,s3\n");
        string path = TempFile(text.ToString());
        var expected = Assert.Throws<DataFormatException>(() => CsvDataReader.Read(new StringReader(text.ToString()), path, sequenceColumn: "id"));
        var actual = Assert.Throws<DataFormatException>(() => CsvDataReader.ReadFile(path, sequenceColumn: "id"));
        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal(502, actual.Line);
    }

    /// <summary>Random rows with missing cells of every spelling, sequences of random lengths (some of one row) and weights.</summary>
    private static string WithMissingAndSequences(int rows, char separator, int seed)
    {
        var random = new Random(seed);
        string[] missing = ["", "NA", "na", "N/A", "  ", " NA "];
        var text = new StringBuilder($"a{separator}id{separator}b{separator}w{separator}c\n");
        int sequence = 0, left = 0;
        for (int n = 0; n < rows; n++)
        {
            if (left == 0)
            {
                sequence++;
                left = random.Next(3) == 0 ? 1 : random.Next(1, 40);
            }

            left--;
            string Cell() => random.Next(6) == 0 ? missing[random.Next(missing.Length)] : ((random.NextDouble() - 0.5) * 100).ToString("R", CultureInfo.InvariantCulture);
            text.Append(Cell()).Append(separator).Append(CultureInfo.InvariantCulture, $" q{sequence}").Append(separator).Append(Cell())
                .Append(separator).Append(random.Next(1, 4)).Append(separator).Append(Cell());
            text.Append(random.Next(2) == 0 ? "\r\n" : "\n");
        }

        return text.ToString();
    }

    [Theory]
    [InlineData(',', 160, 256, 1)]
    [InlineData(',', 97, 40, 3)]
    [InlineData('\t', 4096, 300, 5)]
    [InlineData(';', 1 << 20, 1000, 2)]
    public void TryReadBlocks_MissingCellsAndSequences_SameAsLineByLine(char separator, int blockBytes, int pieceBytes, int pieceCount)
    {
        string content = WithMissingAndSequences(900, separator, seed: blockBytes);
        string path = TempFile(content);
        string[] columns = ["c", "a", "b"];
        var expected = CsvDataReader.Read(new StringReader(content), path, columns, "w", Precision.Double, "id");
        var actual = CsvDataReader.TryReadBlocks(path, new CsvColumnRoles(columns, "w", "id"), expectedLines: 0, Precision.Double, report: null, blockBytes, pieceBytes, pieceCount);

        Assert.NotNull(actual);
        Assert.True(expected.HasMissingValues);
        Assert.True(expected.SequenceStarts.Length > 20);
        Assert.Equal(expected.Values.ToArray(), actual.Values.ToArray());
        Assert.Equal(expected.MissingCells.ToArray(), actual.MissingCells.ToArray());
        Assert.Equal(expected.FirstMissingCell, actual.FirstMissingCell);
        Assert.Equal(expected.SequenceStarts.ToArray(), actual.SequenceStarts.ToArray());
        Assert.Equal(expected.RowWeights!.Value.ToArray(), actual.RowWeights!.Value.ToArray());
        Assert.Equal(expected.SourceColumns, actual.SourceColumns);
    }

    [Fact]
    public void TryReadBlocks_MissingCellsSinglePrecision_SameAsLineByLine()
    {
        string content = WithMissingAndSequences(3000, ',', seed: 5);
        string path = TempFile(content);
        var expected = CsvDataReader.Read(new StringReader(content), path, ["a", "b"], null, Precision.Single);
        var actual = CsvDataReader.TryReadBlocks(path, new CsvColumnRoles(["a", "b"], null, null), expectedLines: 0, Precision.Single, report: null, blockBytes: 1000, pieceBytes: 100, pieceCount: 3);

        Assert.NotNull(actual);
        Assert.Equal(expected.MissingCells.ToArray(), actual.MissingCells.ToArray());
        for (int n = 0; n < expected.Rows; n++)
        {
            Assert.Equal(expected[n, 0], actual[n, 0]);
            Assert.Equal(expected[n, 1], actual[n, 1]);
        }
    }
}
