using System.Runtime.CompilerServices;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Tests.Numerics;

/// <summary>
/// The kernels' pooled buffers start on a 64-byte cache line, hold exactly the values asked for, and read back what
/// was written. The address is taken here as the byte offset from a null reference, not from the buffer's own
/// arithmetic.
/// </summary>
public sealed class CacheLineBufferTests
{
    public static TheoryData<int> Lengths => new() { 1, 7, 8, 63, 288, 16 * 296, 5000 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Double_StartsOnALine(int length) => StartsOnALine<double>(length);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Single_StartsOnALine(int length) => StartsOnALine<float>(length);

    [Fact]
    public void Values_ReadBackThroughEveryView()
    {
        var buffer = CacheLineBuffer<double>.Rent(100);
        try
        {
            var span = buffer.AsSpan();
            Assert.Equal(100, span.Length);
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = i + 0.5;
            }

            Assert.Equal(3.5, buffer.AsSpan()[3]);
            Assert.Equal(0.5, buffer.Start);
            Assert.Equal(99.5, Unsafe.Add(ref buffer.Start, 99));
            Assert.Equal([10.5, 11.5], buffer.AsSpan(10, 2).ToArray());
            Assert.Throws<ArgumentOutOfRangeException>(() => buffer.AsSpan(99, 2));
            Assert.Throws<IndexOutOfRangeException>(() => buffer.AsSpan()[100]);
        }
        finally
        {
            buffer.Return();
        }
    }

    [Fact]
    public void DefaultAndEmpty_HoldNothing()
    {
        foreach (var buffer in new[] { default, CacheLineBuffer<float>.Rent(0) })
        {
            Assert.Equal(0, buffer.Length);
            Assert.True(buffer.AsSpan().IsEmpty);
            buffer.Return();
        }
    }

    private static void StartsOnALine<T>(int length)
        where T : unmanaged
    {
        // A garbage collection may move the array between the rent and the check (the buffer then only loses speed):
        // such attempts are retried, and one with no collection in it must start on a line.
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int collections = GC.CollectionCount(0);
            var buffer = CacheLineBuffer<T>.Rent(length);
            long address = (long)Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref buffer.Start);
            bool undisturbed = GC.CollectionCount(0) == collections;
            try
            {
                Assert.Equal(length, buffer.Length);
                Assert.Equal(length, buffer.AsSpan().Length);
                if (undisturbed)
                {
                    Assert.Equal(0, address % 64);
                    return;
                }
            }
            finally
            {
                buffer.Return();
            }
        }

        Assert.Fail("every attempt had a garbage collection in it");
    }
}
