using System.Text;
using LatentFit.Data;
using LatentFit.Fitting;
using LatentFit.Serialization;

namespace LatentFit.Tests.Serialization;

/// <summary>The header of a model file: version, model, structure, for files written by hand, by older and by newer versions.</summary>
public sealed class ModelFileHeaderTests
{
    private static ModelFileHeader Read(string json) => ModelFileHeader.Read(Encoding.UTF8.GetBytes(json), "m.json", ModelCatalog.ParameterFields);

    [Fact]
    public void Read_CurrentFile_VersionModelAndCovariance()
    {
        var header = Read("{\"formatVersion\": 1, \"model\": \"gmm\", \"covariance\": \"diag\", \"weights\": [1]}");
        Assert.Equal(new ModelFileHeader(1, "gmm", true, "diag"), header);
    }

    [Fact]
    public void Read_FileWithoutVersion_ReadAsBefore()
    {
        Assert.Equal(new ModelFileHeader(null, "poisson", true, null), Read("{\"model\": \"poisson\", \"weights\": [1], \"rates\": [2]}"));
    }

    [Theory]
    [InlineData("{\"weights\": [1], \"rates\": [2]}", "poisson")]
    [InlineData("{\"weights\": [1], \"means\": [[0]], \"covariances\": [[[1]]]}", "gmm")]
    public void Read_HandWrittenFile_ModelFromItsFields(string json, string model)
    {
        var header = Read(json);
        Assert.Equal(model, header.Model);
        Assert.False(header.ModelStated);
    }

    [Fact]
    public void Read_NewerVersion_RefusedNamingBothVersions()
    {
        var error = Assert.Throws<DataFormatException>(() => Read($"{{\"formatVersion\": {ModelFileHeader.CurrentFormatVersion + 1}, \"model\": \"gmm\"}}"));
        Assert.Contains("m.json", error.Message);
        Assert.Contains($"format version {ModelFileHeader.CurrentFormatVersion + 1}", error.Message);
        Assert.Contains($"up to {ModelFileHeader.CurrentFormatVersion}", error.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("\"1\"")]
    public void Read_MalformedVersion_Refused(string version) =>
        Assert.Contains("formatVersion", Assert.Throws<DataFormatException>(() => Read($"{{\"formatVersion\": {version}}}")).Message);
}
