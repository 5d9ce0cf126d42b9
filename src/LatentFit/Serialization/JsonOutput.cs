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
}
