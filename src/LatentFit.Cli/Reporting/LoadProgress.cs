using LatentFit.Data;
using Spectre.Console;

namespace LatentFit.Cli.Reporting;

/// <summary>
/// A progress bar while a large data file loads, on a terminal only: redirected output (a file, a pipe, a test's
/// console) gets nothing, so logs and captured output stay byte-for-byte what they were. The library reports the
/// fraction read through <see cref="IProgress{T}"/>; only this class draws.
/// </summary>
internal static class LoadProgress
{
    /// <summary>Files smaller than this load in well under a second, where a bar would only flicker.</summary>
    public const long MinimumBytes = 32L << 20;

    public static DataSet Load(IAnsiConsole? console, string nameOrPath, Func<IProgress<double>?, DataSet> load)
    {
        if (console is null)
        {
            return load(null);
        }

        if (!console.Profile.Capabilities.Interactive || Console.IsOutputRedirected || Console.IsErrorRedirected
            || DataSource.IsEmbedded(nameOrPath) || !File.Exists(nameOrPath) || new FileInfo(nameOrPath).Length < MinimumBytes)
        {
            return load(null);
        }

        DataSet? data = null;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask($"reading {Markup.Escape(Path.GetFileName(nameOrPath))}", maxValue: 1);
                data = load(new Progress(task));
                task.Value = 1;
            });
        return data!;
    }

    /// <summary>Sets the bar synchronously (<see cref="Progress{T}"/> would post to a thread-pool context and lag behind).</summary>
    private sealed class Progress(ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = Math.Clamp(value, 0, 1);
    }
}
