using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Acceleration;
using LatentFit.Optimization.Auto;
using LatentFit.Optimization.Em;
using LatentFit.Optimization.FirstOrder;
using LatentFit.Optimization.Proximal;
using LatentFit.Optimization.QuasiNewton;
using LatentFit.Optimization.SecondOrder;
using LatentFit.Optimization.Stochastic;

namespace LatentFit.Optimization;

/// <summary>The optimisers by their command-line names.</summary>
public static class OptimizerCatalog
{
    private static readonly Dictionary<string, Func<IOptimizer>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["em"] = () => new ExpectationMaximizationOptimizer(),
        ["incremental-em"] = () => new IncrementalEmOptimizer(),
        ["gradient"] = () => new GradientAscentOptimizer(),
        ["gradient-em"] = () => new GradientEmOptimizer(),
        ["lbfgs"] = () => new LbfgsOptimizer(),
        ["cg"] = () => new ConjugateGradientOptimizer(),
        ["newton"] = () => new NewtonOptimizer(),
        ["overrelaxed"] = () => new OverrelaxedEmOptimizer(),
        ["anderson"] = () => new AndersonOptimizer(),
        ["scoring"] = () => new ScoringOptimizer(),
        ["em-gradient"] = () => new EmGradientOptimizer(),
        ["qn1"] = () => new Qn1Optimizer(),
        ["qn2"] = () => new Qn2Optimizer(),
        ["em-cg"] = () => new EmConjugateGradientOptimizer(),
        ["proximal"] = () => new ProximalPointOptimizer(),
        ["auto"] = () => new AutoOptimizer(),
        ["online-em"] = () => new OnlineEmOptimizer(),
        ["online-gradient"] = () => new OnlineGradientOptimizer(),
        ["sgd"] = () => new StochasticGradientOptimizer(),
    };

    /// <summary>
    /// The full-data methods (each iteration from E-steps over all the rows), in the order they are listed to users:
    /// what compare and demo run by default and the problem zoo holds to the best-known maximum.
    /// </summary>
    public static IReadOnlyList<string> Names { get; } = ["em", "gradient", "gradient-em", "lbfgs", "cg", "newton", "squarem", "overrelaxed", "anderson", "scoring", "em-gradient", "qn1", "qn2", "em-cg", "proximal", "auto", "incremental-em"];

    /// <summary>
    /// The stochastic methods, which move θ after every mini-batch and approach the maximum only as fast as the batches'
    /// noise allows (so they are run when named, not by default, and are held to batch EM's maximum by their own tests).
    /// </summary>
    public static IReadOnlyList<string> StochasticNames { get; } = ["online-em", "online-gradient", "sgd"];

    /// <summary><see cref="Names"/>, then <see cref="StochasticNames"/>: every name <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. Names, .. StochasticNames];

    /// <summary>The optimiser named <paramref name="name"/> (case-insensitive), or false.</summary>
    public static bool TryCreate(string name, out IOptimizer optimizer, SquaremScheme scheme = SquaremScheme.S3)
    {
        if (string.Equals(name, "squarem", StringComparison.OrdinalIgnoreCase))
        {
            optimizer = new SquaremOptimizer(scheme);
            return true;
        }

        if (Factories.TryGetValue(name, out var factory))
        {
            optimizer = factory();
            return true;
        }

        optimizer = null!;
        return false;
    }

    /// <summary>The optimiser named <paramref name="name"/>; <paramref name="scheme"/> applies to squarem.</summary>
    /// <exception cref="ArgumentException">No optimiser has that name; the message lists the names.</exception>
    public static IOptimizer Create(string name, SquaremScheme scheme = SquaremScheme.S3) =>
        TryCreate(name, out var optimizer, scheme)
            ? optimizer
            : throw new ArgumentException($"unknown algorithm \"{name}\"; choose one of: {string.Join(", ", AllNames)}");
}
