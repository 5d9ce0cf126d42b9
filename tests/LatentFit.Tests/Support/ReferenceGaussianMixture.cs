namespace LatentFit.Tests.Support;

/// <summary>
/// A deliberately plain Gaussian-mixture reference, sharing no code with the library: densities by Gaussian
/// elimination with partial pivoting (determinant and solve), probabilities multiplied out directly with a
/// max-shift only. Slow and simple, for checking the fast code against.
/// </summary>
internal static class ReferenceGaussianMixture
{
    /// <summary>log N(x | μ, Σ) with Σ full (D×D row-major).</summary>
    public static double LogDensity(double[] x, double[] mean, double[] sigma)
    {
        int d = x.Length;
        var a = (double[])sigma.Clone();
        var b = new double[d];
        for (int i = 0; i < d; i++)
        {
            b[i] = x[i] - mean[i];
        }

        var centred = (double[])b.Clone();
        double logDet = 0;
        for (int col = 0; col < d; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < d; r++)
            {
                if (Math.Abs(a[r * d + col]) > Math.Abs(a[pivot * d + col]))
                {
                    pivot = r;
                }
            }

            if (pivot != col)
            {
                for (int c = 0; c < d; c++)
                {
                    (a[col * d + c], a[pivot * d + c]) = (a[pivot * d + c], a[col * d + c]);
                }

                (b[col], b[pivot]) = (b[pivot], b[col]);
            }

            logDet += Math.Log(Math.Abs(a[col * d + col]));
            for (int r = col + 1; r < d; r++)
            {
                double factor = a[r * d + col] / a[col * d + col];
                for (int c = col; c < d; c++)
                {
                    a[r * d + c] -= factor * a[col * d + c];
                }

                b[r] -= factor * b[col];
            }
        }

        var solution = new double[d];
        for (int r = d - 1; r >= 0; r--)
        {
            double sum = b[r];
            for (int c = r + 1; c < d; c++)
            {
                sum -= a[r * d + c] * solution[c];
            }

            solution[r] = sum / a[r * d + r];
        }

        double quadratic = 0;
        for (int i = 0; i < d; i++)
        {
            quadratic += centred[i] * solution[i];
        }

        return -0.5 * (d * Math.Log(2 * Math.PI) + logDet + quadratic);
    }

    /// <summary>Total ℓ = Σₙ log Σₖ αₖ N(xₙ | μₖ, Σₖ) for full covariance matrices (K×D×D).</summary>
    public static double LogLikelihood(double[] rows, int d, double[] weights, double[] means, double[] fullCovariances)
    {
        int n = rows.Length / d;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            Responsibilities(rows, d, i, weights, means, fullCovariances, out double logMarginal);
            total += logMarginal;
        }

        return total;
    }

    /// <summary>Posterior rₙₖ of row <paramref name="row"/> and its log marginal density.</summary>
    public static double[] Responsibilities(double[] rows, int d, int row, double[] weights, double[] means, double[] fullCovariances, out double logMarginal)
    {
        int k = weights.Length;
        var x = rows.AsSpan(row * d, d).ToArray();
        var logs = new double[k];
        double max = double.NegativeInfinity;
        for (int j = 0; j < k; j++)
        {
            logs[j] = Math.Log(weights[j]) + LogDensity(x, means.AsSpan(j * d, d).ToArray(), fullCovariances.AsSpan(j * d * d, d * d).ToArray());
            max = Math.Max(max, logs[j]);
        }

        double sum = 0;
        for (int j = 0; j < k; j++)
        {
            sum += Math.Exp(logs[j] - max);
        }

        logMarginal = max + Math.Log(sum);
        var r = new double[k];
        for (int j = 0; j < k; j++)
        {
            r[j] = Math.Exp(logs[j] - logMarginal);
        }

        return r;
    }

    /// <summary>Q(θ′ | θ) = Σₙ Σₖ rₙₖ(θ) [log α′ₖ + log N(xₙ | μ′ₖ, Σ′ₖ)], the expected complete-data log-likelihood.</summary>
    public static double ExpectedCompleteLogLikelihood(double[] rows, int d, double[] responsibilities, double[] weights, double[] means, double[] fullCovariances)
    {
        int k = weights.Length, n = rows.Length / d;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var x = rows.AsSpan(i * d, d).ToArray();
            for (int j = 0; j < k; j++)
            {
                double r = responsibilities[i * k + j];
                if (r > 0)
                {
                    total += r * (Math.Log(weights[j]) + LogDensity(x, means.AsSpan(j * d, d).ToArray(), fullCovariances.AsSpan(j * d * d, d * d).ToArray()));
                }
            }
        }

        return total;
    }
}
