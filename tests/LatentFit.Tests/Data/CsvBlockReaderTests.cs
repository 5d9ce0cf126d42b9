using System.Globalization;
using System.Text;
using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary>
/// The block-parallel fast path of <see cref="CsvDataReader.ReadFile"/> against the line-by-line reader
/// (<see cref="CsvDataReader.Read(TextReader, string, IReadOnlyList{string}?, string?, Precision, string?)"/>), a separate
/// implementation, on the same text: the same values, names and weights for any block size and piece count, and where
/// it gives up, the line-by-line reader's error.
/// </summary>
public sealed class CsvBlockReaderTests : IDisposable
{
    private readonly List<string> _paths = [];

    public void Dispose()
    {
        foreach (string path in _paths)
        {
            File.Delete(path);
        }
    }

    private string TempFile(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-blocks-{Guid.NewGuid():N}.csv");
        _paths.Add(path);
        File.WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content));
        return path;
    }

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
}
