using LatentFit.Numerics;

namespace LatentFit.Numerics.Kernels;

/// <summary>
/// Kernels for one unconstrained D×D covariance block, shared by the full structure (one block per
/// component) and the tied structure (one block pooled over components).
/// </summary>
internal static class FullMatrixBlock
{
    public static int UnconstrainedLength(int dimension) => dimension * (dimension + 1) / 2;

    /// <summary>Writes L⁻¹ with Σ = LLᵀ and returns log det Σ; false when Σ is not positive definite.</summary>
    public static bool TryFactorize(ReadOnlySpan<double> sigma, int dimension, Span<double> inverseFactor, out double logDeterminant)
    {
        Span<double> lower = new double[dimension * dimension];
        sigma[..(dimension * dimension)].CopyTo(lower);
        if (!DenseMatrix.TryCholesky(lower, dimension))
        {
            logDeterminant = double.NaN;
            return false;
        }

        // Numerically singular: a conditional variance below 10⁻¹³ of its coordinate's variance leaves the
        // Mahalanobis terms with too few correct digits for ℓ (or its monotonicity under EM) to mean anything.
        for (int i = 0; i < dimension; i++)
        {
            double pivot = lower[i * dimension + i];
            if (!(pivot * pivot >= 1e-13 * sigma[i * dimension + i]))
            {
                logDeterminant = double.NaN;
                return false;
            }
        }

        logDeterminant = DenseMatrix.LogDeterminantFromCholesky(lower, dimension);
        DenseMatrix.InvertLower(lower, dimension, inverseFactor);
        return double.IsFinite(logDeterminant);
    }

    /// <summary>min over blocks and i of Lᵢᵢ² = 1/(L⁻¹)ᵢᵢ², and its block.</summary>
    public static (double Value, int Block) SmallestConditionalVariance(ReadOnlySpan<double> inverseFactors, int blocks, int dimension)
    {
        double smallest = double.PositiveInfinity;
        int block = 0;
        for (int b = 0; b < blocks; b++)
        {
            for (int i = 0; i < dimension; i++)
            {
                double inverse = inverseFactors[b * dimension * dimension + i * dimension + i];
                double variance = 1 / (inverse * inverse);
                if (variance < smallest)
                {
                    smallest = variance;
                    block = b;
                }
            }
        }

        return (smallest, block);
    }

    /// <summary>Σ = S/n − [ΔμΔμᵀ] + reg·I from an upper-triangular scatter S.</summary>
    public static void Maximize(ReadOnlySpan<double> scatterUpper, double count, ReadOnlySpan<double> meanShift, double regularization, bool centreAtNewMean, int dimension, Span<double> sigma)
    {
        for (int i = 0; i < dimension; i++)
        {
            for (int j = i; j < dimension; j++)
            {
                double value = scatterUpper[i * dimension + j] / count;
                if (centreAtNewMean)
                {
                    value -= meanShift[i] * meanShift[j];
                }

                sigma[i * dimension + j] = value;
                sigma[j * dimension + i] = value;
            }

            sigma[i * dimension + i] += regularization;
        }
    }

    /// <summary>½ log(v − ε), the unconstrained coordinate of a (conditional) variance v above the floor ε.</summary>
    public static double LogExcess(double variance, double floor) =>
        0.5 * Math.Log(floor > 0 ? Math.Max(variance - floor, 1e-12 * floor) : variance);

    /// <summary>η block: lower triangle of chol(Σ), row by row, ½ log(Lᵢᵢ² − ε) on the diagonal.</summary>
    public static void ToUnconstrained(ReadOnlySpan<double> sigma, int dimension, double floor, Span<double> eta)
    {
        var lower = sigma[..(dimension * dimension)].ToArray();
        if (!DenseMatrix.TryCholesky(lower, dimension))
        {
            throw new ArgumentException("covariance matrix is not positive definite");
        }

        int index = 0;
        for (int i = 0; i < dimension; i++)
        {
            for (int j = 0; j < i; j++)
            {
                eta[index++] = lower[i * dimension + j];
            }

            eta[index++] = LogExcess(lower[i * dimension + i] * lower[i * dimension + i], floor);
        }
    }

    /// <summary>Scales of an η block: √Σᵢᵢ, the scale of row i, for an off-diagonal Lᵢⱼ; 1 for the log coordinate on the diagonal.</summary>
    public static void Scales(ReadOnlySpan<double> sigma, int dimension, Span<double> scales)
    {
        int index = 0;
        for (int i = 0; i < dimension; i++)
        {
            for (int j = 0; j < i; j++)
            {
                scales[index++] = Math.Sqrt(sigma[i * dimension + i]);
            }

            scales[index++] = 1;
        }
    }

    /// <summary>Σ = LLᵀ from an η block, with Lᵢᵢ = √(ε + e^{2ηᵢᵢ}).</summary>
    public static void FromUnconstrained(ReadOnlySpan<double> eta, int dimension, double floor, Span<double> sigma)
    {
        var lower = new double[dimension * dimension];
        int index = 0;
        for (int i = 0; i < dimension; i++)
        {
            for (int j = 0; j < i; j++)
            {
                lower[i * dimension + j] = eta[index++];
            }

            double excess = Math.Exp(2 * eta[index++]);
            lower[i * dimension + i] = Math.Sqrt(floor + excess);
        }

        DenseMatrix.MultiplyTransposedRight(lower, lower, dimension, sigma);
    }

    /// <summary>
    /// M = L⁻¹ S L⁻ᵀ − nI, the shared core of both gradients: with G = ∂ℓ/∂Σ = ½Λ(S − nΣ)Λ and Λ = L⁻ᵀL⁻¹,
    /// G = ½ L⁻ᵀ M L⁻¹ and ∂ℓ/∂L = 2GL = L⁻ᵀ M.
    /// </summary>
    private static double[] WhitenedResidual(ReadOnlySpan<double> inverseFactor, ReadOnlySpan<double> scatterUpper, double count, int dimension)
    {
        int size = dimension * dimension;
        var scatter = scatterUpper[..size].ToArray();
        DenseMatrix.SymmetrizeFromUpper(scatter, dimension);
        var temporary = new double[size];
        var residual = new double[size];
        DenseMatrix.Multiply(inverseFactor, scatter, dimension, temporary);
        DenseMatrix.MultiplyTransposedRight(temporary, inverseFactor, dimension, residual);
        for (int i = 0; i < dimension; i++)
        {
            residual[i * dimension + i] -= count;
        }

        return residual;
    }

    /// <summary>
    /// ∂ℓ/∂η for one block: ∂ℓ/∂Lᵢⱼ = (L⁻ᵀM)ᵢⱼ below the diagonal, and on it ∂ℓ/∂ηᵢᵢ = (L⁻ᵀM)ᵢᵢ·(Lᵢᵢ² − ε)/Lᵢᵢ since
    /// Lᵢᵢ = √(ε + e^{2ηᵢᵢ}).
    /// </summary>
    public static void Gradient(ReadOnlySpan<double> inverseFactor, ReadOnlySpan<double> scatterUpper, double count, int dimension, double floor, Span<double> gradient)
    {
        var residual = WhitenedResidual(inverseFactor, scatterUpper, count, dimension);
        var gradientL = new double[dimension * dimension];
        DenseMatrix.MultiplyTransposedLeft(inverseFactor, residual, dimension, gradientL);
        int index = 0;
        for (int i = 0; i < dimension; i++)
        {
            for (int j = 0; j < i; j++)
            {
                gradient[index++] = gradientL[i * dimension + j];
            }

            // Lᵢᵢ = 1/(L⁻¹)ᵢᵢ; chain rule for the diagonal coordinate.
            double diagonal = 1 / inverseFactor[i * dimension + i];
            gradient[index++] = gradientL[i * dimension + i] * (diagonal - floor / diagonal);
        }
    }

    /// <summary>tr(ΛS) = tr(L⁻¹ S L⁻ᵀ) for an upper-triangular scatter S: the Mahalanobis part of the complete-data log-likelihood.</summary>
    public static double WhitenedTrace(ReadOnlySpan<double> inverseFactor, ReadOnlySpan<double> scatterUpper, int dimension)
    {
        var whitened = WhitenedResidual(inverseFactor, scatterUpper, 0, dimension);
        double trace = 0;
        for (int i = 0; i < dimension; i++)
        {
            trace += whitened[i * dimension + i];
        }

        return trace;
    }

    /// <summary>
    /// Moves an upper-triangular scatter S = Σ r(x − c)(x − c)ᵀ with first moment s₁ = Σ r(x − c) to the point c + δ:
    /// Σ r(x − c − δ)(x − c − δ)ᵀ = S − s₁δᵀ − δs₁ᵀ + nδδᵀ, added in place (upper triangle only).
    /// </summary>
    public static void Displace(Span<double> scatterUpper, ReadOnlySpan<double> firstMoment, ReadOnlySpan<double> displacement, double count, int dimension)
    {
        for (int i = 0; i < dimension; i++)
        {
            for (int j = i; j < dimension; j++)
            {
                scatterUpper[i * dimension + j] += count * displacement[i] * displacement[j] - firstMoment[i] * displacement[j] - displacement[i] * firstMoment[j];
            }
        }
    }

    /// <summary>G = ∂ℓ/∂Σ = ½Λ(S − nΣ)Λ = ½ L⁻ᵀ M L⁻¹ as a full symmetric matrix.</summary>
    public static void NaturalGradient(ReadOnlySpan<double> inverseFactor, ReadOnlySpan<double> scatterUpper, double count, int dimension, Span<double> gradient)
    {
        var residual = WhitenedResidual(inverseFactor, scatterUpper, count, dimension);
        var temporary = new double[dimension * dimension];
        DenseMatrix.MultiplyTransposedLeft(inverseFactor, residual, dimension, temporary);
        DenseMatrix.Multiply(temporary, inverseFactor, dimension, gradient);
        for (int i = 0; i < dimension * dimension; i++)
        {
            gradient[i] *= 0.5;
        }
    }

    /// <summary>
    /// (2/n)(Σ ⊗ Σ) vec(G), with the Kronecker product formed entry by entry as in Xu &amp; Jordan (1996):
    /// P[(a,b),(c,d)] = (2/n) Σ_ac Σ_bd.
    /// </summary>
    public static void ApplyXuJordan(ReadOnlySpan<double> sigma, ReadOnlySpan<double> gradient, double count, int dimension, Span<double> step)
    {
        int size = dimension * dimension;
        for (int row = 0; row < size; row++)
        {
            int a = row / dimension, b = row % dimension;
            double sum = 0;
            for (int column = 0; column < size; column++)
            {
                int c = column / dimension, d = column % dimension;
                sum += 2.0 / count * sigma[a * dimension + c] * sigma[b * dimension + d] * gradient[column];
            }

            step[row] = sum;
        }
    }

    /// <summary>Smallest eigenvalue of (2/n) Σ ⊗ Σ: (2/n) λ_min(Σ)², since the eigenvalues of A ⊗ A are the products λᵢλⱼ.</summary>
    public static double XuJordanMinimumEigenvalue(ReadOnlySpan<double> sigma, double count, int dimension)
    {
        Span<double> eigenvalues = new double[dimension];
        DenseMatrix.SymmetricEigenvalues(sigma, dimension, eigenvalues);
        double smallest = eigenvalues[0];
        return smallest <= 0 ? smallest : 2.0 / count * smallest * smallest;
    }
}
