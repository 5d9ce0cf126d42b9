using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>Random parameters for the diagnostics of Gaussian mixtures.</summary>
public static class GaussianMixtureDiagnostics
{
    /// <summary>
    /// A random θ in the data's range, seeded: means at K distinct random rows, covariances the sample
    /// covariance (in the structure's form) times a random factor in [0.5, 2], weights uniform on [0.5, 1.5]
    /// then normalised. Unlike random responsibilities, whose M-step lands next to the stationary point where
    /// every component equals the one-component fit (a tiny gradient and tiny EM steps), this point has a
    /// gradient and EM steps of the data's own scale, so relative errors mean something.
    /// </summary>
    public static GaussianMixtureParameters RandomParameters(GaussianMixtureModel model, DataSet data, int seed)
    {
        var random = new Random(seed);
        int k = model.Components, d = model.Dimension, n = data.Rows;
        var mean = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < d; c++)
            {
                mean[c] += data[i, c] / n;
            }
        }

        var covariance = new double[d * d];
        var x = new double[d];
        for (int i = 0; i < n; i++)
        {
            data.CopyRow(i, x);
            for (int a = 0; a < d; a++)
            {
                for (int b = 0; b < d; b++)
                {
                    covariance[a * d + b] += (x[a] - mean[a]) * (x[b] - mean[b]) / n;
                }
            }
        }

        var rows = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(k).ToArray();
        var means = new double[k * d];
        var weights = new double[k];
        var full = new double[k * d * d];
        for (int j = 0; j < k; j++)
        {
            data.CopyRow(rows[j], means.AsSpan(j * d, d));
            weights[j] = 0.5 + random.NextDouble();
            double scale = 0.5 + 1.5 * random.NextDouble();
            for (int i = 0; i < d * d; i++)
            {
                full[j * d * d + i] = scale * covariance[i];
            }
        }

        double total = weights.Sum();
        for (int j = 0; j < k; j++)
        {
            weights[j] /= total;
        }

        var check = covariance.ToArray();
        if (!Numerics.DenseMatrix.TryCholesky(check, d))
        {
            throw new SettingException($"{data.Source}: the columns' sample covariance is singular (a constant column, or a column that is a linear combination of others), so there is no random θ of the data's scale to check at; leave such columns out", FitSetting.Columns);
        }

        var covariances = new double[model.Structure.CovarianceLength(k, d)];
        model.Structure.ProjectFullMatrices(full, k, d, covariances);
        return GaussianMixtureParameters.Create(model.Structure, weights, means, covariances, d);
    }
}
