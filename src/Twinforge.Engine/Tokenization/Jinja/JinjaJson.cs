using System.Globalization;
using System.Text;

namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>
/// transformers' <c>tojson</c> filter: Python's <c>json.dumps(value, ensure_ascii=False, indent=indent)</c>, so
/// ", " and ": " between items on one line, or one item a line at the given indent; no HTML escaping.
/// </summary>
internal static class JinjaJson
{
    public static string Serialize(object? value, int? indent, bool sortKeys, int line)
    {
        var builder = new StringBuilder();
        Write(builder, value, indent, sortKeys, 0, line);
        return builder.ToString();
    }

    static void Write(StringBuilder builder, object? value, int? indent, bool sortKeys, int depth, int line)
    {
        switch (value)
        {
            case null: builder.Append("null"); break;
            case bool flag: builder.Append(flag ? "true" : "false"); break;
            case long number: builder.Append(number.ToString(CultureInfo.InvariantCulture)); break;
            case double number:
                builder.Append(double.IsFinite(number) ? JinjaValues.Repr(number) : double.IsNaN(number) ? "NaN" : number > 0 ? "Infinity" : "-Infinity");
                break;
            case string text: WriteString(builder, text); break;
            case IDictionary<string, object?> dict:
                var pairs = sortKeys ? dict.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList() : dict.ToList();
                WriteItems(builder, '{', '}', pairs.Count, indent, depth, i =>
                {
                    WriteString(builder, pairs[i].Key);
                    builder.Append(": ");
                    Write(builder, pairs[i].Value, indent, sortKeys, depth + 1, line);
                });
                break;
            case IList<object?> list:
                WriteItems(builder, '[', ']', list.Count, indent, depth, i => Write(builder, list[i], indent, sortKeys, depth + 1, line));
                break;
            case JinjaUndefined undefined:
                throw new JinjaException(line, $"{undefined.Description}, so it cannot be written as JSON");
            default:
                throw new JinjaException(line, $"a {JinjaValues.TypeName(value)} cannot be written as JSON");
        }
    }

    static void WriteItems(StringBuilder builder, char open, char close, int count, int? indent, int depth, Action<int> writeItem)
    {
        builder.Append(open);
        if (count == 0)
        {
            builder.Append(close);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            if (indent is int spaces) builder.Append(i == 0 ? "\n" : ",\n").Append(' ', spaces * (depth + 1));
            else if (i > 0) builder.Append(", ");
            writeItem(i);
        }
        if (indent is int width) builder.Append('\n').Append(' ', width * depth);
        builder.Append(close);
    }

    static void WriteString(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case < ' ': builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }
        builder.Append('"');
    }
}
