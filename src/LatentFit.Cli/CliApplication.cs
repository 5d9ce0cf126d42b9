using System.CommandLine;
using LatentFit.Cli.Commands;
using LatentFit.Data;
#if LATENTFIT_ORLEANS
using LatentFit.Distributed;
#endif
using LatentFit.Models.Abstractions;
using Spectre.Console;

namespace LatentFit.Cli;

/// <summary>The <c>latentfit</c> command line: parsing, dispatch, and the mapping of failures to exit codes.</summary>
public static class CliApplication
{
    /// <summary>Runs the tool; output goes to <paramref name="console"/>, errors to <paramref name="error"/>.</summary>
    public static int Run(string[] args, IAnsiConsole console, TextWriter error)
    {
        var root = new RootCommand("LatentFit: maximum-likelihood fitting of latent-variable models by EM and by gradient methods, side by side.");
        using var context = new CommandContext(console, error);
        root.Subcommands.Add(FitCommand.Create(context));
        root.Subcommands.Add(CompareCommand.Create(context));
        root.Subcommands.Add(CheckCommand.Create(context));
        root.Subcommands.Add(DecodeCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(ShardCommand.Create(context));
#if LATENTFIT_ORLEANS
        root.Subcommands.Add(SiloCommand.Create(context));
#endif

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                error.WriteLine($"latentfit: error: {ParseErrorText.Describe(parseError)}");
            }

            error.WriteLine("Run 'latentfit --help' for usage.");
            return ExitCodes.BadInput;
        }

        try
        {
            var output = new StringWriter();
            int code = parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
            if (output.GetStringBuilder().Length > 0)
            {
                console.Profile.Out.Writer.Write(output.ToString());
            }

            return code;
        }
        catch (Exception e) when (e is DataFormatException or UsageException or ArgumentException or GradientNotDefinedException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"latentfit: error: {SettingFlags.Describe(e)}");
            return ExitCodes.BadInput;
        }
#if LATENTFIT_ORLEANS
        catch (Exception e) when (e is ClusterUnreachableException or ShardCallFailedException or ShardDataMismatchException)
        {
            error.WriteLine($"latentfit: cluster error: {e.Message}");
            return ExitCodes.ClusterFailed;
        }
#endif
        catch (ModelFailureException e)
        {
            // check fits nothing of the user's: there the failure is of a computation a check needed.
            string what = parse.CommandResult.Command.Name == "check" ? "check could not be completed" : "fit failed";
            error.WriteLine($"latentfit: {what}: {SettingFlags.Describe(e)}");
            return ExitCodes.FitFailed;
        }
    }
}
