namespace LatentFit.Numerics;

/// <summary>
/// A value that adds: what a pass over the data accumulates per block of rows (E-step statistics, a Hessian sum,
/// k-means sums and counts) and merges across blocks. The flat form is the wire form: what a block's accumulator is
/// when it crosses from the machine that computed it to the one that merges, so that reading it back and adding gives
/// the bits that adding the original would have given.
/// </summary>
/// <typeparam name="TSelf">The concrete accumulator type.</typeparam>
public interface IAdditive<TSelf> where TSelf : IAdditive<TSelf>
{
    /// <summary>Resets every accumulator to zero (and forgets coordinates adopted from a pass).</summary>
    void Clear();

    /// <summary>Adds the accumulators of another, disjoint, set of rows.</summary>
    void Add(TSelf other);

    /// <summary>Length of the flat form: fixed by the shape for sums; a table of the values seen has one entry per value.</summary>
    int FlatLength { get; }

    /// <summary>Writes every accumulator (and any coordinates they are expressed in) to <paramref name="destination"/> (<see cref="FlatLength"/> values): the wire form.</summary>
    void WriteFlat(Span<double> destination);

    /// <summary>Replaces this object's contents with the flat form <see cref="WriteFlat"/> wrote from an accumulator of the same shape (for a table, of the same kind).</summary>
    /// <exception cref="ArgumentException">The length does not fit the shape.</exception>
    void ReadFlat(ReadOnlySpan<double> source);
}
