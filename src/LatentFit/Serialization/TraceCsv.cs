using System.Globalization;
using System.Text;
using LatentFit.Tracing;

namespace LatentFit.Serialization;

/// <summary>Trace records as CSV: iteration,logLikelihood,gradientNorm,passes,seconds,note.</summary>
public static class TraceCsv
{
    /// <summary>The CSV text for <paramref name="records"/>, with a header row.</summary>
    public static string Format(IEnumerable<TraceRecord> records)
    {
        var text = new StringBuilder("iteration,logLikelihood,gradientNorm,passes,seconds,note\n");
        foreach (var r in records)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Iteration},{Number(r.LogLikelihood)},{Number(r.GradientNorm)},{r.Passes},{Number(r.Seconds)},");
            if (r.Note is { } note)
            {
                text.Append('"').Append(note.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : string.Empty;
}
