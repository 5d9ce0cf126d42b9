using System.Collections.Concurrent;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;

namespace LatentFit.Distributed.Tests;

/// <summary>
/// Models made portable by a registry shared by the test's coordinator and its in-process silos: θ crosses as the
/// number under which the coordinator filed it, and the recipe's kind names the model object itself. It exercises
/// everything the backend and the grains do (fan-out, block ranges, flat statistics, merge order, retries) with the
/// library's own models, independently of their exact θ codecs, which have tests of their own.
/// </summary>
internal sealed class RegisteredModels : IModelRebuilder
{
    private readonly ConcurrentDictionary<string, IPortableEStep> _esteps = new();

    private readonly ConcurrentDictionary<long, object> _thetas = new();

    private long _next;

    /// <summary><paramref name="model"/> as a portable model this registry rebuilds.</summary>
    public ILatentVariableModel<TParams, TStats> Portable<TParams, TStats>(ILatentVariableModel<TParams, TStats> model)
        where TStats : ISufficientStatistics<TStats>
    {
        var portable = new RegisteredModel<TParams, TStats>(model, this, $"registered-{_esteps.Count}");
        _esteps[portable.Recipe.Kind] = new PortableEStep<TParams, TStats>(model, portable);
        return portable;
    }

    public IPortableEStep Rebuild(ModelRecipe recipe) =>
        _esteps.TryGetValue(recipe.Kind, out var estep) ? estep : throw new ArgumentException($"no registered model {recipe.Kind}");

    /// <summary>Called with the count of θs filed so far each time the coordinator sends one (once per E-step): a point in a fit at which a test can act.</summary>
    public Action<long>? OnSend { get; set; }

    internal double[] File(object theta)
    {
        long id = Interlocked.Increment(ref _next);
        OnSend?.Invoke(id);
        _thetas[id] = theta;
        return [id];
    }

    internal object Find(ReadOnlySpan<double> values) => _thetas[(long)values[0]];
}

/// <summary>A model delegating to <c>inner</c>, portable through <see cref="RegisteredModels"/>.</summary>
internal sealed class RegisteredModel<TParams, TStats>(ILatentVariableModel<TParams, TStats> inner, RegisteredModels registry, string kind)
    : ILatentVariableModel<TParams, TStats>, IPortableModel<TParams>, IRecentringModel<TParams, TStats>
    where TStats : ISufficientStatistics<TStats>
{
    public ModelRecipe Recipe { get; } = new(kind, "{}");

    public int ParameterCount => inner.ParameterCount;

    public GradientSupport GradientSupport => inner.GradientSupport;

    public TStats CreateStatistics() => inner.CreateStatistics();

    public void Accumulate(TParams theta, DataBlock rows, TStats into) => inner.Accumulate(theta, rows, into);

    public TParams Maximize(TParams current, TStats stats) => inner.Maximize(current, stats);

    public void Gradient(TParams current, TStats stats, Span<double> gradient) => inner.Gradient(current, stats, gradient);

    public void ToUnconstrained(TParams theta, Span<double> eta) => inner.ToUnconstrained(theta, eta);

    public TParams FromUnconstrained(ReadOnlySpan<double> eta) => inner.FromUnconstrained(eta);

    public Func<TStats>? Recentre(TParams current, TStats stats) =>
        inner is IRecentringModel<TParams, TStats> recentring ? recentring.Recentre(current, stats) : null;

    public double[] WriteParameters(TParams theta) => registry.File(theta!);

    public TParams ReadParameters(ReadOnlySpan<double> values) => (TParams)registry.Find(values);
}
