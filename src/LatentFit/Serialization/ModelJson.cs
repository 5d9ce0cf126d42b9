using System.Text.Encodings.Web;
using System.Text.Json;
using LatentFit.Diagnostics;
using LatentFit.Fitting;

namespace LatentFit.Serialization;

/// <summary>How a fit was made, written beside its parameters.</summary>
/// <param name="Algorithm">Optimiser name.</param>
/// <param name="Initialization">How the starts were made (kmeans++, random, hc, quantiles, or the --init file).</param>
public sealed record FitMetadata(string Algorithm, string Initialization);

/// <summary>
/// A fit as JSON: the model's description and parameter fields (which <c>--init</c> reads back), the fit's summary,
/// standard errors when computed, and the trace, one object per iteration.
/// </summary>
public static class ModelJson
{
    /// <summary>Writes the fit as indented JSON. Non-finite numbers (e.g. a gradient norm EM did not compute) are written as null.</summary>
    public static void Write(Stream stream, ModelFit fit, ModelSpecification specification, FitMetadata metadata, StandardErrorReport? standardErrors = null)
    {
        // Relaxed escaping keeps names such as "kmeans++" readable; the output is a file, never embedded in HTML.
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var result = fit.Result;
        json.WriteStartObject();
        json.WriteString("model", specification.ModelName);
        json.WriteNumber("k", specification.Components);
        specification.WriteDescription(json);
        json.WriteString("data", specification.Data.Source);
        json.WriteStartArray("columns");
        foreach (string column in specification.Data.ColumnNames)
        {
            json.WriteStringValue(column);
        }

        json.WriteEndArray();
        json.WriteNumber("observations", fit.Problem.Observations);
        json.WriteString("algorithm", metadata.Algorithm);
        Number(json, "logLikelihood", result.LogLikelihood);
        json.WriteNumber("iterations", result.Iterations);
        json.WriteBoolean("converged", result.Converged);
        json.WriteString("termination", result.Termination.ToString());
        json.WriteNumber("passes", result.Passes);
        Number(json, "seconds", result.Seconds);
        json.WriteString("initialization", metadata.Initialization);
        json.WriteNumber("seed", specification.Seed);
        json.WriteNumber("restarts", specification.Starts);
        json.WriteStartArray("restartLogLikelihoods");
        foreach (var restart in fit.Restarts)
        {
            NumberValue(json, restart.LogLikelihood);
        }

        json.WriteEndArray();
        specification.WriteParameters(json, fit.Problem, result.Parameters);
        if (standardErrors is not null)
        {
            json.WriteStartObject("standardErrors");
            for (int i = 0; i < standardErrors.Names.Count; i++)
            {
                Number(json, standardErrors.Names[i], standardErrors.Errors[i]);
            }

            json.WriteEndObject();
            json.WriteString("standardErrorsFrom", standardErrors.AnalyticHessian ? "observed information (analytic, Louis 1982)" : "observed information (finite differences of the gradient)");
        }

        json.WriteStartArray("trace");
        foreach (var record in result.Trace)
        {
            json.WriteStartObject();
            json.WriteNumber("iteration", record.Iteration);
            Number(json, "logLikelihood", record.LogLikelihood);
            Number(json, "gradientNorm", record.GradientNorm);
            json.WriteNumber("passes", record.Passes);
            Number(json, "seconds", record.Seconds);
            if (record.Note is { } note)
            {
                json.WriteString("note", note);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Writes a number, or null when it is not finite.</summary>
    public static void NumberValue(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteNullValue();
        }
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        json.WritePropertyName(name);
        NumberValue(json, value);
    }
}
