using LatentFit.Cli;
using Spectre.Console;

var console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    // Redirected output has no terminal width; Spectre would wrap at 80 columns and split summary lines.
    console.Profile.Width = 240;
}

return CliApplication.Run(args, console, Console.Error);
