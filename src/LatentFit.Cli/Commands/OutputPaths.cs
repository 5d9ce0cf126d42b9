using LatentFit.Data;

namespace LatentFit.Cli.Commands;

/// <summary>An input file of the command, by the option that named it.</summary>
/// <param name="Option">The option, e.g. <c>--data</c>.</param>
/// <param name="Path">The path as the user wrote it.</param>
internal sealed record InputFile(string Option, string Path);

/// <summary>
/// Checks an output path before any work is done: it must not be (or, for a folder, hold) an input of the same
/// command, compared as canonical full paths with symbolic links resolved, and its folder must exist and take a
/// new file. Writability is tested by creating and deleting a probe file, not by reading permission bits, which
/// do not bind root and say nothing of read-only mounts or access-control lists.
/// </summary>
internal static class OutputPaths
{
    private const int MaximumLinks = 40;

    /// <summary>The inputs among <c>--data</c> and <c>--init</c> that are files (not embedded data set names).</summary>
    public static IReadOnlyList<InputFile> Inputs(string? data, string? init)
    {
        var inputs = new List<InputFile>();
        if (data is { } dataPath && !DataSource.IsEmbedded(dataPath))
        {
            inputs.Add(new InputFile("--data", dataPath));
        }

        if (init is not null)
        {
            inputs.Add(new InputFile("--init", init));
        }

        return inputs;
    }

    /// <summary>A file that will be replaced: not an input, not a folder, in a folder that exists and can be written.</summary>
    /// <exception cref="UsageException">Any of these fails; the message names <paramref name="option"/> and the user's path.</exception>
    public static void RequireFile(string option, string path, IReadOnlyList<InputFile> inputs)
    {
        string target = Canonical(path);
        foreach (var input in inputs)
        {
            if (SamePath(Canonical(input.Path), target))
            {
                throw new UsageException($"{option} {path} is the {input.Option} file {input.Path}: writing it would destroy the input; choose another output file");
            }

            // A folder input (a shard directory) is all its files: none of them may be replaced.
            if (Directory.Exists(input.Path) && target.StartsWith(Canonical(input.Path) + Path.DirectorySeparatorChar, PathComparison))
            {
                throw new UsageException($"{option} {path} is inside the {input.Option} folder {input.Path}: writing it could destroy the input; choose a file outside it");
            }
        }

        if (Directory.Exists(target))
        {
            throw new UsageException($"{option} {path}: is a folder; give a file name");
        }

        RequireWritableFolder(option, path, Path.GetDirectoryName(target) ?? ".");
    }

    /// <summary>
    /// A folder that will be created or written into: not a file, not holding an input that
    /// <paramref name="overwrites"/> would replace (a file name in the folder, or every file when null: the folder is
    /// replaced whole), and writable (or its parent, when the folder does not exist yet).
    /// </summary>
    /// <exception cref="UsageException">Any of these fails; the message names <paramref name="option"/> and the user's path.</exception>
    public static void RequireFolder(string option, string path, IReadOnlyList<InputFile> inputs, IReadOnlyList<string>? overwrites)
    {
        string target = Canonical(path);
        if (File.Exists(target))
        {
            bool isInput = inputs.Any(i => SamePath(Canonical(i.Path), target));
            throw new UsageException($"{option} {path}: is a file{(isInput ? " (an input of this command)" : string.Empty)}, but {option} names a folder; give a folder name");
        }

        foreach (var input in inputs)
        {
            string inputPath = Canonical(input.Path);
            bool inside = overwrites is null
                ? inputPath.StartsWith(target + Path.DirectorySeparatorChar, PathComparison) || SamePath(inputPath, target)
                : overwrites.Any(name => SamePath(Path.Combine(target, name), inputPath));

            // A folder input (a shard directory) is all its files: the output folder may not be it or lie inside it.
            if (Directory.Exists(inputPath) && (SamePath(inputPath, target) || target.StartsWith(inputPath + Path.DirectorySeparatorChar, PathComparison)))
            {
                throw new UsageException($"{option} {path} is {(SamePath(inputPath, target) ? "the" : "inside the")} {input.Option} folder {input.Path}: writing there could destroy the input; choose another folder");
            }

            if (inside)
            {
                string what = overwrites is null ? "the folder is replaced whole" : "its file would be overwritten";
                throw new UsageException($"{option} {path} holds the {input.Option} file {input.Path}, and {what}; choose another folder");
            }
        }

        RequireWritableFolder(option, path, Directory.Exists(target) ? target : Path.GetDirectoryName(target) ?? ".");
    }

    // The default file systems of Windows and macOS (NTFS, APFS) ignore letter case, so there Data.csv and data.csv are
    // one file; Linux's are case-sensitive. A case-sensitive folder on macOS is then refused too, which is only cautious.
    private static readonly StringComparison PathComparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static bool SamePath(string a, string b) => string.Equals(a, b, PathComparison);

    /// <summary>The full path with every symbolic link along it resolved (the path need not exist; its existing part is resolved).</summary>
    public static string Canonical(string path) => Canonical(Path.GetFullPath(path), 0);

    private static string Canonical(string fullPath, int depth)
    {
        string root = Path.GetPathRoot(fullPath) ?? "/";
        string current = root;
        foreach (string part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (depth < MaximumLinks && info.LinkTarget is { } link)
            {
                // A relative target is relative to the link's folder; the target may itself pass through links.
                next = Canonical(Path.GetFullPath(link, current), depth + 1);
            }

            current = next;
        }

        return current;
    }

    private static void RequireWritableFolder(string option, string path, string folder)
    {
        if (!Directory.Exists(folder))
        {
            string? existing = folder;
            while (existing is not null && !Directory.Exists(existing) && !File.Exists(existing))
            {
                existing = Path.GetDirectoryName(existing);
            }

            string why = existing is not null && File.Exists(existing)
                ? $"{existing} is a file, not a folder"
                : $"the folder {folder} does not exist";
            throw new UsageException($"{option} {path}: {why}");
        }

        string probe = Path.Combine(folder, $".latentfit-probe-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {path}: cannot write in the folder {folder} ({e.GetType().Name switch { nameof(UnauthorizedAccessException) => "permission denied", _ => ReasonWithoutProbe(e) }})");
        }
        finally
        {
            if (File.Exists(probe))
            {
                File.Delete(probe);
            }
        }
    }

    /// <summary>The system's reason without the probe file's own name, which means nothing to the user.</summary>
    private static string ReasonWithoutProbe(Exception e)
    {
        int colon = e.Message.IndexOf(" : ", StringComparison.Ordinal);
        return colon > 0 ? e.Message[..colon] : e.Message.Split('\'')[0].Trim();
    }
}
