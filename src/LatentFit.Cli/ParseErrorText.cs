using System.CommandLine.Parsing;
using System.Globalization;

namespace LatentFit.Cli;

/// <summary>
/// Parse errors in the user's terms. System.CommandLine words a value it cannot convert with the .NET type name
/// ("as expected type 'System.Nullable`1[System.Int32]'"), which tells a user nothing: a numeric option whose
/// value does not convert is described by the range or form it accepts instead. Other errors pass through.
/// </summary>
internal static class ParseErrorText
{
    public static string Describe(ParseError error)
    {
        SymbolResult? symbol = error.SymbolResult;
        while (symbol is not null and not OptionResult)
        {
            symbol = symbol.Parent;
        }

        if (symbol is not OptionResult { Option: { } option } result || result.Tokens.Count == 0)
        {
            return error.Message;
        }

        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        string token = result.Tokens[^1].Value;
        string? expected = type == typeof(int) && !int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            ? string.Create(CultureInfo.InvariantCulture, $"a whole number from {int.MinValue} to {int.MaxValue}")
            : type == typeof(double) && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                ? "a number such as 0.5 or 1e-6"
                : null;
        return expected is null ? error.Message : $"{option.Name} \"{token}\": expected {expected}";
    }
}
