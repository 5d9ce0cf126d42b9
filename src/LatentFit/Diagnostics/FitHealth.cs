using LatentFit.Data;
using LatentFit.Models.Gaussian;

namespace LatentFit.Diagnostics;

/// <summary>What is wrong with a fit that nonetheless ended without a numerical failure.</summary>
public enum FitFindingKind
{
    /// <summary>A column takes one value in every row: a Gaussian's variance along it is only the regularisation, which then sets ℓ.</summary>
    ConstantColumn,

    /// <summary>
    /// A component carries fewer observations (weight × N) than its covariance needs (D + 1 for a full covariance,
    /// 2 otherwise): its sample covariance is singular and the regularisation alone keeps it positive definite, so
    /// ℓ grows without bound as the regularisation goes to 0.
    /// </summary>
    ComponentOnFewRows,

    /// <summary>
    /// A component's variance along a column is at most twice the regularisation: at least half of it is the floor
    /// added in every M-step, not the data.
    /// </summary>
    VarianceAtFloor,

    /// <summary>Every variance of every component is at the regularisation floor (<see cref="VarianceAtFloor"/> everywhere): the fit describes the floor, not the data.</summary>
    AllVariancesAtFloor,
}

/// <summary>One finding; the component and column are 0-based, null where they do not apply.</summary>
/// <param name="Kind">What was found.</param>
/// <param name="Component">The component, or null.</param>
/// <param name="Column">The column, or null.</param>
/// <param name="ColumnName">The column's name, or null.</param>
/// <param name="Value">The measured quantity: observations on the component, the variance, or the constant value.</param>
/// <param name="Floor">For the floor findings, the regularisation the variances are compared with; otherwise null.</param>
public sealed record FitFinding(FitFindingKind Kind, int? Component, int? Column, string? ColumnName, double Value, double? Floor = null);

/// <summary>
/// Checks a fitted Gaussian mixture against its data for fits that end "converged" but describe the regularisation
/// rather than the data (Hathaway 1985: the likelihood of a Gaussian mixture is unbounded as a component shrinks onto
/// one point; scikit-learn's and mclust's <c>reg_covar</c>/prior only hide that). A function of the data, the
/// parameters and the regularisation; it makes no pass of the E-step: a component's observations are its weight
/// times N, which EM's M-step makes exact at its fixed point.
/// </summary>
public static class FitHealth
{
    /// <summary>Variances at most this multiple of the regularisation are "at the floor".</summary>
    public const double FloorFactor = 2;

    /// <summary>The findings, in the order: constant columns, components on few rows, variances at the floor.</summary>
    public static IReadOnlyList<FitFinding> Check(DataSet data, GaussianMixtureParameters theta, double regularization, double observations)
    {
        var findings = new List<FitFinding>();
        int d = theta.Dimension, k = theta.Components;
        var constant = new bool[d];
        for (int c = 0; c < d; c++)
        {
            if (IsConstant(data, c, out double value))
            {
                constant[c] = true;
                findings.Add(new FitFinding(FitFindingKind.ConstantColumn, null, c, data.ColumnNames[c], value));
            }
        }

        int needed = theta.Structure is FullCovariance ? d + 1 : 2;
        for (int j = 0; j < k; j++)
        {
            double carried = theta.Weights[j] * observations;
            if (carried < needed)
            {
                findings.Add(new FitFinding(FitFindingKind.ComponentOnFewRows, j, null, null, carried));
            }
        }

        if (!(regularization > 0))
        {
            return findings;
        }

        var full = theta.FullCovariances();
        var floors = new List<FitFinding>();
        for (int j = 0; j < k; j++)
        {
            for (int c = 0; c < d; c++)
            {
                double variance = full[j * d * d + c * d + c];
                if (variance <= FloorFactor * regularization)
                {
                    floors.Add(new FitFinding(FitFindingKind.VarianceAtFloor, j, c, data.ColumnNames[c], variance, regularization));
                }
            }
        }

        if (floors.Count == k * d)
        {
            findings.Add(new FitFinding(FitFindingKind.AllVariancesAtFloor, null, null, null, regularization, regularization));
        }
        else
        {
            // A constant column is already named once; its variance is at the floor in every component by necessity.
            findings.AddRange(floors.Where(f => !constant[f.Column!.Value]));
        }

        return findings;
    }

    private static bool IsConstant(DataSet data, int column, out double value)
    {
        value = data[0, column];
        for (int n = 1; n < data.Rows; n++)
        {
            if (data[n, column] != value)
            {
                return false;
            }
        }

        return true;
    }
}
