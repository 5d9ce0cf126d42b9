using System.Text.Encodings.Web;
using System.Text.Json;
using LatentFit.Fitting;
using LatentFit.Models.Gaussian;
using LatentFit.Tracing;

namespace LatentFit.Serialization;

/// <summary>How a fit was made, written beside its parameters.</summary>
/// <param name="Data">The data set's name or path.</param>
/// <param name="Columns">Columns used, in order.</param>
/// <param name="Algorithm">Optimiser name.</param>
/// <param name="Regularization">reg_covar.</param>
/// <param name="Seed">Seed of the first start.</param>
/// <param name="Restarts">Number of starts.</param>
/// <param name="Initialization">How the starts were made (kmeans++, random, or the --init file).</param>
public sealed record FitMetadata(string Data, IReadOnlyList<string> Columns, string Algorithm, double Regularization, int Seed, int Restarts, string Initialization);

/// <summary>
/// The JSON shape of a fitted Gaussian mixture: <c>weights</c> (K), <c>means</c> (K×D) and <c>covariances</c>
/// (K×D×D full matrices whatever the structure), with the fit's summary and trace. The same shape is read back
/// as initial parameters, so a fit can be continued and peers started from identical parameters.
/// </summary>
public static class GaussianMixtureJson
{
    /// <summary>Writes the fit as indented JSON. Non-finite numbers (e.g. a gradient norm EM did not compute) are written as null.</summary>
    public static void Write(Stream stream, GaussianMixtureFit fit, FitMetadata metadata)
    {
        // Relaxed escaping keeps names such as "kmeans++" readable; the output is a file, never embedded in HTML.
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var theta = fit.Parameters;
        var result = fit.Result;
        json.WriteStartObject();
        json.WriteString("model", "gmm");
        json.WriteString("covariance", theta.Structure.Name);
        json.WriteNumber("k", theta.Components);
        json.WriteNumber("dimension", theta.Dimension);
        json.WriteString("data", metadata.Data);
        json.WriteStartArray("columns");
        foreach (string column in metadata.Columns)
        {
            json.WriteStringValue(column);
        }

        json.WriteEndArray();
        json.WriteString("algorithm", metadata.Algorithm);
        Number(json, "logLikelihood", result.LogLikelihood);
        json.WriteNumber("iterations", result.Iterations);
        json.WriteBoolean("converged", result.Converged);
        json.WriteString("termination", result.Termination.ToString());
        json.WriteNumber("passes", result.Passes);
        Number(json, "seconds", result.Seconds);
        Number(json, "regCovar", metadata.Regularization);
        json.WriteString("initialization", metadata.Initialization);
        json.WriteNumber("seed", metadata.Seed);
        json.WriteNumber("restarts", metadata.Restarts);
        json.WriteStartArray("restartLogLikelihoods");
        foreach (var restart in fit.Restarts)
        {
            NumberValue(json, restart.LogLikelihood);
        }

        json.WriteEndArray();
        WriteParameters(json, theta);
        json.WriteStartArray("trace");
        foreach (var record in result.Trace)
        {
            WriteTraceRecord(json, record);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Writes <c>weights</c>, <c>means</c> and <c>covariances</c> (full matrices) as properties of the current object.</summary>
    public static void WriteParameters(Utf8JsonWriter json, GaussianMixtureParameters theta)
    {
        int k = theta.Components, d = theta.Dimension;
        json.WriteStartArray("weights");
        foreach (double w in theta.Weights)
        {
            NumberValue(json, w);
        }

        json.WriteEndArray();
        json.WriteStartArray("means");
        for (int j = 0; j < k; j++)
        {
            json.WriteStartArray();
            foreach (double m in theta.Mean(j))
            {
                NumberValue(json, m);
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
        var full = theta.FullCovariances();
        json.WriteStartArray("covariances");
        for (int j = 0; j < k; j++)
        {
            json.WriteStartArray();
            for (int r = 0; r < d; r++)
            {
                json.WriteStartArray();
                for (int c = 0; c < d; c++)
                {
                    NumberValue(json, full[j * d * d + r * d + c]);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
    }

    private static void WriteTraceRecord(Utf8JsonWriter json, TraceRecord record)
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

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        json.WritePropertyName(name);
        NumberValue(json, value);
    }

    private static void NumberValue(Utf8JsonWriter json, double value)
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
}
