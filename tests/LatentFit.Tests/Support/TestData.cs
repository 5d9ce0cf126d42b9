using LatentFit.Data;

namespace LatentFit.Tests.Support;

/// <summary>The embedded data sets, loaded once.</summary>
internal static class TestData
{
    private static readonly Lazy<DataSet> FaithfulData = new(() => EmbeddedDatasets.Load("faithful"));
    private static readonly Lazy<DataSet> IrisData = new(() => EmbeddedDatasets.Load("iris"));
    private static readonly Lazy<DataSet> DeathNoticesData = new(() => EmbeddedDatasets.Load("death_notices"));

    public static DataSet Faithful => FaithfulData.Value;

    public static DataSet Iris => IrisData.Value;

    /// <summary>Deaths per day weighted by days: 1,096 observations in 10 rows.</summary>
    public static DataSet DeathNotices => DeathNoticesData.Value;

    public static DataSet ByName(string name) => name switch
    {
        "faithful" => Faithful,
        "iris" => Iris,
        _ => throw new ArgumentException(name),
    };
}
