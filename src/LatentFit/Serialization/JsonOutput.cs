using System.Text.Json;

namespace LatentFit.Serialization;

/// <summary>How numbers are written to JSON: finite ones as numbers, the rest as null (JSON has no NaN or ∞).</summary>
public static class JsonOutput
{
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

    /// <summary>Writes <paramref name="values"/> as an array of numbers: a property named <paramref name="name"/>, or an array value where it is null.</summary>
    public static void Numbers(Utf8JsonWriter json, string? name, ReadOnlySpan<double> values)
    {
        if (name is null)
        {
            json.WriteStartArray();
        }
        else
        {
            json.WriteStartArray(name);
        }

        foreach (double value in values)
        {
            NumberValue(json, value);
        }

        json.WriteEndArray();
    }

    /// <summary>
    /// Writes the row-major matrix <paramref name="values"/> of <paramref name="columns"/> columns as an array of rows: a
    /// property named <paramref name="name"/>, or an array value where it is null.
    /// </summary>
    public static void Rows(Utf8JsonWriter json, string? name, ReadOnlySpan<double> values, int columns)
    {
        if (name is null)
        {
            json.WriteStartArray();
        }
        else
        {
            json.WriteStartArray(name);
        }

        for (int start = 0; start < values.Length; start += columns)
        {
            Numbers(json, null, values.Slice(start, columns));
        }

        json.WriteEndArray();
    }
}
