using System.Numerics.Tensors;
using LatentFit.Numerics;

namespace LatentFit.Execution;

/// <summary>
/// A fixed-length vector of sums, added elementwise: the accumulator of a pass whose result is plain sums (the
/// observed information's P×P Hessian, k-means' per-cluster sums, counts and inertia). Its flat form is the vector.
/// </summary>
public sealed class VectorSum : IAdditive<VectorSum>
{
    /// <summary>A zero vector of <paramref name="length"/> sums.</summary>
    public VectorSum(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Values = new double[length];
    }

    /// <summary>The sums.</summary>
    public double[] Values { get; }

    /// <inheritdoc/>
    public int FlatLength => Values.Length;

    /// <inheritdoc/>
    public void Clear() => Array.Clear(Values);

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public void Add(VectorSum other)
    {
        CheckLength(other.Values.Length);

        // Elementwise, so each sum's rounding is that of a scalar addition whatever the vector width.
        TensorPrimitives.Add(Values, other.Values, Values);
    }

    /// <inheritdoc/>
    public void WriteFlat(Span<double> destination)
    {
        CheckLength(destination.Length);
        Values.CopyTo(destination);
    }

    /// <inheritdoc/>
    public void ReadFlat(ReadOnlySpan<double> source)
    {
        CheckLength(source.Length);
        source.CopyTo(Values);
    }

    private void CheckLength(int length)
    {
        if (length != Values.Length)
        {
            throw new ArgumentException($"a vector of {Values.Length} sums cannot take {length} values");
        }
    }
}
