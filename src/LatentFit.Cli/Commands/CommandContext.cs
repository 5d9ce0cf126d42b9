using Spectre.Console;

namespace LatentFit.Cli.Commands;

/// <summary>What every command writes to.</summary>
public sealed class CommandContext(IAnsiConsole console)
{
    /// <summary>Standard output as a Spectre console (tables; plain text when redirected).</summary>
    public IAnsiConsole Console { get; } = console;
}
