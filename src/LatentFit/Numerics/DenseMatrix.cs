namespace LatentFit.Numerics;

/// <summary>
/// Small dense linear algebra on row-major square matrices held in spans: Cholesky factorisation,
/// triangular solves and products. Kernels are static span functions so that callers own the memory
/// and nothing is allocated per call.
/// </summary>
/// <remarks>
/// Matrices here are D×D with D the data dimension (tens at most), so plain loops are adequate but for the products,
/// which run on rows (see <see cref="Multiply"/>); the per-row hot paths live in the model kernels.
/// </remarks>
public static class DenseMatrix
{
    /// <summary>
    /// Overwrites the lower triangle of <paramref name="a"/> (n×n, row-major, symmetric) with its
    /// Cholesky factor L, A = LLᵀ, and zeroes the strict upper triangle.
    /// </summary>
    /// <returns>False when A is not numerically positive definite (a pivot is not positive and finite).</returns>
    public static bool TryCholesky(Span<double> a, int n)
    {
        for (int j = 0; j < n; j++)
        {
            double diagonal = a[j * n + j];
            for (int k = 0; k < j; k++)
            {
                diagonal -= a[j * n + k] * a[j * n + k];
            }

            if (!(diagonal > 0) || !double.IsFinite(diagonal))
            {
                return false;
            }

            double pivot = Math.Sqrt(diagonal);
            a[j * n + j] = pivot;
            for (int i = j + 1; i < n; i++)
            {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++)
                {
                    sum -= a[i * n + k] * a[j * n + k];
                }

                a[i * n + j] = sum / pivot;
            }

            for (int i = 0; i < j; i++)
            {
                a[i * n + j] = 0;
            }
        }

        return true;
    }

    /// <summary>
    /// Solves A x = b in place for a symmetric positive definite A (n×n, row-major), overwriting A with its Cholesky factor.
    /// </summary>
    /// <returns>False, with b unchanged, when A is not numerically positive definite.</returns>
    public static bool TrySolvePositiveDefinite(Span<double> a, int n, Span<double> b)
    {
        if (!TryCholesky(a, n))
        {
            return false;
        }

        SolveLower(a, n, b);
        SolveLowerTransposed(a, n, b);
        return true;
    }

    /// <summary>log det(A) = 2 Σ log Lᵢᵢ from a Cholesky factor L of A.</summary>
    public static double LogDeterminantFromCholesky(ReadOnlySpan<double> lower, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += Math.Log(lower[i * n + i]);
        }

        return 2 * sum;
    }

    /// <summary>Solves L y = b in place (forward substitution), L lower triangular.</summary>
    public static void SolveLower(ReadOnlySpan<double> lower, int n, Span<double> b)
    {
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++)
            {
                sum -= lower[i * n + k] * b[k];
            }

            b[i] = sum / lower[i * n + i];
        }
    }

    /// <summary>Solves Lᵀ x = b in place (back substitution), L lower triangular.</summary>
    public static void SolveLowerTransposed(ReadOnlySpan<double> lower, int n, Span<double> b)
    {
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = b[i];
            for (int k = i + 1; k < n; k++)
            {
                sum -= lower[k * n + i] * b[k];
            }

            b[i] = sum / lower[i * n + i];
        }
    }

    /// <summary>
    /// Writes L⁻¹ (lower triangular) for a lower-triangular L. Used to form the precision Cholesky
    /// factor once per E-step so that the per-row Mahalanobis term is a triangular matrix–vector
    /// product, as scikit-learn does (its <c>precisions_cholesky_</c>); the covariance itself is never inverted.
    /// </summary>
    public static void InvertLower(ReadOnlySpan<double> lower, int n, Span<double> inverse)
    {
        inverse[..(n * n)].Clear();
        for (int column = 0; column < n; column++)
        {
            inverse[column * n + column] = 1.0 / lower[column * n + column];
            for (int i = column + 1; i < n; i++)
            {
                double sum = 0;
                for (int k = column; k < i; k++)
                {
                    sum -= lower[i * n + k] * inverse[k * n + column];
                }

                inverse[i * n + column] = sum / lower[i * n + i];
            }
        }
    }

    /// <summary>C = A B for n×n row-major matrices (C must not alias A or B).</summary>
    /// <remarks>
    /// Row i of C is built as Σₖ aᵢₖ·(row k of B), a vector multiply and add over the row at a time (the library's
    /// <c>MultiplyAdd</c>, which rounds the product and the sum apart): each entry gets the same products added in the
    /// same order as the textbook loop Σₖ aᵢₖbₖⱼ, so the same bits (tested), several entries at a time. The loop took a
    /// third of a D = 50, K = 10 EM iteration's serial work (the gradient's three products per component, on one thread
    /// while the other waits; perf): with the rows vectorised a D = 50 product takes a fraction of the scalar loop's time.
    /// </remarks>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, Span<double> c) =>
        MultiplyByRows(a, b, n, c, transposeLeft: false);

    /// <summary>C = Aᵀ B for n×n row-major matrices (C must not alias A or B); by rows as <see cref="Multiply"/>.</summary>
    public static void MultiplyTransposedLeft(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, Span<double> c) =>
        MultiplyByRows(a, b, n, c, transposeLeft: true);

    /// <summary>Row i of C = Σₖ lᵢₖ·(row k of B), with lᵢₖ = aᵢₖ, or aₖᵢ when <paramref name="transposeLeft"/> (see <see cref="Multiply"/>).</summary>
    private static void MultiplyByRows(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, Span<double> c, bool transposeLeft)
    {
        for (int i = 0; i < n; i++)
        {
            var row = c.Slice(i * n, n);
            row.Clear();
            for (int k = 0; k < n; k++)
            {
                double left = transposeLeft ? a[k * n + i] : a[i * n + k];
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(k * n, n), left, row, row);
            }
        }
    }

    /// <summary>C = A Bᵀ for n×n row-major matrices (C must not alias A or B): A times a transposed copy of B, by rows as <see cref="Multiply"/>.</summary>
    public static void MultiplyTransposedRight(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, Span<double> c)
    {
        var transposed = System.Buffers.ArrayPool<double>.Shared.Rent(n * n);
        try
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    transposed[j * n + i] = b[i * n + j];
                }
            }

            Multiply(a, transposed.AsSpan(0, n * n), n, c);
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(transposed);
        }
    }

    /// <summary>Copies the upper triangle of a square matrix onto its lower triangle.</summary>
    public static void SymmetrizeFromUpper(Span<double> a, int n)
    {
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                a[i * n + j] = a[j * n + i];
            }
        }
    }

    /// <summary>
    /// Eigenvalues of a symmetric n×n matrix by the cyclic Jacobi method (Golub &amp; Van Loan, 4th ed., §8.5),
    /// written to <paramref name="eigenvalues"/> in ascending order. Used by diagnostics on small matrices.
    /// </summary>
    public static void SymmetricEigenvalues(ReadOnlySpan<double> symmetric, int n, Span<double> eigenvalues) =>
        SymmetricEigen(symmetric, n, eigenvalues, new double[n * n]);

    /// <summary>
    /// Eigenvalues (ascending) and eigenvectors of a symmetric n×n matrix by the cyclic Jacobi method (Golub &amp;
    /// Van Loan, 4th ed., §8.5): A = V diag(λ) Vᵀ, column k of <paramref name="eigenvectors"/> (n×n, row-major) the
    /// unit eigenvector of <paramref name="eigenvalues"/>[k]. Jacobi rather than QR: the matrices are D×D and Jacobi
    /// gives small eigenvalues to high relative accuracy.
    /// </summary>
    public static void SymmetricEigen(ReadOnlySpan<double> symmetric, int n, Span<double> eigenvalues, Span<double> eigenvectors)
    {
        var a = symmetric[..(n * n)].ToArray();
        var v = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            v[i * n + i] = 1;
        }

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double offDiagonal = 0;
            double scale = 0;
            for (int i = 0; i < n; i++)
            {
                scale += a[i * n + i] * a[i * n + i];
                for (int j = i + 1; j < n; j++)
                {
                    offDiagonal += a[i * n + j] * a[i * n + j];
                }
            }

            if (offDiagonal <= 1e-30 * Math.Max(scale, double.Epsilon))
            {
                break;
            }

            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (apq == 0)
                    {
                        continue;
                    }

                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0)
                    {
                        t = 1;
                    }

                    double c = 1 / Math.Sqrt(t * t + 1);
                    double s = t * c;
                    // A ← A J, then A ← Jᵀ A, and V ← V J, with J the rotation in the (p, q) plane.
                    RotateColumns(a, n, p, q, c, s);
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k];
                        double aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }

                    RotateColumns(v, n, p, q, c, s);
                }
            }
        }

        var order = new int[n];
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
            values[i] = a[i * n + i];
        }

        Array.Sort(values, order);
        values.CopyTo(eigenvalues);
        for (int k = 0; k < n; k++)
        {
            for (int i = 0; i < n; i++)
            {
                eigenvectors[i * n + k] = v[i * n + order[k]];
            }
        }
    }

    private static void RotateColumns(double[] m, int n, int p, int q, double c, double s)
    {
        for (int k = 0; k < n; k++)
        {
            double mkp = m[k * n + p];
            double mkq = m[k * n + q];
            m[k * n + p] = c * mkp - s * mkq;
            m[k * n + q] = s * mkp + c * mkq;
        }
    }
}
