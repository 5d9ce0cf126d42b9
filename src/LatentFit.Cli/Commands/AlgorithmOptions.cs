using System.CommandLine;
using LatentFit.Optimization;
using LatentFit.Optimization.Acceleration;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Cli.Commands;

/// <summary>Options that choose optimisers: the SQUAREM scheme, shared by <c>fit</c> and <c>compare</c>.</summary>
internal sealed class AlgorithmOptions
{
    public Option<string> Scheme { get; } = new("--scheme") { Description = "SQUAREM steplength scheme: S1, S2 or S3 (Varadhan & Roland 2008)", DefaultValueFactory = _ => "S3" };

    public void AddTo(Command command) => command.Options.Add(Scheme);

    public IOptimizer Create(ParseResult parse, string name) => OptimizerCatalog.Create(name, SquaremSchemeOf(parse));

    public IReadOnlyList<IOptimizer> CreateList(ParseResult parse, string list)
    {
        var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            throw new UsageException("--algorithms needs at least one name");
        }

        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new UsageException($"--algorithms names \"{duplicate.Key}\" twice");
        }

        return names.Select(n => Create(parse, n)).ToArray();
    }

    private SquaremScheme SquaremSchemeOf(ParseResult parse)
    {
        string scheme = parse.GetValue(Scheme)!;
        return scheme.ToUpperInvariant() switch
        {
            "S1" or "1" => SquaremScheme.S1,
            "S2" or "2" => SquaremScheme.S2,
            "S3" or "3" => SquaremScheme.S3,
            _ => throw new UsageException($"unknown --scheme \"{scheme}\"; choose one of: S1, S2, S3"),
        };
    }
}
