using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Gaussian;
using LatentFit.Numerics;

namespace LatentFit.Diagnostics;

/// <summary>Result of <see cref="XuJordanCheck"/>. Residuals are ‖(θ_EM − θ) − P∇ℓ‖₂ / ‖θ_EM − θ‖₂ per block.</summary>
/// <param name="WeightsResidual">Mixing-weight block, P = (1/N)(diag α − ααᵀ).</param>
/// <param name="MeansResidual">Mean block, P = Σₖ/nₖ.</param>
/// <param name="CovarianceResidualCurrentMeans">Covariance block for the update centred at the current means μₜ, for which the identity is exact.</param>
/// <param name="CovarianceResidualUsual">Covariance block for EM's usual update (centred at the new means): not small, it differs by ΔμΔμᵀ.</param>
/// <param name="CovarianceResidualUsualCorrected">The usual update plus the ΔμΔμᵀ term, against P∇ℓ: exact again.</param>
/// <param name="MeanShiftTermNorm">‖ΔμΔμᵀ‖₂ (Frobenius, in the structure's layout), the size of the fine-print term.</param>
/// <param name="MinimumEigenvalueWeights">Smallest eigenvalue of the weight block on the simplex's tangent space {Σ dα = 0}.</param>
/// <param name="MinimumEigenvalueMeans">Smallest eigenvalue of the mean blocks.</param>
/// <param name="MinimumEigenvalueCovariances">Smallest eigenvalue of the covariance blocks.</param>
public sealed record XuJordanReport(
    double WeightsResidual,
    double MeansResidual,
    double CovarianceResidualCurrentMeans,
    double CovarianceResidualUsual,
    double CovarianceResidualUsualCorrected,
    double MeanShiftTermNorm,
    double MinimumEigenvalueWeights,
    double MinimumEigenvalueMeans,
    double MinimumEigenvalueCovariances)
{
    /// <summary>Largest of the residuals that the identity says are zero.</summary>
    public double MaxResidual => Math.Max(Math.Max(WeightsResidual, MeansResidual), Math.Max(CovarianceResidualCurrentMeans, CovarianceResidualUsualCorrected));

    /// <summary>Whether P is positive definite (on the simplex's tangent space for the weights).</summary>
    public bool PositiveDefinite => MinimumEigenvalueWeights > 0 && MinimumEigenvalueMeans > 0 && MinimumEigenvalueCovariances > 0;

    /// <summary>Residuals within <paramref name="tolerance"/> and P positive definite.</summary>
    public bool Passed(double tolerance = 1e-9) => MaxResidual <= tolerance && PositiveDefinite;
}

/// <summary>
/// Xu &amp; Jordan (1996), eq. (10)–(12): for a Gaussian mixture, the EM step is a projected gradient step,
/// θ_EM − θ = P(θ)∇ℓ(θ), with P positive definite, block-diagonal over weights, means and covariances.
/// The check forms P's blocks explicitly, applies them to ∇ℓ in the natural parameters (from the E-step
/// statistics), and compares with the M-step. The EM map is the exact one (no covariance regularisation).
/// </summary>
/// <remarks>
/// The fine print: the covariance block is exact for the covariance update centred at the current means μₜ,
/// Sₖ/nₖ; EM's usual update centres at the new means and equals Sₖ/nₖ − ΔμₖΔμₖᵀ, so its residual is the
/// size of that term. Both are reported.
/// </remarks>
public static class XuJordanCheck
{
    /// <summary>Runs the check at θ on <paramref name="data"/>.</summary>
    public static XuJordanReport Run(GaussianMixtureParameters theta, DataSet data, ExecutionOptions? execution = null)
    {
        int k = theta.Components, d = theta.Dimension;
        var structure = theta.Structure;
        var model = new GaussianMixtureModel(k, d, structure, regularization: 0);
        var stats = ChunkedEStep.Run(model, theta, data, execution ?? ExecutionOptions.Default);
        double total = stats.Weight;
        var n = stats.ComponentWeights;

        // Weights: ∂ℓ/∂αₖ = nₖ/αₖ; P_α = (1/N)(diag α − ααᵀ).
        var weightGradient = new double[k];
        for (int j = 0; j < k; j++)
        {
            weightGradient[j] = n[j] / theta.Weights[j];
        }

        var weightBlock = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                weightBlock[i * k + j] = ((i == j ? theta.Weights[i] : 0) - theta.Weights[i] * theta.Weights[j]) / total;
            }
        }

        var weightStep = MatrixVector(weightBlock, weightGradient, k);

        // Means: ∇_μₖℓ = Λₖs₁ₖ; P_μₖ = Σₖ/nₖ.
        var meanGradient = new double[k * d];
        model.MeanGradient(theta, stats, meanGradient);
        var full = theta.FullCovariances();
        var meanStep = new double[k * d];
        double minimumMeans = double.PositiveInfinity;
        var eigenvalues = new double[d];
        for (int j = 0; j < k; j++)
        {
            var sigma = full.AsSpan(j * d * d, d * d);
            var step = MatrixVector(sigma.ToArray(), meanGradient.AsSpan(j * d, d).ToArray(), d);
            for (int c = 0; c < d; c++)
            {
                meanStep[j * d + c] = step[c] / n[j];
            }

            DenseMatrix.SymmetricEigenvalues(sigma, d, eigenvalues);
            minimumMeans = Math.Min(minimumMeans, eigenvalues[0] / n[j]);
        }

        // Covariances: the structure's block of (2/n) Σ ⊗ Σ applied to ∂ℓ/∂Σ = ½Λ(S − nΣ)Λ.
        int length = structure.CovarianceLength(k, d);
        var covarianceGradient = new double[length];
        structure.NaturalGradient(theta.Covariances, theta.Factors, stats.Scatter, n, total, d, covarianceGradient);
        var covarianceStep = new double[length];
        structure.ApplyXuJordanPreconditioner(theta.Covariances, covarianceGradient, n, total, d, covarianceStep);

        var current = model.Maximize(theta, stats, regularization: 0, centreAtNewMeans: false);
        var usual = model.Maximize(theta, stats, regularization: 0, centreAtNewMeans: true);
        var shiftTerm = new double[length];
        structure.MeanShiftTerm(model.MeanShifts(stats), n, total, d, shiftTerm);
        var corrected = new double[length];
        for (int i = 0; i < length; i++)
        {
            corrected[i] = usual.Covariances[i] + shiftTerm[i];
        }

        return new XuJordanReport(
            Residual(usual.Weights, theta.Weights, weightStep),
            Residual(usual.Means, theta.Means, meanStep),
            Residual(current.Covariances, theta.Covariances, covarianceStep),
            Residual(usual.Covariances, theta.Covariances, covarianceStep),
            Residual(corrected, theta.Covariances, covarianceStep),
            Norm(shiftTerm),
            TangentMinimumEigenvalue(weightBlock, k),
            minimumMeans,
            structure.XuJordanMinimumEigenvalue(theta.Covariances, n, total, d));
    }

    private static double[] MatrixVector(double[] matrix, double[] vector, int size)
    {
        var result = new double[size];
        for (int i = 0; i < size; i++)
        {
            double sum = 0;
            for (int j = 0; j < size; j++)
            {
                sum += matrix[i * size + j] * vector[j];
            }

            result[i] = sum;
        }

        return result;
    }

    private static double Residual(ReadOnlySpan<double> updated, ReadOnlySpan<double> original, ReadOnlySpan<double> predictedStep)
    {
        double difference = 0, scale = 0;
        for (int i = 0; i < updated.Length; i++)
        {
            double step = updated[i] - original[i];
            difference += (step - predictedStep[i]) * (step - predictedStep[i]);
            scale += step * step;
        }

        return scale > 0 ? Math.Sqrt(difference / scale) : Math.Sqrt(difference);
    }

    private static double Norm(ReadOnlySpan<double> values)
    {
        double sum = 0;
        foreach (double v in values)
        {
            sum += v * v;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Smallest eigenvalue of P_α restricted to {x : Σxᵢ = 0}: P_α·1 = 0 (the constraint direction), so it is
    /// the smallest eigenvalue of P_α + c·11ᵀ/K for any c larger than P_α's spectrum, other than c itself.
    /// </summary>
    private static double TangentMinimumEigenvalue(double[] block, int k)
    {
        if (k == 1)
        {
            return double.PositiveInfinity;
        }

        double trace = 0;
        for (int i = 0; i < k; i++)
        {
            trace += block[i * k + i];
        }

        // Shifting the null direction 1/√K up to c = 1 + 2·trace puts it above every other eigenvalue.
        double shift = 1 + 2 * trace;
        var shifted = (double[])block.Clone();
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                shifted[i * k + j] += shift / k;
            }
        }

        var eigenvalues = new double[k];
        DenseMatrix.SymmetricEigenvalues(shifted, k, eigenvalues);
        return eigenvalues[0];
    }
}
