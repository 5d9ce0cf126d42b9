using LatentFit.Data;
using LatentFit.Fitting;
using LatentFit.Models.Gaussian;
using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>The three checks of the relation between EM and the gradient, at one θ.</summary>
/// <param name="Parameters">The θ checked.</param>
/// <param name="Fisher">Gradient from the statistics against finite differences of ℓ.</param>
/// <param name="XuJordan">EM step against P(θ)∇ℓ.</param>
/// <param name="Monotonicity">ℓ along EM steps from θ.</param>
public sealed record GaussianMixtureDiagnosticsReport(GaussianMixtureParameters Parameters, FisherIdentityReport Fisher, XuJordanReport XuJordan, EmMonotonicityReport Monotonicity)
{
    /// <summary>Tolerance of the Fisher check (relative).</summary>
    public const double FisherTolerance = 1e-6;

    /// <summary>Tolerance of the Xu–Jordan residuals (relative).</summary>
    public const double XuJordanTolerance = 1e-9;

    /// <summary>Whether all three pass.</summary>
    public bool Passed => Fisher.Passed(FisherTolerance) && XuJordan.Passed(XuJordanTolerance) && Monotonicity.Passed;
}

/// <summary>Runs the diagnostics for a Gaussian mixture on data, at a random θ.</summary>
public static class GaussianMixtureDiagnostics
{
    /// <summary>
    /// Runs the three checks with the exact EM map, i.e. without covariance regularisation, at the settings'
    /// fixed start or else at <see cref="RandomParameters"/>.
    /// </summary>
    public static GaussianMixtureDiagnosticsReport Run(GaussianMixtureFitSettings settings, int emSteps = 100)
    {
        var model = settings.CreateModel();
        var theta = settings.Start ?? RandomParameters(model, settings.Data, settings.Seed);
        var exact = new GaussianMixtureModel(model.Components, model.Dimension, model.Structure, regularization: 0);
        var problem = new FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>(exact, settings.Data, settings.Execution);
        var eta = problem.ToUnconstrained(theta);
        return new GaussianMixtureDiagnosticsReport(
            theta,
            FisherIdentityCheck.Run(problem, eta),
            XuJordanCheck.Run(theta, settings.Data, settings.Execution),
            EmMonotonicityCheck.Run(problem, eta, emSteps));
    }

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
                mean[c] += data.Row(i)[c] / n;
            }
        }

        var covariance = new double[d * d];
        for (int i = 0; i < n; i++)
        {
            var x = data.Row(i);
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
            data.Row(rows[j]).CopyTo(means.AsSpan(j * d, d));
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

        var covariances = new double[model.Structure.CovarianceLength(k, d)];
        model.Structure.ProjectFullMatrices(full, k, d, covariances);
        return GaussianMixtureParameters.Create(model.Structure, weights, means, covariances, d);
    }
}
