using System.Globalization;

namespace LatentFit.Data;

/// <summary>
/// Refuses columns whose scale a Gaussian's squared deviations cannot carry in double precision: values of
/// magnitude beyond <see cref="MaximumMagnitude"/> (their squares, summed over rows, overflow 1.8e308), and
/// columns that vary by less than <see cref="MinimumSpread"/> (their squared deviations underflow towards 2.2e-308
/// and lose every digit). Without this the failure surfaces far from its cause, e.g. as "fewer than K distinct
/// rows" when the variance used to scale k-means++'s distances is infinite.
/// </summary>
public static class DataScale
{
    /// <summary>The largest magnitude accepted: its square is 1e300, so sums over up to a million rows stay finite.</summary>
    public const double MaximumMagnitude = 1e150;

    /// <summary>The smallest non-zero spread (largest minus smallest value) accepted: its square is 1e-300, above the subnormal range.</summary>
    public const double MinimumSpread = 1e-150;

    /// <summary>Checks every column of <paramref name="data"/>; a constant column passes (it is a finding of <see cref="Diagnostics.FitHealth"/>, not a scale problem).</summary>
    /// <exception cref="DataFormatException">A column is out of range; the message names it and says how to rescale.</exception>
    public static void Require(DataSet data)
    {
        for (int c = 0; c < data.Dimension; c++)
        {
            double minimum = double.PositiveInfinity, maximum = double.NegativeInfinity;
            for (int n = 0; n < data.Rows; n++)
            {
                double x = data[n, c];
                minimum = Math.Min(minimum, x);
                maximum = Math.Max(maximum, x);
            }

            string column = $"{data.Source}: column {c + 1} (\"{data.ColumnNames[c]}\")";
            double magnitude = Math.Max(Math.Abs(minimum), Math.Abs(maximum));
            if (magnitude > MaximumMagnitude)
            {
                throw new DataFormatException(
                    $"{column} has values of magnitude {Order(magnitude)}; their squares overflow double precision (beyond 1.8e308): rescale the column (divide it by about {Order(magnitude)})",
                    data.Source,
                    column: c + 1,
                    columnName: data.ColumnNames[c]);
            }

            double spread = maximum - minimum;
            if (spread > 0 && spread < MinimumSpread)
            {
                throw new DataFormatException(
                    $"{column} varies only by {Order(spread)} (from {minimum.ToString("G6", CultureInfo.InvariantCulture)} to {maximum.ToString("G6", CultureInfo.InvariantCulture)}); squared deviations that small underflow double precision: rescale the column (subtract its mean and divide by about {Order(spread)})",
                    data.Source,
                    column: c + 1,
                    columnName: data.ColumnNames[c]);
            }
        }
    }

    private static string Order(double value) => $"1e{Math.Round(Math.Log10(value)).ToString(CultureInfo.InvariantCulture)}";
}
