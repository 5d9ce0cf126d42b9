using LatentFit.Data;
using LatentFit.Models.Gaussian;

namespace LatentFit.Tests.Models.Emissions;

/// <summary>Densities, weighted MLEs and data written out in the test, with no code shared with the library.</summary>
internal static class ReferenceDensities
{
    /// <summary>log(e^{−λ} λˣ / x!), x! by a product.</summary>
    public static double PoissonLog(double x, double rate)
    {
        double logFactorial = 0;
        for (int i = 2; i <= (int)x; i++)
        {
            logFactorial += Math.Log(i);
        }

        return -rate + x * Math.Log(rate) - logFactorial;
    }

    /// <summary>λₖ = Σₙ wₙγₙₖxₙ / Σₙ wₙγₙₖ.</summary>
    public static double[] PoissonMle(DataSet data, double[] posteriors)
    {
        int k = posteriors.Length / data.Rows;
        var rates = new double[k];
        for (int j = 0; j < k; j++)
        {
            double weight = 0, sum = 0;
            for (int n = 0; n < data.Rows; n++)
            {
                double w = (data.RowWeights?.Span[n] ?? 1) * posteriors[j * data.Rows + n];
                weight += w;
                sum += w * data.Row(n)[0];
            }

            rates[j] = sum / weight;
        }

        return rates;
    }

    /// <summary>
    /// The weighted MLE with the variances raised by ε: means K×D, then full K×D×D covariances. Full: Sₖ/nₖ + εI;
    /// tied: ΣₖSₖ / Σₖnₖ + εI for every k; diagonal: the diagonal of Sₖ/nₖ + ε; spherical: tr(Sₖ/nₖ)/D + ε (scikit-learn's).
    /// </summary>
    public static double[] GaussianMle(DataSet data, double[] posteriors, CovarianceStructure structure, double regularization)
    {
        int k = posteriors.Length / data.Rows, d = data.Dimension;
        var means = new double[k * d];
        var scatter = new double[k * d * d];
        var counts = new double[k];
        for (int j = 0; j < k; j++)
        {
            for (int n = 0; n < data.Rows; n++)
            {
                double w = (data.RowWeights?.Span[n] ?? 1) * posteriors[j * data.Rows + n];
                counts[j] += w;
                for (int c = 0; c < d; c++)
                {
                    means[j * d + c] += w * data.Row(n)[c];
                }
            }

            for (int c = 0; c < d; c++)
            {
                means[j * d + c] /= counts[j];
            }

            for (int n = 0; n < data.Rows; n++)
            {
                double w = (data.RowWeights?.Span[n] ?? 1) * posteriors[j * data.Rows + n];
                for (int a = 0; a < d; a++)
                {
                    for (int b = 0; b < d; b++)
                    {
                        scatter[j * d * d + a * d + b] += w * (data.Row(n)[a] - means[j * d + a]) * (data.Row(n)[b] - means[j * d + b]);
                    }
                }
            }
        }

        var covariances = new double[k * d * d];
        for (int j = 0; j < k; j++)
        {
            double trace = 0;
            for (int a = 0; a < d; a++)
            {
                trace += scatter[j * d * d + a * d + a] / counts[j];
            }

            for (int a = 0; a < d; a++)
            {
                for (int b = 0; b < d; b++)
                {
                    double tied = 0;
                    for (int i = 0; i < k; i++)
                    {
                        tied += scatter[i * d * d + a * d + b];
                    }

                    double value = structure.Name switch
                    {
                        "full" => scatter[j * d * d + a * d + b] / counts[j],
                        "tied" => tied / counts.Sum(),
                        "diag" => a == b ? scatter[j * d * d + a * d + b] / counts[j] : 0,
                        _ => a == b ? trace / d : 0,
                    };
                    covariances[j * d * d + a * d + b] = value + (a == b ? regularization : 0);
                }
            }
        }

        return [.. means, .. covariances];
    }

    /// <summary>p_kc = Σₙ wₙγₙₖ[xₙ = c] / Σₙ wₙγₙₖ, K×C row-major, the rows' categories as codes 0..C − 1.</summary>
    public static double[] CategoricalMle(DataSet data, double[] posteriors, int categories)
    {
        int k = posteriors.Length / data.Rows;
        var probabilities = new double[k * categories];
        for (int j = 0; j < k; j++)
        {
            double weight = 0;
            for (int n = 0; n < data.Rows; n++)
            {
                double w = (data.RowWeights?.Span[n] ?? 1) * posteriors[j * data.Rows + n];
                weight += w;
                probabilities[j * categories + (int)data.Row(n)[0]] += w;
            }

            for (int c = 0; c < categories; c++)
            {
                probabilities[j * categories + c] /= weight;
            }
        }

        return probabilities;
    }

    /// <summary>Category codes 0..C − 1 drawn uniformly, labelled c0, c1, …, with frequency weights 1..3.</summary>
    public static DataSet Categories(Random random, int rows, int categories)
    {
        var values = new double[rows];
        var weights = new double[rows];
        for (int n = 0; n < rows; n++)
        {
            values[n] = random.Next(categories);
            weights[n] = 1 + random.Next(3);
        }

        var labels = Enumerable.Range(0, categories).Select(c => $"c{c}").ToArray();
        return new DataSet("categories", ["x"], values, rows, weights, new DataSetLayout { Categories = [labels] });
    }

    /// <summary>Counts from three Poisson rates (Knuth's method), with frequency weights 1..3.</summary>
    public static DataSet Counts(Random random, int rows)
    {
        var values = new double[rows];
        var weights = new double[rows];
        double[] rates = [0.5, 3, 10];
        for (int n = 0; n < rows; n++)
        {
            double limit = Math.Exp(-rates[n % 3]), product = random.NextDouble();
            int count = 0;
            while (product > limit)
            {
                count++;
                product *= random.NextDouble();
            }

            values[n] = count;
            weights[n] = 1 + random.Next(3);
        }

        return new DataSet("counts", ["x"], values, rows, weights);
    }

    /// <summary>Rows from three spread clusters (Box–Muller normals), with frequency weights in [0.5, 2).</summary>
    public static DataSet Gaussian(Random random, int rows, int dimension)
    {
        var values = new double[rows * dimension];
        var weights = new double[rows];
        for (int n = 0; n < rows; n++)
        {
            for (int c = 0; c < dimension; c++)
            {
                double normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                values[n * dimension + c] = 4 * (n % 3) + (1 + c) * normal;
            }

            weights[n] = 0.5 + 1.5 * random.NextDouble();
        }

        return new DataSet("gaussian", [.. Enumerable.Range(1, dimension).Select(c => $"x{c}")], values, rows, weights);
    }

    /// <summary>Three components with random means and covariances of the structure's form (AAᵀ + I/2 for full and tied).</summary>
    public static GaussianMixtureParameters GaussianParameters(Random random, CovarianceStructure structure, int dimension)
    {
        const int k = 3;
        int d = dimension;
        var means = new double[k * d];
        var full = new double[k * d * d];
        var shared = RandomCovariance(random, d);
        for (int j = 0; j < k; j++)
        {
            for (int c = 0; c < d; c++)
            {
                means[j * d + c] = 4 * j + random.NextDouble() - 0.5;
            }

            var own = structure.Name == "tied" ? shared : RandomCovariance(random, d);
            double spherical = 0.5 + 2 * random.NextDouble();
            for (int a = 0; a < d; a++)
            {
                for (int b = 0; b < d; b++)
                {
                    full[j * d * d + a * d + b] = structure.Name switch
                    {
                        "full" or "tied" => own[a * d + b],
                        "diag" => a == b ? own[a * d + b] : 0,
                        _ => a == b ? spherical : 0,
                    };
                }
            }
        }

        return GaussianMixtureParameters.FromFullCovariances(structure, [0.2, 0.3, 0.5], means, full, d);
    }

    private static double[] RandomCovariance(Random random, int d)
    {
        var factor = new double[d * d];
        for (int i = 0; i < factor.Length; i++)
        {
            factor[i] = random.NextDouble() - 0.5;
        }

        var sigma = new double[d * d];
        for (int a = 0; a < d; a++)
        {
            for (int b = 0; b < d; b++)
            {
                for (int i = 0; i < d; i++)
                {
                    sigma[a * d + b] += factor[a * d + i] * factor[b * d + i];
                }

                sigma[a * d + b] += a == b ? 0.5 : 0;
            }
        }

        return sigma;
    }
}
