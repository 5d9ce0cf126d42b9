namespace LatentFit.Objectives;

/// <summary>Writes the gradient of a function at a point (the rows of a row-major matrix it fills).</summary>
/// <param name="point">Where.</param>
/// <param name="gradient">The gradient there.</param>
internal delegate void GradientAt(double[] point, Span<double> gradient);

/// <summary>
/// A second-derivative matrix from central differences of an analytic gradient, symmetrised: the observed Hessian of
/// ℓ where the model has no analytic one (<see cref="FitProblem.Hessian"/>) and the complete-data information
/// −∇²Q (<see cref="CompleteDataObjective.Information"/>) share it.
/// </summary>
internal static class SymmetricDifferences
{
    /// <summary>
    /// <paramref name="sign"/>·∂gᵢ/∂xⱼ at <paramref name="at"/> into <paramref name="matrix"/> (P×P, row-major), by central
    /// differences with step <paramref name="steps"/>[j] in coordinate j, then each pair of entries replaced by their mean.
    /// </summary>
    public static void Jacobian(ReadOnlySpan<double> at, double[] steps, GradientAt gradient, double sign, Span<double> matrix)
    {
        int p = at.Length;
        var point = at.ToArray();
        var plus = new double[p];
        var minus = new double[p];
        for (int j = 0; j < p; j++)
        {
            double h = steps[j];
            point[j] = at[j] + h;
            gradient(point, plus);
            point[j] = at[j] - h;
            gradient(point, minus);
            point[j] = at[j];
            for (int i = 0; i < p; i++)
            {
                matrix[i * p + j] = sign * ((plus[i] - minus[i]) / (2 * h));
            }
        }

        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < i; j++)
            {
                double mean = 0.5 * (matrix[i * p + j] + matrix[j * p + i]);
                matrix[i * p + j] = mean;
                matrix[j * p + i] = mean;
            }
        }
    }
}
