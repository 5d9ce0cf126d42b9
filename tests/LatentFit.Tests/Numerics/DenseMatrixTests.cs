using LatentFit.Numerics;

namespace LatentFit.Tests.Numerics;

public sealed class DenseMatrixTests
{
    [Fact]
    public void Cholesky_KnownMatrix_KnownFactor()
    {
        // A = LLᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]] (Golub & Van Loan style hand example).
        double[] a = [4, 12, -16, 12, 37, -43, -16, -43, 98];
        Assert.True(DenseMatrix.TryCholesky(a, 3));
        Assert.Equal([2, 0, 0, 6, 1, 0, -8, 5, 3], a);
        Assert.Equal(Math.Log(36), DenseMatrix.LogDeterminantFromCholesky(a, 3), 1e-14);
    }

    [Fact]
    public void Cholesky_NotPositiveDefinite_ReturnsFalse()
    {
        double[] a = [1, 2, 2, 1];
        Assert.False(DenseMatrix.TryCholesky(a, 2));
        double[] nan = [double.NaN, 0, 0, 1];
        Assert.False(DenseMatrix.TryCholesky(nan, 2));
    }

    [Fact]
    public void SolvesAndInverse_AgreeWithKnownFactor()
    {
        double[] lower = [2, 0, 0, 6, 1, 0, -8, 5, 3];
        double[] b = [2, 7, 0];
        DenseMatrix.SolveLower(lower, 3, b);
        Assert.Equal([1, 1, 1], b);
        double[] c = [9, 6, 3];
        DenseMatrix.SolveLowerTransposed(lower, 3, c);

        // Lᵀx = c with Lᵀ = [[2,6,-8],[0,1,5],[0,0,3]]: x₃ = 1, x₂ = 1, x₁ = (9 − 6 + 8)/2.
        Assert.Equal([5.5, 1, 1], c);
        var inverse = new double[9];
        DenseMatrix.InvertLower(lower, 3, inverse);
        var product = new double[9];
        DenseMatrix.Multiply(lower, inverse, 3, product);
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(i % 4 == 0 ? 1 : 0, product[i], 1e-14);
        }
    }

    /// <summary>
    /// The three products against the textbook loop Σₖ aᵢₖbₖⱼ written out here (each product rounded, then added, k in
    /// order): the same bits, for sizes below, at and above a vector's width, with negative zeros, and a NaN that must
    /// reach its row (or column) of the product.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(50)]
    public void Products_SameBitsAsTheTextbookLoop(int n)
    {
        var random = new Random(n);
        var a = new double[n * n];
        var b = new double[n * n];
        for (int i = 0; i < n * n; i++)
        {
            a[i] = random.Next(10) == 0 ? -0.0 : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 4));
            b[i] = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 4));
        }

        b[n * n / 2] = n > 1 ? double.NaN : b[0];
        double Entry(double[] m, int row, int column, bool transposed) => transposed ? m[column * n + row] : m[row * n + column];
        double[] Reference(bool transposeA, bool transposeB)
        {
            var c = new double[n * n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < n; k++)
                    {
                        double product = Entry(a, i, k, transposeA) * Entry(b, k, j, transposeB);
                        sum += product;
                    }

                    c[i * n + j] = sum;
                }
            }

            return c;
        }

        var actual = new double[n * n];
        DenseMatrix.Multiply(a, b, n, actual);
        Assert.Equal(Bits(Reference(false, false)), Bits(actual));
        DenseMatrix.MultiplyTransposedLeft(a, b, n, actual);
        Assert.Equal(Bits(Reference(true, false)), Bits(actual));
        DenseMatrix.MultiplyTransposedRight(a, b, n, actual);
        Assert.Equal(Bits(Reference(false, true)), Bits(actual));

        static long[] Bits(double[] values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];
    }

    [Fact]
    public void SymmetricEigenvalues_KnownSpectrum()
    {
        // [[2,1],[1,2]] has eigenvalues 1 and 3; diag(5, −1, 2) its diagonal.
        var values = new double[2];
        DenseMatrix.SymmetricEigenvalues([2, 1, 1, 2], 2, values);
        Assert.Equal(1, values[0], 1e-14);
        Assert.Equal(3, values[1], 1e-14);
        var diagonal = new double[3];
        DenseMatrix.SymmetricEigenvalues([5, 0, 0, 0, -1, 0, 0, 0, 2], 3, diagonal);
        Assert.Equal([-1, 2, 5], diagonal);
    }

    [Fact]
    public void LogSumExp_LargeAndInfinite_Stable()
    {
        Assert.Equal(1000 + Math.Log(2), LogSpace.LogSumExp([1000, 1000]), 1e-12);
        Assert.Equal(-1000 + Math.Log(2), LogSpace.LogSumExp([-1000, -1000]), 1e-12);
        Assert.Equal(double.NegativeInfinity, LogSpace.LogSumExp([double.NegativeInfinity, double.NegativeInfinity]));
        Assert.Equal(0, LogSpace.LogSumExp([0, double.NegativeInfinity]));
    }
}
