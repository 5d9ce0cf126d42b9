using LatentFit.Data;
using LatentFit.Models.Gaussian;

namespace LatentFit.Tests.Support;

/// <summary>Seeded random data sets and parameters for property tests.</summary>
internal static class RandomProblems
{
    public static double Normal(Random random)
    {
        // Box–Muller.
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>N rows from K well-separated Gaussian clusters in D dimensions, with random scales and correlations.</summary>
    public static DataSet MixtureData(Random random, int rows, int dimension, int clusters)
    {
        var centres = new double[clusters * dimension];
        for (int i = 0; i < centres.Length; i++)
        {
            centres[i] = 4 * Normal(random);
        }

        var scales = new double[dimension];
        for (int c = 0; c < dimension; c++)
        {
            scales[c] = Math.Exp(Normal(random));
        }

        var values = new double[rows * dimension];
        for (int n = 0; n < rows; n++)
        {
            int cluster = random.Next(clusters);
            double shared = Normal(random);
            for (int c = 0; c < dimension; c++)
            {
                values[n * dimension + c] = scales[c] * (centres[cluster * dimension + c] + 0.5 * shared + Normal(random));
            }
        }

        var names = Enumerable.Range(1, dimension).Select(i => $"x{i}").ToArray();
        return new DataSet("random", names, values, rows);
    }

    /// <summary>Random θ for the structure: weights from a Dirichlet-like draw, means near data rows, covariances random SPD of the data's scale.</summary>
    public static GaussianMixtureParameters Parameters(Random random, DataSet data, int components, CovarianceStructure structure)
    {
        int d = data.Dimension;
        var weights = new double[components];
        for (int k = 0; k < components; k++)
        {
            weights[k] = 0.2 + random.NextDouble();
        }

        double total = weights.Sum();
        for (int k = 0; k < components; k++)
        {
            weights[k] /= total;
        }

        // Data scale per column.
        var scale = new double[d];
        for (int c = 0; c < d; c++)
        {
            double mean = 0, square = 0;
            for (int n = 0; n < data.Rows; n++)
            {
                mean += data.Row(n)[c];
            }

            mean /= data.Rows;
            for (int n = 0; n < data.Rows; n++)
            {
                square += (data.Row(n)[c] - mean) * (data.Row(n)[c] - mean);
            }

            scale[c] = Math.Sqrt(square / data.Rows);
        }

        var means = new double[components * d];
        for (int k = 0; k < components; k++)
        {
            var row = data.Row(random.Next(data.Rows));
            for (int c = 0; c < d; c++)
            {
                means[k * d + c] = row[c] + 0.3 * scale[c] * Normal(random);
            }
        }

        var full = new double[components * d * d];
        var shared = RandomSpd(random, scale);
        for (int k = 0; k < components; k++)
        {
            var sigma = structure switch
            {
                TiedCovariance => shared,
                DiagonalCovariance => Diagonal(RandomSpd(random, scale), d),
                SphericalCovariance => Spherical(Math.Exp(0.5 * Normal(random)) * scale.Average() * scale.Average(), d),
                _ => RandomSpd(random, scale),
            };
            sigma.CopyTo(full, k * d * d);
        }

        return GaussianMixtureParameters.FromFullCovariances(structure, weights, means, full, d);
    }

    private static double[] RandomSpd(Random random, double[] scale)
    {
        int d = scale.Length;
        var a = new double[d * d];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = Normal(random);
        }

        var sigma = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double sum = i == j ? d : 0;
                for (int m = 0; m < d; m++)
                {
                    sum += a[i * d + m] * a[j * d + m];
                }

                sigma[i * d + j] = 0.25 * scale[i] * scale[j] * sum / d;
            }
        }

        return sigma;
    }

    private static double[] Diagonal(double[] sigma, int d)
    {
        var diagonal = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            diagonal[i * d + i] = sigma[i * d + i];
        }

        return diagonal;
    }

    private static double[] Spherical(double variance, int d)
    {
        var sigma = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            sigma[i * d + i] = variance;
        }

        return sigma;
    }
}
