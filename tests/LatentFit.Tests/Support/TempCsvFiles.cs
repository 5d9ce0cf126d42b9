using System.Text;

namespace LatentFit.Tests.Support;

/// <summary>CSV files written to the temporary folder as UTF-8 without a byte-order mark, deleted on dispose.</summary>
internal sealed class TempCsvFiles : IDisposable
{
    private readonly List<string> _paths = [];

    /// <summary>A new file holding <paramref name="content"/>; its path.</summary>
    public string Create(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-test-{Guid.NewGuid():N}.csv");
        _paths.Add(path);
        File.WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content));
        return path;
    }

    public void Dispose() => _paths.ForEach(File.Delete);
}
