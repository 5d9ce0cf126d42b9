using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LatentFit.Serialization;

/// <summary>
/// Writes files whole or not at all: the content goes to a temporary file in the same directory, which
/// then replaces the target by a rename, so a reader never sees a half-written file and a failure leaves
/// any earlier file untouched.
/// </summary>
/// <remarks>
/// A writer killed before the rename (<c>kill -9</c>, a power cut) cannot delete its temporary, so temporaries are
/// named to be recognised later: <c>.TARGET.latentfit-HOST-PID-ID.tmp</c>, with the writer's machine and process id.
/// Every write first removes the temporaries of the same target whose writer (on this machine: a process id means
/// nothing on another host or container sharing the folder) is no longer running, or that are older than
/// <see cref="StaleAge"/> (a process id can be reused); a live writer's temporary is left alone. Temporaries of the
/// earlier scheme, <c>.TARGET.ID.tmp</c> without a process id, are removed once older than <see cref="LegacyStaleAge"/>.
/// </remarks>
public static partial class AtomicFile
{
    /// <summary>A temporary older than this is stale whatever its process id says: no write takes this long.</summary>
    public static readonly TimeSpan StaleAge = TimeSpan.FromDays(1);

    /// <summary>A temporary of the earlier scheme (no process id) older than this is stale.</summary>
    public static readonly TimeSpan LegacyStaleAge = TimeSpan.FromHours(1);

    /// <summary>Writes <paramref name="write"/>'s output to <paramref name="path"/> atomically.</summary>
    /// <exception cref="IOException">The directory does not exist or cannot be written.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? ".";
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{path}: the directory {directory} does not exist");
        }

        if (Directory.Exists(fullPath))
        {
            throw new IOException($"{path}: is a directory");
        }

        string name = Path.GetFileName(fullPath);
        RemoveStaleTemporaries(directory, name);
        string temporary = TemporaryPath(directory, name, Environment.ProcessId);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Writes text (UTF-8, no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>The temporary that process <paramref name="processId"/> writes <paramref name="name"/> through, in <paramref name="directory"/>.</summary>
    public static string TemporaryPath(string directory, string name, int processId) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".{name}.latentfit-{Host}-{processId}-{Guid.NewGuid():N}.tmp"));

    /// <summary>This machine's name in letters and digits (others as '_'), so that the name parses back.</summary>
    private static readonly string Host = new(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>
    /// Deletes the temporaries for <paramref name="name"/> in <paramref name="directory"/> that no running writer
    /// owns (see the remarks on <see cref="AtomicFile"/>); returns how many. A temporary that cannot be deleted
    /// (another user's, a read-only directory) is left: cleaning up must never stop a write.
    /// </summary>
    public static int RemoveStaleTemporaries(string directory, string name)
    {
        int removed = 0;
        var now = DateTime.UtcNow;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, ".*.tmp").ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (string file in candidates)
        {
            string fileName = Path.GetFileName(file);
            bool stale;
            var current = TemporaryName().Match(fileName);
            if (current.Success && current.Groups["name"].Value == name)
            {
                int processId = int.Parse(current.Groups["pid"].Value, CultureInfo.InvariantCulture);
                bool here = current.Groups["host"].Value == Host;
                stale = (here && !IsRunning(processId)) || now - File.GetLastWriteTimeUtc(file) > StaleAge;
            }
            else
            {
                var legacy = LegacyTemporaryName().Match(fileName);
                stale = legacy.Success && legacy.Groups["name"].Value == name && now - File.GetLastWriteTimeUtc(file) > LegacyStaleAge;
            }

            if (!stale)
            {
                continue;
            }

            try
            {
                File.Delete(file);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for a later write, or for its owner.
            }
        }

        return removed;
    }

    private static bool IsRunning(int processId)
    {
        if (processId == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // A process that cannot be examined (another user's, on Windows) is taken to be running: its temporary stays.
            return true;
        }
    }

    [GeneratedRegex(@"^\.(?<name>.+)\.latentfit-(?<host>[A-Za-z0-9_]*)-(?<pid>[0-9]{1,9})-[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();

    [GeneratedRegex(@"^\.(?<name>.+)\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyTemporaryName();
}
