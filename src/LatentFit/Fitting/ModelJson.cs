using System.Text.Encodings.Web;
using System.Text.Json;
using LatentFit.Diagnostics;
using LatentFit.Numerics;
using LatentFit.Serialization;

namespace LatentFit.Fitting;

/// <summary>How a fit was made, written beside its parameters.</summary>
/// <param name="Algorithm">Optimiser name.</param>
/// <param name="Initialization">How the starts were made (kmeans++, random, hc, quantiles, or the start file).</param>
/// <param name="Warnings">What is wrong with the fit though it finished (see <see cref="FitHealth"/>), worded for people.</param>
/// <param name="Maximum">The Newton polish before the standard errors, when it ran.</param>
public sealed record FitMetadata(string Algorithm, string Initialization, IReadOnlyList<FitWarning>? Warnings = null, MaximumPolishReport? Maximum = null);

/// <summary>A warning about a fit: the typed finding where there is one, and its wording.</summary>
/// <param name="Finding">The finding, or null for a warning that is not one (e.g. about convergence).</param>
/// <param name="Message">One sentence for people.</param>
public sealed record FitWarning(FitFinding? Finding, string Message);

/// <summary>
/// A fit as JSON: the model's description and parameter fields (which <c>--init</c> reads back), the fit's summary,
/// standard errors when computed, and the trace, one object per iteration.
/// </summary>
public static class ModelJson
{
    /// <summary>The version of this layout, written as <c>formatVersion</c>: <see cref="ModelFileHeader.CurrentFormatVersion"/>.</summary>
    public const int FormatVersion = ModelFileHeader.CurrentFormatVersion;

    /// <summary>Writes the fit as indented JSON. Non-finite numbers (e.g. a gradient norm EM did not compute) are written as null.</summary>
    public static void Write(Stream stream, ModelFit fit, ModelSpecification specification, FitMetadata metadata, StandardErrorReport? standardErrors = null)
    {
        // Relaxed escaping keeps names such as "kmeans++" readable; the output is a file, never embedded in HTML.
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var result = fit.Result;
        json.WriteStartObject();
        json.WriteNumber("formatVersion", FormatVersion);
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
        if (result.EstimatedGap is { } gap)
        {
            Number(json, "estimatedGap", gap);
        }
        else
        {
            json.WriteNull("estimatedGap");
        }
        json.WriteNumber("passes", result.Passes);
        Number(json, "seconds", result.Seconds);

        // Which SIMD kernels computed the E-step (the last bits of ℓ depend on it), so that a benchmark can say what it measured.
        json.WriteString("kernelPath", KernelPath.Current);
        json.WriteString("initialization", metadata.Initialization);
        json.WriteNumber("seed", specification.Seed);
        json.WriteNumber("restarts", specification.Starts);
        json.WriteStartArray("restartLogLikelihoods");
        foreach (var restart in fit.Restarts)
        {
            JsonOutput.NumberValue(json, restart.LogLikelihood);
        }

        json.WriteEndArray();
        if (fit.SmallEm is { } smallEm)
        {
            json.WriteStartObject("smallEm");
            json.WriteNumber("maxIterations", smallEm.Iterations);
            json.WriteNumber("startsPerRestart", smallEm.StartsPerRestart);
            Number(json, "relativeTolerance", smallEm.RelativeTolerance);
            json.WriteNumber("carried", fit.Restarts.Count(r => r.Carried));
            json.WriteEndObject();
        }

        json.WriteNumber("bestStart", fit.BestStart);
        json.WriteStartArray("starts");
        foreach (var restart in fit.Restarts)
        {
            json.WriteStartObject();
            json.WriteNumber("seed", restart.Seed);
            json.WriteString("method", restart.Method);
            Number(json, "shortLogLikelihood", restart.ShortLogLikelihood);
            json.WriteNumber("shortIterations", restart.ShortIterations);
            json.WriteBoolean("carried", restart.Carried);
            Number(json, "logLikelihood", restart.LogLikelihood);
            if (restart.Failure is { } failure)
            {
                json.WriteString("failure", failure);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        specification.WriteParameters(json, fit.Problem, result.Parameters);
        WriteMaximum(json, metadata.Maximum);
        WriteWarnings(json, metadata.Warnings ?? []);
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

    /// <summary>The Newton polish: ℓ and ½gᵀI⁻¹g where the optimiser stopped, the steps, and whether the end point is a verified maximum.</summary>
    private static void WriteMaximum(Utf8JsonWriter json, MaximumPolishReport? maximum)
    {
        if (maximum is null)
        {
            return;
        }

        json.WriteStartObject("maximum");
        json.WriteBoolean("verified", maximum.AtMaximum);
        json.WriteNumber("newtonSteps", maximum.Steps);
        Number(json, "logLikelihoodAtStop", maximum.StartLogLikelihood);
        Number(json, "gainEstimateAtStop", maximum.StartGainEstimate);
        Number(json, "newtonDecrementSquared", maximum.FinalDecrement);
        if (maximum.Failure is { } failure)
        {
            json.WriteString("failure", failure);
        }

        json.WriteEndObject();
    }

    /// <summary>Warnings as objects: kind (null for one that is not a finding), 1-based component and column name where they apply, and the message.</summary>
    private static void WriteWarnings(Utf8JsonWriter json, IReadOnlyList<FitWarning> warnings)
    {
        json.WriteStartArray("warnings");
        foreach (var warning in warnings)
        {
            json.WriteStartObject();
            if (warning.Finding is { } finding)
            {
                json.WriteString("kind", finding.Kind.ToString());
                if (finding.Component is { } component)
                {
                    json.WriteNumber("component", component + 1);
                }

                if (finding.ColumnName is { } column)
                {
                    json.WriteString("column", column);
                }

                Number(json, "value", finding.Value);
            }
            else
            {
                json.WriteNull("kind");
            }

            json.WriteString("message", warning.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        json.WritePropertyName(name);
        JsonOutput.NumberValue(json, value);
    }
}
