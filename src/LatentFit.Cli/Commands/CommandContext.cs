using Spectre.Console;

namespace LatentFit.Cli.Commands;

/// <summary>What every command writes to, and what it holds open until the command ends (a cluster connection).</summary>
public sealed class CommandContext(IAnsiConsole console, TextWriter? error = null) : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <summary>Standard output as a Spectre console (tables; plain text when redirected).</summary>
    public IAnsiConsole Console { get; } = console;

    /// <summary>Standard error: progress of a cluster (retried calls) and warnings that are not the command's output.</summary>
    public TextWriter Error { get; } = error ?? TextWriter.Null;

    /// <summary>Keeps <paramref name="resource"/> until the command ends, then disposes of it.</summary>
    public T Own<T>(T resource)
        where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    /// <summary>Disposes of what the command held, last first.</summary>
    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        _owned.Clear();
    }
}
