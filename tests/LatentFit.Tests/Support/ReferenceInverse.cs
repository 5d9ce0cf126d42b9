namespace LatentFit.Tests.Support;

/// <summary>A small dense inverse for reference values, by a route independent of the library's Cholesky factors.</summary>
internal static class ReferenceInverse
{
    /// <summary>Gauss–Jordan with partial pivoting: a route independent of the library's Cholesky.</summary>
    public static double[] Invert(double[] matrix, int n)
    {
        var a = (double[])matrix.Clone();
        var inverse = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            inverse[i * n + i] = 1;
        }

        for (int column = 0; column < n; column++)
        {
            int pivot = column;
            for (int r = column + 1; r < n; r++)
            {
                if (Math.Abs(a[r * n + column]) > Math.Abs(a[pivot * n + column]))
                {
                    pivot = r;
                }
            }

            for (int c = 0; c < n; c++)
            {
                (a[column * n + c], a[pivot * n + c]) = (a[pivot * n + c], a[column * n + c]);
                (inverse[column * n + c], inverse[pivot * n + c]) = (inverse[pivot * n + c], inverse[column * n + c]);
            }

            double diagonal = a[column * n + column];
            for (int c = 0; c < n; c++)
            {
                a[column * n + c] /= diagonal;
                inverse[column * n + c] /= diagonal;
            }

            for (int r = 0; r < n; r++)
            {
                if (r != column)
                {
                    double factor = a[r * n + column];
                    for (int c = 0; c < n; c++)
                    {
                        a[r * n + c] -= factor * a[column * n + c];
                        inverse[r * n + c] -= factor * inverse[column * n + c];
                    }
                }
            }
        }

        return inverse;
    }
}
