using System.CommandLine;
using System.Globalization;
using LatentFit.Optimization;
using LatentFit.Optimization.Acceleration;
using LatentFit.Optimization.Abstractions;

namespace LatentFit.Cli.Commands;

/// <summary>
/// Options that choose optimisers and set their own parameters, shared by <c>fit</c> and <c>compare</c>: the SQUAREM
/// scheme, the stochastic methods' --kappa, --batch and --learning-rate, and the proximal-point method's --beta and --beta-decay. An algorithm option given when no chosen
/// algorithm takes it is refused, so that a setting never silently does nothing.
/// </summary>
internal sealed class AlgorithmOptions
{
    public Option<string> Scheme { get; } = new("--scheme") { Description = "SQUAREM steplength scheme: S1, S2 or S3 (Varadhan & Roland 2008)", DefaultValueFactory = _ => "S3" };

    public Option<double> Kappa { get; } = new("--kappa")
    {
        Description = "Exponent κ in (0.5, 1] of the decreasing steps of online-em (γₜ = t^-κ, t counting mini-batches) and online-gradient (αₜ = α₀/(1 + t/τ)^κ, τ = batches per epoch)",
        DefaultValueFactory = _ => new FitOptions().Kappa,
    };

    public Option<int?> Batch { get; } = new("--batch") { Description = "Rows per mini-batch of online-em, online-gradient and sgd (default: about N/100; at least one block, so whole sequences for an HMM)" };

    public Option<double?> LearningRate { get; } = new("--learning-rate")
    {
        Description = string.Create(CultureInfo.InvariantCulture, $"Step on the per-observation gradient of online-gradient (α₀, default {LatentFit.Optimization.Stochastic.OnlineGradientOptimizer.DefaultLearningRate}) and of sgd (Adam's α, default {LatentFit.Optimization.Stochastic.StochasticGradientOptimizer.DefaultLearningRate})"),
    };

    public Option<double?> Beta { get; } = new("--beta")
    {
        Description = string.Create(CultureInfo.InvariantCulture, $"First weight β₀ in (0, 1] of the Kullback penalty of proximal (Chrétien & Hero 2000): iteration k maximises ℓ(θ) − βₖ·KL(posteriors at θₖ ‖ at θ), βₖ = β₀·ρᵏ; β = 1 is EM, β → 0 maximises ℓ directly (default {new FitOptions().ProximalBeta})"),
    };

    public Option<double?> BetaDecay { get; } = new("--beta-decay")
    {
        Description = string.Create(CultureInfo.InvariantCulture, $"Factor ρ in (0, 1] by which proximal's β shrinks each iteration; 1 keeps β fixed, and --beta 1 --beta-decay 1 is EM (default {new FitOptions().ProximalBetaDecay})"),
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Scheme);
        command.Options.Add(Kappa);
        command.Options.Add(Batch);
        command.Options.Add(LearningRate);
        command.Options.Add(Beta);
        command.Options.Add(BetaDecay);
    }

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

    /// <summary>
    /// <paramref name="options"/> with the algorithm options read and validated; one given when none of
    /// <paramref name="optimizers"/> takes it is refused.
    /// </summary>
    public FitOptions Apply(ParseResult parse, FitOptions options, IReadOnlyList<IOptimizer> optimizers)
    {
        var names = optimizers.Select(o => o.Name).ToArray();
        RequireTaken(parse, Kappa, names, "online-em", "online-gradient");
        RequireTaken(parse, Batch, names, "online-em", "online-gradient", "sgd");
        RequireTaken(parse, LearningRate, names, "online-gradient", "sgd");
        RequireTaken(parse, Beta, names, "proximal");
        RequireTaken(parse, BetaDecay, names, "proximal");
        double kappa = parse.GetValue(Kappa);
        if (!(kappa > 0.5 && kappa <= 1))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--kappa must lie in (0.5, 1], got {kappa}"));
        }

        int? batch = parse.GetValue(Batch);
        if (batch is < 1)
        {
            throw new UsageException($"--batch must be at least 1 row, got {batch}");
        }

        double? rate = parse.GetValue(LearningRate);
        if (rate is { } r && !(r > 0 && double.IsFinite(r)))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--learning-rate must be a finite number > 0, got {r}"));
        }

        double beta = parse.GetValue(Beta) ?? options.ProximalBeta;
        if (!(beta > 0 && beta <= 1))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--beta must lie in (0, 1] (1 is EM), got {beta}"));
        }

        double decay = parse.GetValue(BetaDecay) ?? options.ProximalBetaDecay;
        if (!(decay > 0 && decay <= 1))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--beta-decay must lie in (0, 1] (1 keeps β fixed), got {decay}"));
        }

        return options with { Kappa = kappa, BatchRows = batch ?? 0, LearningRate = rate, ProximalBeta = beta, ProximalBetaDecay = decay };
    }

    private static void RequireTaken(ParseResult parse, Option option, string[] chosen, params string[] takers)
    {
        if (ModelFileChoice.IsGiven(parse, option) && !chosen.Any(name => takers.Contains(name, StringComparer.OrdinalIgnoreCase)))
        {
            throw new UsageException($"{option.Name} applies to {string.Join(", ", takers)} only, not to {string.Join(", ", chosen)}; leave it out");
        }
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
