using System.Globalization;
using System.Text;
using LatentFit.Data;
using Parquet;
using Parquet.Schema;

namespace LatentFit.Tests.Data;

/// <summary>
/// The Parquet reader against the CSV reader on the same data written both ways (several row groups, nulls, an int
/// column, a string sequence column, string and int categorical columns, weights): the same data set, in double and
/// single precision. And what it refuses, naming the file, row and column.
/// </summary>
public sealed class ParquetDataReaderTests : IDisposable
{
    private readonly List<string> _paths = [];

    public void Dispose() => _paths.ForEach(File.Delete);

    // The data: 3 row groups (4, 1 and 5 rows). Sequence "s1" spans the first two groups, "s2" the next.
    private static readonly string?[] Ids = ["s1", "s1", "s1", "s1", "s1", " s2", "s2", "s3", "s3", "s3"];
    private static readonly double?[] X = [1.5, null, -2.25, 1e-300, 3.0000000000000004, 7, null, 0.1, -0, 123456.789];
    private static readonly int[] N = [3, -1, 0, 2147483647, 5, 6, 7, 8, -2147483648, 10];
    private static readonly string?[] Labels = ["b", "a", null, "NA", " a ", "c", "b", "", "a", "b"];
    private static readonly double[] W = [1, 2, 0.5, 1, 1, 3, 1, 1, 2, 1];
    private static readonly int[] GroupSizes = [4, 1, 5];

    private static readonly DataField IdField = new("id", typeof(string), isNullable: true);
    private static readonly DataField XField = new("x", typeof(double), isNullable: true);
    private static readonly DataField NField = new("n", typeof(int));
    private static readonly DataField LabelField = new("label", typeof(string), isNullable: true);
    private static readonly DataField WeightField = new("w", typeof(double));
    private static readonly DataField FlagField = new("flag", typeof(bool));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadFile_RowGroupsNullsIntsStringsSequences_SameDataSetAsCsv(bool singlePrecision)
    {
        string parquet = await Write(new ParquetSchema(IdField, XField, NField, LabelField, WeightField, FlagField), async (group, at, count) =>
        {
            await group.WriteAsync(IdField, Ids[at..(at + count)]);
            await group.WriteAsync<double>(XField, X.AsMemory(at, count));
            await group.WriteAsync<int>(NField, N.AsMemory(at, count));
            await group.WriteAsync(LabelField, Labels[at..(at + count)]);
            await group.WriteAsync<double>(WeightField, W.AsMemory(at, count));
            await group.WriteAsync<bool>(FlagField, Enumerable.Range(at, count).Select(i => i % 2 == 0).ToArray().AsMemory());
        });
        var csv = new StringBuilder("id,x,n,label,w,flag\n");
        for (int i = 0; i < Ids.Length; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{Ids[i]},{X[i]?.ToString("R", CultureInfo.InvariantCulture)},{N[i]},{Labels[i]},{W[i].ToString("R", CultureInfo.InvariantCulture)},{i % 2 == 0}\n");
        }

        var precision = singlePrecision ? Precision.Single : Precision.Double;
        foreach (var (columns, categorical) in new (string[]? Columns, string[]? Categorical)[] { (["x", "n", "label"], ["label"]), (["label", "n"], ["label", "n"]), (null, ["label", "flag"]) })
        {
            var expected = CsvDataReader.Read(new StringReader(csv.ToString()), parquet, columns, "w", precision, "id", categorical);
            var actual = ParquetDataReader.ReadFile(parquet, columns, "w", precision, sequenceColumn: "id", categoricalColumns: categorical);
            AssertSameData(expected, actual);
        }

        Assert.Equal(["s1", "s2", "s3"], ParquetDataReader.ReadFile(parquet, ["x"], sequenceColumn: "id").SequenceIds);
    }

    [Fact]
    public async Task ReadFile_FloatAndInt64AndNonNullable_ExactDoubles()
    {
        var f = new DataField("f", typeof(float));
        var l = new DataField("l", typeof(long), isNullable: true);
        string path = await Write(new ParquetSchema(f, l), async (group, _, _) =>
        {
            await group.WriteAsync<float>(f, new[] { 0.1f, -3.5f, 1e30f }.AsMemory());
            await group.WriteAsync<long>(l, new long?[] { 9007199254740992, null, -7 }.AsMemory());
        }, [3]);
        var data = ParquetDataReader.ReadFile(path);
        Assert.Equal(["f", "l"], data.ColumnNames);
        Assert.Equal([(double)0.1f, 9007199254740992, -3.5, double.NaN, (double)1e30f, -7], data.Values.ToArray());
        Assert.Equal([false, false, false, true, false, false], data.MissingCells.ToArray());
        Assert.Equal(new DataCell(1, 1, null), data.FirstMissingCell);
    }

    [Fact]
    public async Task ReadFile_NonFiniteValue_RefusedNamingFileRowAndColumn()
    {
        var a = new DataField("a", typeof(double));
        var b = new DataField("b", typeof(double), isNullable: true);
        string path = await Write(new ParquetSchema(a, b), async (group, at, _) =>
        {
            await group.WriteAsync<double>(a, (at == 0 ? new[] { 1.0, 2.0 } : [3.0, 4.0]).AsMemory());
            await group.WriteAsync<double>(b, (at == 0 ? new double?[] { 1.0, null } : [double.PositiveInfinity, 4.0]).AsMemory());
        }, [2, 2]);
        var error = Assert.Throws<DataFormatException>(() => ParquetDataReader.ReadFile(path));
        Assert.Equal($"{path}: row 3, column 2 (\"b\"): non-finite value Infinity; non-finite values (NaN, Inf) are not allowed", error.Message);
        Assert.Equal(2, error.Column);
        Assert.Equal("b", error.ColumnName);
        Assert.Equal([1.0, 2.0, 3.0, 4.0], ParquetDataReader.ReadFile(path, ["a"]).Values.ToArray());
    }

    [Fact]
    public async Task ReadFile_BadRoles_RefusedNamingTheColumn()
    {
        string path = await Write(new ParquetSchema(IdField, XField, WeightField, FlagField), async (group, at, count) =>
        {
            await group.WriteAsync(IdField, (string?[])["a", "a", "b", "a"]);
            await group.WriteAsync<double>(XField, new double?[] { 1, 2, 3, 4 }.AsMemory());
            await group.WriteAsync<double>(WeightField, new[] { 1.0, -1, 1, 1 }.AsMemory());
            await group.WriteAsync<bool>(FlagField, new[] { true, false, true, false }.AsMemory());
        }, [4]);
        Assert.StartsWith($"{path}: column 1 (\"id\") holds text (a string column), not numbers", Fails(path, ["id", "x"]).Message);
        Assert.StartsWith($"{path}: column 4 (\"flag\") has Parquet type Boolean", Fails(path, ["x", "flag"]).Message);
        Assert.StartsWith($"{path}: unknown column \"y\"", Fails(path, ["y"]).Message);
        Assert.Equal($"{path}: row 2, column 3 (\"w\"): weight -1 is negative; weights count observations", Fails(path, ["x"], "w").Message);
        Assert.StartsWith($"{path}: column 1 (\"id\") holds text (a string column), not numbers; weights must be numbers", Fails(path, ["x"], "id").Message);
        Assert.StartsWith($"{path}: row 4, column 1 (\"id\"): sequence \"a\" (first seen on row 1) appears again after another sequence's rows", Fails(path, ["x"], sequence: "id").Message);
        string text = Path.Combine(Path.GetTempPath(), $"latentfit-test-{Guid.NewGuid():N}.parquet");
        _paths.Add(text);
        File.WriteAllText(text, "a,b\n1,2\n");
        Assert.StartsWith($"{text}: not a Parquet file", Assert.Throws<DataFormatException>(() => ParquetDataReader.ReadFile(text)).Message);
    }

    [Fact]
    public async Task DataSourceLoad_ParquetExtensionAnyCase_ReadsParquet()
    {
        var a = new DataField("a", typeof(int));
        string path = await Write(new ParquetSchema(a), async (group, _, _) => await group.WriteAsync<int>(a, new[] { 4, 5 }.AsMemory()), [2]);
        string upper = Path.ChangeExtension(path, ".PARQUET");
        File.Move(path, upper);
        _paths.Add(upper);
        var data = DataSource.Load(upper, precision: Precision.Single);
        Assert.Equal(Precision.Single, data.Precision);
        Assert.Equal([4.0, 5.0], [data[0, 0], data[1, 0]]);
    }

    private DataFormatException Fails(string path, string[] columns, string? weights = null, string? sequence = null) =>
        Assert.Throws<DataFormatException>(() => ParquetDataReader.ReadFile(path, columns, weights, sequenceColumn: sequence));

    /// <summary>A Parquet file of <paramref name="schema"/> with row groups of <paramref name="groups"/> rows (by default <see cref="GroupSizes"/>), each written by <paramref name="write"/>(group, first row, rows).</summary>
    private async Task<string> Write(ParquetSchema schema, Func<ParquetRowGroupWriter, int, int, Task> write, int[]? groups = null)
    {
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-test-{Guid.NewGuid():N}.parquet");
        _paths.Add(path);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        int at = 0;
        foreach (int count in groups ?? GroupSizes)
        {
            using var group = writer.CreateRowGroup();
            await write(group, at, count);
            at += count;
        }

        return path;
    }

    private static void AssertSameData(DataSet expected, DataSet actual)
    {
        Assert.Equal(expected.ColumnNames, actual.ColumnNames);
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Precision, actual.Precision);
        var a = new double[expected.Dimension];
        var b = new double[expected.Dimension];
        for (int n = 0; n < expected.Rows; n++)
        {
            expected.CopyRow(n, a);
            actual.CopyRow(n, b);
            Assert.Equal(a.Select(BitConverter.DoubleToInt64Bits), b.Select(BitConverter.DoubleToInt64Bits));
        }

        Assert.Equal(expected.Origin.ToArray(), actual.Origin.ToArray());
        Assert.Equal(expected.MissingCells.ToArray(), actual.MissingCells.ToArray());
        Assert.Equal(expected.RowWeights?.ToArray(), actual.RowWeights?.ToArray());
        Assert.Equal(expected.SequenceStarts.ToArray(), actual.SequenceStarts.ToArray());
        Assert.Equal(expected.SequenceIds, actual.SequenceIds);
        Assert.Equal(expected.SourceColumns, actual.SourceColumns);
        for (int c = 0; c < expected.Dimension; c++)
        {
            Assert.Equal(expected.Categories(c), actual.Categories(c));
        }

        Assert.Equal(expected.FirstMissingCell is { } cell ? cell with { Line = null } : null, actual.FirstMissingCell);
    }
}
