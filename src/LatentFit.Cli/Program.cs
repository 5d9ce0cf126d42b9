using LatentFit.Cli;
using Spectre.Console;

return CliApplication.Run(args, AnsiConsole.Console, Console.Error);
