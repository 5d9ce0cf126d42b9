using LatentFit.Data;

namespace LatentFit.Tests.Support;

/// <summary>The embedded data sets, loaded once.</summary>
internal static class TestData
{
    private static readonly Lazy<DataSet> FaithfulData = new(() => EmbeddedDatasets.Load("faithful"));
    private static readonly Lazy<DataSet> IrisData = new(() => EmbeddedDatasets.Load("iris"));

    public static DataSet Faithful => FaithfulData.Value;

    public static DataSet Iris => IrisData.Value;

    public static DataSet ByName(string name) => name switch
    {
        "faithful" => Faithful,
        "iris" => Iris,
        _ => throw new ArgumentException(name),
    };
}
