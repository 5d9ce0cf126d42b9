using LatentFit.Data;

namespace LatentFit.Models.Emissions;

/// <summary>
/// An emission family: the distribution of a row given its latent class, for K classes at once (the components of
/// a mixture, the states of a hidden Markov model). It knows nothing of how the class is distributed: the latent
/// structure computes the posteriors and the occupancies and owns its own parameters (mixing weights, transition
/// probabilities). Any family with a weighted maximum-likelihood estimate can be an emission (pomegranate's
/// <c>summarize</c> / <c>from_summaries</c>).
/// </summary>
/// <typeparam name="TEmission">The K classes' emission parameters θₑ (immutable).</typeparam>
/// <typeparam name="TStatistics">Weighted sufficient statistics of the emissions, apart from the occupancies.</typeparam>
public interface IEmissionFamily<TEmission, TStatistics>
    where TStatistics : IEmissionStatistics<TStatistics>
{
    /// <summary>K, the latent classes whose emissions the family describes.</summary>
    int Components { get; }

    /// <summary>Length of the family's part of the unconstrained vector η.</summary>
    int ParameterCount { get; }

    /// <summary>Names of the family's natural parameters, in the order of <see cref="ToNatural"/>.</summary>
    IReadOnlyList<string> NaturalParameterNames { get; }

    /// <summary>Zeroed statistics.</summary>
    TStatistics CreateStatistics();

    /// <summary>Rows per block of an E-step over data in <paramref name="precision"/>: bounds the K×B log-density buffer.</summary>
    int BlockRows(Precision precision);

    /// <summary>
    /// A workspace for blocks of up to <paramref name="capacityRows"/> rows that evaluates <paramref name="emission"/>
    /// and accumulates into <paramref name="into"/>; checks the parameters once, not per block.
    /// </summary>
    IEmissionWorkspace CreateWorkspace(TEmission emission, TStatistics into, int capacityRows, Precision precision);

    /// <summary>
    /// The weighted maximum-likelihood emission parameters from statistics whose class k has total weight
    /// <paramref name="occupancies"/>[k] &gt; 0, of <paramref name="totalWeight"/> in all (the M-step).
    /// </summary>
    TEmission Maximize(TEmission current, TStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight);

    /// <summary>
    /// ∇ℓ with respect to the family's part of η, by Fisher's identity, from statistics computed at
    /// <paramref name="current"/> (posterior-weighted complete-data scores).
    /// </summary>
    void Gradient(TEmission current, TStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient);

    /// <summary>
    /// The family's part of Q(θ | θₜ): Σₖ Σₙ wₙ γₙₖ log pₖ(xₙ | <paramref name="theta"/>) up to a constant, from statistics
    /// accumulated at <paramref name="at"/> (the E-step's θₑ, whose coordinates they may be in), and its gradient with respect
    /// to the family's part of η at <paramref name="theta"/>; −∞ where θ gives the data zero density. At θ = θₜ the
    /// gradient is <see cref="Gradient"/>'s (see <see cref="Abstractions.ICompleteDataModel{TParams, TStats}"/>).
    /// </summary>
    double CompleteDataLogLikelihood(TEmission theta, TEmission at, TStatistics statistics, ReadOnlySpan<double> occupancies, double totalWeight, Span<double> gradient);

    /// <summary>θₑ → η (the family's part).</summary>
    void ToUnconstrained(TEmission emission, Span<double> eta);

    /// <summary>η (the family's part) → θₑ.</summary>
    TEmission FromUnconstrained(ReadOnlySpan<double> eta);

    /// <summary>The natural parameters (those a user reads), in the order of <see cref="NaturalParameterNames"/>.</summary>
    void ToNatural(TEmission emission, Span<double> natural);

    /// <summary>Parameters from natural values; false where they are not valid parameters.</summary>
    bool TryFromNatural(ReadOnlySpan<double> natural, out TEmission emission);

    /// <summary>A typical scale of each coordinate of the family's part of η at <paramref name="emission"/> (1 where it is dimensionless).</summary>
    void Scales(TEmission emission, Span<double> scales);
}

/// <summary>
/// Per-block work of an emission family, bound to one θₑ and one statistics object. A block is loaded once (the
/// Gaussian transposes it into columns) and serves both the log-densities and the accumulation; each call is one
/// interface call per block, never per row.
/// </summary>
public interface IEmissionWorkspace : IDisposable
{
    /// <summary>Prepares <paramref name="block"/> (at most the capacity) for the two calls that follow.</summary>
    void Load(DataBlock block);

    /// <summary>log p(xₙ | class k) for the loaded block, written class-major: <paramref name="logDensities"/>[k·B + n].</summary>
    void LogDensities(DataBlock block, Span<double> logDensities);

    /// <summary>
    /// Adds the loaded block's sufficient statistics weighted by <paramref name="posteriors"/>[k·B + n] (responsibilities or
    /// state posteriors) times the row's frequency weight.
    /// </summary>
    void Accumulate(DataBlock block, ReadOnlySpan<double> posteriors);
}

/// <summary>
/// A workspace that can also run in float32 end to end for single-precision data: log-densities written in float32 and
/// the statistics accumulated from float32 posteriors, so that the mixture's posterior runs in float32 too (issue 13:
/// in float64 it held single precision to 1.55× the double-precision speed). Optional; a family without it, or
/// double-precision data, takes the float64 path.
/// </summary>
internal interface ISinglePrecisionEmissionWorkspace : IEmissionWorkspace
{
    /// <summary>Whether this workspace's blocks compute in float32 (single-precision data), so the two calls below apply.</summary>
    bool ComputesInSingle { get; }

    /// <summary>As <see cref="IEmissionWorkspace.LogDensities"/>, in float32, less the constants of <see cref="LogDensityConstants"/>.</summary>
    void LogDensities(DataBlock block, Span<float> logDensities);

    /// <summary>
    /// What each class's float32 log-densities leave out, the same for every row: a constant (the Gaussian's
    /// normaliser) that the posterior adds in float64, since added in float32 it would round every row the same way.
    /// </summary>
    void LogDensityConstants(Span<double> constants);

    /// <summary>As <see cref="IEmissionWorkspace.Accumulate"/>, with float32 posteriors.</summary>
    void Accumulate(DataBlock block, ReadOnlySpan<float> posteriors);
}

/// <summary>Emission statistics are values (see <see cref="Abstractions.ISufficientStatistics{TSelf}"/>): cleared, added, scaled and flattened.</summary>
public interface IEmissionStatistics<TSelf> where TSelf : IEmissionStatistics<TSelf>
{
    /// <summary>Zeroes every accumulator.</summary>
    void Clear();

    /// <summary>Adds <paramref name="factor"/> × <paramref name="other"/>; refuses an operand of another shape or coordinates, changing nothing.</summary>
    void AddScaled(TSelf other, double factor);

    /// <summary>Multiplies every accumulator by <paramref name="factor"/>.</summary>
    void Scale(double factor);

    /// <summary>Length of the flat form.</summary>
    int FlatLength { get; }

    /// <summary>Writes the flat form.</summary>
    void WriteFlat(Span<double> destination);

    /// <summary>Reads the flat form; refuses one that does not fit, changing nothing.</summary>
    void ReadFlat(ReadOnlySpan<double> source);
}
