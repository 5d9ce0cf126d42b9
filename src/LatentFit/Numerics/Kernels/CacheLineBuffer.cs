using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LatentFit.Numerics.Kernels;

/// <summary>
/// A buffer from the shared array pool used from its first element on a 64-byte cache line, so that a vector the
/// kernels load or store at a whole number of vectors from the start never straddles two lines (two accesses where
/// one would do). A .NET array's values start 16 bytes after an 8-byte aligned header, anywhere within a line: at an
/// address that is not a multiple of 32, every other 256-bit vector of a column crossed a line. With the kernels'
/// buffers on lines, an isolated group-weighting loop (four columns centred, weighted and stored a step) ran 30 %
/// faster and a 4×2 scatter tile 16 % faster (float64, 256-bit, Zen 3; measured against the same buffers one and two
/// values off a line). Where no library offers aligned pooled memory, this keeps the pool (no allocation per chunk)
/// and so cannot pin: the start is where the array lay when rented, and a garbage collection that moves the array
/// later costs speed, never a wrong value, since every access goes through the array.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal readonly struct CacheLineBuffer<T>
    where T : unmanaged
{
    private const int LineBytes = 64;
    private readonly T[]? _array;
    private readonly int _start;

    private CacheLineBuffer(T[] array, int length)
    {
        _array = array;
        _start = LineStart(array);
        Length = length;
    }

    /// <summary>Values in the buffer.</summary>
    public int Length { get; }

    /// <summary>
    /// A buffer of <paramref name="length"/> values, rented with a line's worth more so that it can start on a line;
    /// an empty one rents nothing.
    /// </summary>
    public static CacheLineBuffer<T> Rent(int length) =>
        length == 0 ? default : new(ArrayPool<T>.Shared.Rent(length + (LineBytes / Unsafe.SizeOf<T>())), length);

    /// <summary>The first value.</summary>
    public ref T Start => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Array), _start);

    /// <summary>The whole buffer.</summary>
    public Span<T> AsSpan() => Array.AsSpan(_start, Length);

    /// <summary><paramref name="length"/> values from <paramref name="start"/> (checked).</summary>
    public Span<T> AsSpan(int start, int length) => AsSpan().Slice(start, length);

    /// <summary>Gives the array back to the pool; the buffer must not be used after.</summary>
    public void Return()
    {
        if (_array is not null)
        {
            ArrayPool<T>.Shared.Return(_array);
        }
    }

    private T[] Array => _array ?? [];

    /// <summary>The index of <paramref name="array"/>'s first value on a cache line, where the array lies now.</summary>
    private static unsafe int LineStart(T[] array)
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        int bytes = (int)((LineBytes - (address & (LineBytes - 1))) & (LineBytes - 1));
        return bytes / Unsafe.SizeOf<T>();
    }
}
