using System.CommandLine;
using System.Globalization;
using LatentFit.Cli.Reporting;
using LatentFit.Data;
using LatentFit.Data.Shards;
using Spectre.Console;

namespace LatentFit.Cli.Commands;

/// <summary><c>latentfit shard</c>: reads data as <c>fit</c> does and writes them as a shard directory that <c>--data DIR</c> opens memory-mapped.</summary>
internal static class ShardCommand
{
    public static Command Create(CommandContext context)
    {
        var options = new ModelOptions { ProgressConsole = context.Console };
        var shards = new Option<int>("--shards") { Description = "Number of shard files (cut near every N/S rows, never inside a sequence)", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Folder to write the shards and manifest.json into (created; a previous shard folder there is replaced, any other non-empty folder refused)", Required = true };
        var categorical = new Option<bool>("--categorical") { Description = "Read every value column as categories (for a categorical hmm emission)" };
        var command = new Command("shard", "Write data as shard files with a manifest, which --data DIR opens memory-mapped (data larger than memory; one shard per machine).");
        command.Options.Add(options.Data);
        command.Options.Add(options.Columns);
        command.Options.Add(options.Weights);
        command.Options.Add(options.SequenceColumn);
        command.Options.Add(categorical);
        command.Options.Add(shards);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            int count = parse.GetValue(shards);
            if (count < 1)
            {
                throw new UsageException($"--shards must be at least 1, got {count}");
            }

            string directory = parse.GetValue(output)!;
            OutputPaths.RequireFolder("--output", directory, options.Inputs(parse), overwrites: null);
            string source = parse.GetValue(options.Data)!;
            var data = LoadProgress.Load(context.Console, source, progress => DataSource.Load(source, ModelOptions.ParseColumns(parse.GetValue(options.Columns)), parse.GetValue(options.Weights), Precision.Double, progress, parse.GetValue(options.SequenceColumn), parse.GetValue(categorical) ? CsvDataReader.EveryValueColumn : null));
            var written = ShardWriter.Write(data, count, directory);
            var console = context.Console;
            console.WriteLine($"{data.Source}: {data.Rows} rows × {data.Dimension} columns ({string.Join(", ", data.ColumnNames)}){(data.HasSequences ? $", {data.SequenceStarts.Length} sequences" : string.Empty)}");
            foreach (var shard in written)
            {
                string sequences = data.HasSequences ? $", {shard.Sequences} sequences" : string.Empty;
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {shard.Path}: rows {shard.FirstRow + 1}–{shard.FirstRow + shard.Rows} ({shard.Rows} rows{sequences}), {shard.Bytes} bytes, sha256 {shard.Sha256}"));
            }

            console.WriteLine($"wrote {Path.Combine(directory, "manifest.json")} ({written.Count} shards); use it with --data {directory}");
            return ExitCodes.Success;
        });
        return command;
    }
}
