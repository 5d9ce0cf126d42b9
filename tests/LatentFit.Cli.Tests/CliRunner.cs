using System.Diagnostics;
using LatentFit.Cli;
using Spectre.Console;

namespace LatentFit.Cli.Tests;

/// <summary>Runs the tool in-process with captured output, as a user's terminal would see it (without colour).</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 220;
        var error = new StringWriter();
        int code = CliApplication.Run(args, console, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// The CLI as a separate process (output read and dropped), with extra environment variables: for what needs a
    /// process of its own (a kill, a memory limit, the instruction sets).
    /// </summary>
    public static Process Start(string[] args, params (string Name, string Value)[] environment)
    {
        var process = Process.Start(StartInfo(args, environment))!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The CLI as a separate process with extra environment variables, to its end: its exit code and output.</summary>
    public static (int Code, string Out, string Err) RunProcess(string[] args, params (string Name, string Value)[] environment)
    {
        using var process = Process.Start(StartInfo(args, environment))!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    private static ProcessStartInfo StartInfo(string[] args, (string Name, string Value)[] environment)
    {
        // The CLI built beside the tests, run by the same dotnet host.
        string cli = Path.Combine(AppContext.BaseDirectory, "LatentFit.Cli.dll");
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(cli);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}

/// <summary>A temporary directory, deleted with its contents on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "latentfit-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name, string? content = null)
    {
        string path = System.IO.Path.Combine(Path, name);
        if (content is not null)
        {
            System.IO.File.WriteAllText(path, content);
        }

        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Peer reference numbers (tests/LatentFit.Tests/References, copied next to the tests).</summary>
internal static class Reference
{
    public static System.Text.Json.JsonElement Json(string name) =>
        System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "References", name))).RootElement.Clone();

    /// <summary>mclust's maximised log-likelihood (<c>best</c>) from mclust_loglik.json.</summary>
    public static double MclustLogLikelihood(string dataset, int components, string mclustModel)
    {
        return Json("mclust_loglik.json").GetProperty("cases").EnumerateArray().Single(r => r.GetProperty("dataset").GetString() == dataset && r.GetProperty("k").GetInt32() == components && r.GetProperty("mclustModel").GetString() == mclustModel).GetProperty("best").GetDouble();
    }
}
