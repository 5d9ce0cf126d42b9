using System.Text;
using System.Text.Json;
using LatentFit.Data;
using LatentFit.Models.Categorical;
using LatentFit.Serialization;

namespace LatentFit.Tests.Serialization;

/// <summary>The categorical emission's JSON fields: a round trip that keeps every bit and the labels, and refusals that name the file and the field.</summary>
public sealed class CategoricalEmissionJsonTests
{
    private static string Write(IReadOnlyList<string> labels, CategoricalEmissionParameters emission)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("model", "hmm");
            CategoricalEmissionJson.WriteFields(json, labels, emission);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static CategoricalEmission Read(string json, int? components = null) =>
        CategoricalEmissionJson.Read(Encoding.UTF8.GetBytes(json), "m.json", components);

    [Fact]
    public void WriteThenRead_ProbabilitiesAndLabels_BitIdentical()
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 3 * 4).Select(i => i == 5 ? 0 : random.NextDouble()).ToArray();
        var emission = CategoricalEmissionParameters.Create(4, rows);
        string[] labels = ["A", "C", "G", "sunny \"day\""];
        string json = Write(labels, emission);
        Assert.Contains("\"categories\":[\"A\",\"C\",\"G\",", json);
        var back = Read(json, components: 3);
        Assert.Equal(labels, back.Categories);
        Assert.Equal(emission.Probabilities.ToArray(), back.Parameters.Probabilities.ToArray());
        Assert.Equal(0.0, back.Parameters.Probabilities[5]);
    }

    [Fact]
    public void Read_ShapeOfFile_AsTheIssueWritesIt()
    {
        var emission = Read("""{"model":"hmm","emission":"categorical","k":2,"categories":["A","C","G","T"],"probabilities":[[0.1,0.2,0.3,0.4],[0.25,0.25,0.5,0]]}""", 2);
        Assert.Equal(["A", "C", "G", "T"], emission.Categories);
        Assert.Equal(2, emission.Parameters.Components);
        Assert.Equal([0.25, 0.25, 0.5, 0], emission.Parameters.Row(1).ToArray());
    }

    [Theory]
    [InlineData("""{"probabilities":[[0.5,0.5]]}""", "m.json: missing property \"categories\"")]
    [InlineData("""{"categories":["A","C"]}""", "m.json: missing property \"probabilities\"")]
    [InlineData("""{"categories":"AC","probabilities":[[0.5,0.5]]}""", "m.json: categories: expected an array, found string")]
    [InlineData("""{"categories":["A"],"probabilities":[[1]]}""", "m.json: categories: a categorical emission needs at least 2 categories, found 1")]
    [InlineData("""{"categories":["A",3],"probabilities":[[0.5,0.5]]}""", "m.json: categories[1]: expected a string label, found 3")]
    [InlineData("""{"categories":["A","A"],"probabilities":[[0.5,0.5]]}""", "m.json: categories[1]: label \"A\" repeats categories[0]; labels must be unique")]
    [InlineData("""{"categories":["A","NA"],"probabilities":[[0.5,0.5]]}""", "m.json: categories[1]: label \"NA\" could never match a data cell")]
    [InlineData("""{"categories":["A"," C"],"probabilities":[[0.5,0.5]]}""", "m.json: categories[1]: label \" C\" could never match a data cell")]
    [InlineData("""{"categories":["A","C"],"probabilities":[]}""", "m.json: probabilities: needs at least one row")]
    [InlineData("""{"categories":["A","C"],"probabilities":[[0.5,0.5],[1]]}""", "m.json: probabilities[1]: expected 2 entries, found 1")]
    [InlineData("""{"categories":["A","C"],"probabilities":[[0.5,"x"]]}""", "m.json: probabilities[0][1]: expected a finite number, found \"x\"")]
    [InlineData("""{"categories":["A","C"],"probabilities":[[1.5,-0.5]]}""", "m.json: probabilities[0][1]: -0.5 is negative")]
    [InlineData("""{"categories":["A","C"],"probabilities":[[0.5,0.4]]}""", "m.json: probabilities[0]: sums to 0.9; each row is a probability distribution")]
    [InlineData("""[1]""", "m.json: the top level must be a JSON object with categories and probabilities")]
    public void Read_BadField_DataFormatExceptionNamingFileAndField(string json, string expected)
    {
        var error = Assert.Throws<DataFormatException>(() => Read(json));
        Assert.StartsWith(expected, error.Message);
        Assert.Equal("m.json", error.DataSource);
    }

    [Fact]
    public void Read_RowsNotK_Refused()
    {
        var error = Assert.Throws<DataFormatException>(() => Read("""{"categories":["A","C"],"probabilities":[[0.5,0.5]]}""", components: 2));
        Assert.Equal("m.json: probabilities: expected 2 entries, found 1", error.Message);
    }

    [Fact]
    public void Read_NotJson_NamesLineAndColumn()
    {
        var error = Assert.Throws<DataFormatException>(() => Read("{\n\"categories\": [\"A\",\n}"));
        Assert.StartsWith("m.json:3: column ", error.Message);
        Assert.Equal(3, error.Line);
    }
}
