using LatentFit.Data;

namespace LatentFit.Tests.Data;

/// <summary>The sequence ids a data set keeps for output, and data without ids marked as one sequence.</summary>
public sealed class SequenceIdTests
{
    private const string Text = "id,x\nb7,1\nb7,2\n\"a, 1\",3\nz,4\nz,5\nz,6\n";

    [Fact]
    public void Read_SequenceColumn_IdsAsWrittenInOrderOfTheSequences()
    {
        var data = CsvDataReader.Read(new StringReader(Text), "data.csv", null, null, Precision.Double, "id");
        Assert.Equal([0, 2, 3], data.SequenceStarts.ToArray());
        Assert.Equal(["b7", "a, 1", "z"], data.SequenceIds);
    }

    [Fact]
    public void ReadFile_SequenceColumn_SameIdsAsTheLineByLineReader()
    {
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-ids-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, Text);
        try
        {
            Assert.Equal(["b7", "a, 1", "z"], CsvDataReader.ReadFile(path, sequenceColumn: "id").SequenceIds);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AsOneSequence_IndependentRows_OneSequenceSameValues()
    {
        var data = CsvDataReader.Read(new StringReader(Text), "data.csv", ["x"], null, Precision.Double, null);
        Assert.False(data.HasSequences);
        var one = data.AsOneSequence();
        Assert.Equal([0], one.SequenceStarts.ToArray());
        Assert.Null(one.SequenceIds);
        Assert.Equal(data.Values.ToArray(), one.Values.ToArray());
        Assert.Equal(data.ColumnNames, one.ColumnNames);
        Assert.Single(one.Partition(2).Blocks);
    }

    [Fact]
    public void AsOneSequence_DataWithSequences_Unchanged()
    {
        var data = CsvDataReader.Read(new StringReader(Text), "data.csv", null, null, Precision.Double, "id");
        Assert.Same(data, data.AsOneSequence());
    }
}
