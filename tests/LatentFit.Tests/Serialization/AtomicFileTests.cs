using System.Diagnostics;
using LatentFit.Serialization;

namespace LatentFit.Tests.Serialization;

/// <summary>Temporaries of killed writers are removed by the next write; a live writer's temporary is not.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "latentfit-atomic-" + Guid.NewGuid().ToString("N"));

    public AtomicFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A process id that no process has: one that was running and has exited (and is not yet reused).</summary>
    private static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    [Fact]
    public void Write_StaleTemporaryOfKilledWriter_Removed()
    {
        string target = Path.Combine(_folder, "model.json");
        // What `kill -9` during a write leaves: the temporary, named as a writer names it, with that writer's process id.
        string stale = AtomicFile.TemporaryPath(_folder, "model.json", ExitedProcessId());
        File.WriteAllText(stale, "{\"half\": ");
        AtomicFile.WriteAllText(target, "{}");
        Assert.False(File.Exists(stale));
        Assert.Equal("{}", File.ReadAllText(target));
        Assert.Equal(["model.json"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_LiveWritersTemporary_Kept()
    {
        string target = Path.Combine(_folder, "model.json");
        // Process 1 (init) is always running: its temporary is a write in progress.
        string live = AtomicFile.TemporaryPath(_folder, "model.json", 1);
        File.WriteAllText(live, "{\"half\": ");
        AtomicFile.WriteAllText(target, "{}");
        Assert.True(File.Exists(live));
    }

    [Fact]
    public void Write_AnotherMachinesTemporary_KeptUntilADayOld()
    {
        // A folder shared with another host or container: a process id there means nothing here, so the temporary
        // is judged by its age alone.
        string target = Path.Combine(_folder, "model.json");
        string local = Path.GetFileName(AtomicFile.TemporaryPath(_folder, "model.json", ExitedProcessId()));
        string other = Path.Combine(_folder, System.Text.RegularExpressions.Regex.Replace(local, @"latentfit-[A-Za-z0-9_]*-", "latentfit-another_machine_" + Guid.NewGuid().ToString("N") + "-"));
        string otherOld = Path.Combine(_folder, System.Text.RegularExpressions.Regex.Replace(local, @"latentfit-[A-Za-z0-9_]*-[0-9]+-[0-9a-f]{32}", $"latentfit-another_machine-{ExitedProcessId()}-{Guid.NewGuid():N}"));
        File.WriteAllText(other, "{\"half\": ");
        File.WriteAllText(otherOld, "{\"half\": ");
        File.SetLastWriteTimeUtc(otherOld, DateTime.UtcNow - AtomicFile.StaleAge - TimeSpan.FromMinutes(1));
        AtomicFile.WriteAllText(target, "{}");
        Assert.True(File.Exists(other));
        Assert.False(File.Exists(otherOld));
    }

    [Fact]
    public void Write_LiveWritersTemporaryOlderThanADay_Removed()
    {
        string target = Path.Combine(_folder, "model.json");
        string old = AtomicFile.TemporaryPath(_folder, "model.json", 1);
        File.WriteAllText(old, "x");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow - AtomicFile.StaleAge - TimeSpan.FromMinutes(1));
        AtomicFile.WriteAllText(target, "{}");
        Assert.False(File.Exists(old));
    }

    [Fact]
    public void Write_OtherTargetsAndLegacyTemporaries_ByAge()
    {
        string target = Path.Combine(_folder, "model.json");
        string otherTarget = AtomicFile.TemporaryPath(_folder, "other.json", ExitedProcessId());
        string freshLegacy = Path.Combine(_folder, $".model.json.{Guid.NewGuid():N}.tmp");
        string oldLegacy = Path.Combine(_folder, $".model.json.{Guid.NewGuid():N}.tmp");
        foreach (string file in new[] { otherTarget, freshLegacy, oldLegacy })
        {
            File.WriteAllText(file, "x");
        }

        File.SetLastWriteTimeUtc(oldLegacy, DateTime.UtcNow - AtomicFile.LegacyStaleAge - TimeSpan.FromMinutes(1));
        AtomicFile.WriteAllText(target, "{}");
        Assert.True(File.Exists(otherTarget));
        Assert.True(File.Exists(freshLegacy));
        Assert.False(File.Exists(oldLegacy));
    }
}
