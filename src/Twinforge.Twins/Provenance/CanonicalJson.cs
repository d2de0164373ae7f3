using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Twinforge.Twins.Provenance;

/// <summary>
/// The JSON Canonicalization Scheme (RFC 8785), so that a record's signed bytes can be reproduced from its JSON by any
/// JCS implementation (Python's <c>jcs</c>, JavaScript's <c>canonicalize</c>, …): no whitespace; object members sorted
/// by their names' UTF-16 code units; strings with only <c>"</c>, <c>\</c> and control characters escaped (<c>\b \t \n
/// \f \r</c> short, others <c>\u00xx</c> in lowercase hex), everything else as UTF-8; numbers as ECMAScript writes an
/// IEEE double (<c>1</c>, <c>0.7</c>, <c>1e-7</c>, <c>1e+21</c>).
/// </summary>
/// <example><code>var bytes = CanonicalJson.Encode(JsonDocument.Parse("""{"b":1.50,"a":"x"}""").RootElement); // {"a":"x","b":1.5}</code></example>
public static class CanonicalJson
{
    public static byte[] Encode(JsonElement value)
    {
        var text = new StringBuilder();
        Write(text, value);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static string ToText(JsonElement value) => Encoding.UTF8.GetString(Encode(value));

    static void Write(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var member in value.EnumerateObject().OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    if (!first) text.Append(',');
                    first = false;
                    WriteString(text, member.Name);
                    text.Append(':');
                    Write(text, member.Value);
                }
                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (index++ > 0) text.Append(',');
                    Write(text, item);
                }
                text.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(text, value.GetString()!);
                break;
            case JsonValueKind.Number:
                text.Append(Number(value.GetDouble()));
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            case JsonValueKind.Null:
                text.Append("null");
                break;
            default:
                throw new ArgumentException($"a JSON value of kind {value.ValueKind} has no canonical form", nameof(value));
        }
    }

    static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\t': text.Append("\\t"); break;
                case '\n': text.Append("\\n"); break;
                case '\f': text.Append("\\f"); break;
                case '\r': text.Append("\\r"); break;
                case < ' ': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }

    /// <summary>
    /// ECMAScript's Number::toString (ECMA-262, 7.1.12.1) of a finite double: the shortest digits that read back as the
    /// same double (which .NET's "R" gives), placed as decimals when the exponent is within −7 … 20, else as d.ddde±n.
    /// </summary>
    public static string Number(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"{value} has no JSON form", nameof(value));
        if (value == 0) return "0"; // -0 too
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = shortest.IndexOfAny(['E', 'e']);
        var mantissa = exponentAt < 0 ? shortest : shortest[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(shortest[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.');
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        // value = 0.digits × 10^n
        var n = (point < 0 ? mantissa.Length : point) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        n -= leadingZeros;
        var k = digits.Length;

        string text;
        if (k <= n && n <= 21) text = digits + new string('0', n - k);
        else if (0 < n && n <= 21) text = digits[..n] + "." + digits[n..];
        else if (-6 < n && n <= 0) text = "0." + new string('0', -n) + digits;
        else
        {
            var e = n - 1;
            var sign = e < 0 ? "-" : "+";
            text = (k == 1 ? digits : digits[..1] + "." + digits[1..]) + "e" + sign + Math.Abs(e).ToString(CultureInfo.InvariantCulture);
        }
        return value < 0 ? "-" + text : text;
    }
}
