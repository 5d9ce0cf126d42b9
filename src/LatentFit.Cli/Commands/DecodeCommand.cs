using System.CommandLine;
using System.Globalization;
using System.Text;
using LatentFit.Cli.Reporting;
using LatentFit.Data;
using LatentFit.Fitting;
using LatentFit.Serialization;
using Spectre.Console;

namespace LatentFit.Cli.Commands;

/// <summary>
/// <c>latentfit decode</c>: the most probable state path (Viterbi) and the posterior state probabilities of every row
/// under a fitted hidden Markov model, as CSV: <c>sequence,position,state,p1,…,pK</c>.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create(CommandContext context)
    {
        var model = new Option<string>("--model") { Description = "JSON file of a hidden Markov model (what 'fit --model hmm -o' writes)", Required = true };
        var data = new Option<string>("--data")
        {
            Description = $"CSV file with a header row, a shard folder written by 'latentfit shard', or an embedded data set by name: {string.Join(", ", EmbeddedDatasets.Names)}",
            Required = true,
        };
        var columns = new Option<string?>("--columns") { Description = "Comma-separated columns to use, in this order (default: all); the model's columns" };
        var sequenceColumn = new Option<string?>("--sequence-column") { Description = "Column of sequence ids (the file grouped by it); without it the whole file is one sequence" };
        var output = new Option<string>("--output", "-o") { Description = "CSV file to write (atomically): sequence,position,state,p1,…,pK, one row per observation; states and positions numbered from 1", Required = true };
        var command = new Command("decode", "The most probable state path (Viterbi) and the posterior state probabilities of every observation under a fitted hidden Markov model.");
        command.Options.Add(model);
        command.Options.Add(data);
        command.Options.Add(columns);
        command.Options.Add(sequenceColumn);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            string modelPath = parse.GetValue(model)!, dataPath = parse.GetValue(data)!, outputPath = parse.GetValue(output)!;
            OutputPaths.RequireFile("--output", outputPath, [.. OutputPaths.Inputs(dataPath, null), new InputFile("--model", modelPath)]);
            var family = HiddenMarkovFamily.Instance;
            var header = ModelCatalog.ReadHeader(modelPath);
            if (header.Model != family.Name)
            {
                string holds = header.Model is { } name && ModelCatalog.TryGet(name, out var other) ? $"holds a {other.Title} ({other.Name})" : "is not a model file latentfit wrote";
                throw new UsageException($"--model {modelPath} {holds}; decode needs a {family.Title} (a file written by 'fit --model {family.Name} -o')");
            }

            var categorical = family.ReadsCategories(null, modelPath) ? CsvDataReader.EveryValueColumn : null;
            var dataSet = LoadProgress.Load(context.Console, dataPath, progress => DataSource.Load(dataPath, ModelOptions.ParseColumns(parse.GetValue(columns)), null, Precision.Double, progress, parse.GetValue(sequenceColumn), categorical));
            var specification = family.ReadModel(modelPath, new ModelSettings { Data = dataSet });
            var decoding = specification.Decode();
            if (!double.IsFinite(decoding.LogLikelihood))
            {
                throw new DataFormatException($"{dataSet.Source}: the model in {modelPath} gives these data probability 0 (a row that no state can emit, or a transition the model forbids); check that the columns are the model's", dataSet.Source);
            }

            AtomicFile.WriteAllText(outputPath, Csv(specification.Data, decoding));
            var console = context.Console;
            console.WriteLine($"{specification.Data.Source}: {specification.Data.Rows} rows in {specification.Sequences} sequence{(specification.Sequences == 1 ? string.Empty : "s")}; {specification.Description}");
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"log-likelihood {Tables.Number(decoding.LogLikelihood)}; state counts on the Viterbi path: {string.Join(", ", Enumerable.Range(0, decoding.States).Select(k => $"{k + 1}: {decoding.Path.Count(s => s == k)}"))}"));
            console.WriteLine($"wrote {outputPath}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The decoding as CSV, one row per observation in the data's order.</summary>
    internal static string Csv(DataSet data, HmmDecoding decoding)
    {
        int k = decoding.States;
        var text = new StringBuilder("sequence,position,state");
        for (int j = 1; j <= k; j++)
        {
            text.Append(CultureInfo.InvariantCulture, $",p{j}");
        }

        text.Append('\n');
        var starts = data.SequenceStarts.Span;
        int sequences = Math.Max(1, starts.Length);
        for (int s = 0; s < sequences; s++)
        {
            int first = starts.IsEmpty ? 0 : starts[s];
            int end = s + 1 < starts.Length ? starts[s + 1] : data.Rows;
            string id = Field(data.SequenceIds is { } ids ? ids[s] : (s + 1).ToString(CultureInfo.InvariantCulture));
            for (int n = first; n < end; n++)
            {
                text.Append(CultureInfo.InvariantCulture, $"{id},{n - first + 1},{decoding.Path[n] + 1}");
                for (int j = 0; j < k; j++)
                {
                    text.Append(',').Append(decoding.Posteriors[n * k + j].ToString("R", CultureInfo.InvariantCulture));
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>A CSV field, quoted when it holds a separator, a quote or a line break (RFC 4180).</summary>
    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
