using System.Globalization;

namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>
/// The filters chat templates use (<c>value | name(arguments)</c>), with Jinja's behaviour; <c>tojson</c> is
/// transformers' own (no HTML escaping, non-ASCII kept, optional indent).
/// </summary>
internal static class JinjaFilters
{
    delegate object? Filter(object? value, IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords, int line);

    static readonly Dictionary<string, Filter> All = new(StringComparer.Ordinal)
    {
        ["trim"] = (value, arguments, _, line) => JinjaMethods.Strip(Text(value), Optional(arguments, 0) as string, left: true, right: true),
        ["length"] = (value, _, _, line) => JinjaValues.Length(value, line),
        ["count"] = (value, _, _, line) => JinjaValues.Length(value, line),
        ["upper"] = (value, _, _, _) => Text(value).ToUpperInvariant(),
        ["lower"] = (value, _, _, _) => Text(value).ToLowerInvariant(),
        ["capitalize"] = (value, _, _, _) => JinjaMethods.Capitalize(Text(value)),
        ["title"] = (value, _, _, _) => JinjaMethods.Title(Text(value)),
        ["replace"] = (value, arguments, _, line) => JinjaMethods.Replace(Text(value), arguments, line),
        ["string"] = (value, _, _, _) => Text(value),
        ["safe"] = (value, _, _, _) => value,
        ["default"] = Default,
        ["d"] = Default,
        ["first"] = (value, _, _, line) => JinjaValues.Iterate(value, line) is { Count: > 0 } items ? items[0] : new JinjaUndefined("the sequence is empty, so it has no first item"),
        ["last"] = (value, _, _, line) => JinjaValues.Iterate(value, line) is { Count: > 0 } items ? items[^1] : new JinjaUndefined("the sequence is empty, so it has no last item"),
        ["list"] = (value, _, _, line) => JinjaValues.Iterate(value, line).ToList(),
        ["join"] = (value, arguments, keywords, line) =>
        {
            var separator = Optional(arguments, 0, keywords, "d") is { } given ? Text(given) : "";
            var items = JinjaValues.Iterate(value, line);
            if (Optional(arguments, 1, keywords, "attribute") is string attribute)
                items = items.Select(item => JinjaRenderer.GetAttribute(item, attribute, line)).ToList();
            return string.Join(separator, items.Select(JinjaValues.ToText));
        },
        ["items"] = (value, _, _, line) => value switch
        {
            JinjaUndefined => new List<object?>(),
            IDictionary<string, object?> dict => dict.Select(pair => (object?)new List<object?> { pair.Key, pair.Value }).ToList(),
            _ => throw new JinjaException(line, $"the filter 'items' needs a mapping, not a {JinjaValues.TypeName(value)}"),
        },
        ["tojson"] = (value, arguments, keywords, line) =>
            JinjaJson.Serialize(value, Optional(arguments, 0, keywords, "indent") is long indent ? (int)indent : null,
                JinjaValues.IsTrue(Optional(arguments, 1, keywords, "sort_keys")), line),
        ["int"] = (value, arguments, _, _) => value switch
        {
            long or bool => JinjaValues.ToLong(value),
            double number => (long)number,
            string text when long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed) => parsed,
            _ => Optional(arguments, 0) ?? 0L,
        },
        ["float"] = (value, arguments, _, _) => value switch
        {
            long or bool or double => JinjaValues.ToDouble(value),
            string text when double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
            _ => Optional(arguments, 0) ?? 0.0,
        },
        ["abs"] = (value, _, _, line) => value switch
        {
            long number => Math.Abs(number),
            double number => Math.Abs(number),
            _ => throw new JinjaException(line, $"the filter 'abs' needs a number, not a {JinjaValues.TypeName(value)}"),
        },
        ["select"] = (value, arguments, _, line) => Select(value, null, arguments, keep: true, line),
        ["reject"] = (value, arguments, _, line) => Select(value, null, arguments, keep: false, line),
        ["selectattr"] = (value, arguments, _, line) => Select(value, Required<string>(arguments, 0, "selectattr", line), arguments.Skip(1).ToList(), keep: true, line),
        ["rejectattr"] = (value, arguments, _, line) => Select(value, Required<string>(arguments, 0, "rejectattr", line), arguments.Skip(1).ToList(), keep: false, line),
        ["map"] = Map,
    };

    public static IEnumerable<string> Names => All.Keys.Order(StringComparer.Ordinal);

    public static bool IsKnown(string name) => All.ContainsKey(name);

    public static object? Apply(string name, object? value, IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords, int line) =>
        All[name](value, arguments, keywords, line);

    static string Text(object? value) => JinjaValues.ToText(value);

    static object? Optional(IReadOnlyList<object?> arguments, int index, IReadOnlyDictionary<string, object?>? keywords = null, string? keyword = null) =>
        index < arguments.Count ? arguments[index]
        : keywords is not null && keyword is not null && keywords.TryGetValue(keyword, out var value) ? value
        : null;

    static T Required<T>(IReadOnlyList<object?> arguments, int index, string filter, int line) =>
        index < arguments.Count && arguments[index] is T value
            ? value
            : throw new JinjaException(line, $"the filter '{filter}' needs a {typeof(T).Name.ToLowerInvariant()} as argument {index + 1}");

    /// <summary><c>default(value, boolean=false)</c>: the fallback for undefined, or for any false value when boolean.</summary>
    static object? Default(object? value, IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords, int line)
    {
        var fallback = Optional(arguments, 0, keywords, "default_value") ?? "";
        bool boolean = JinjaValues.IsTrue(Optional(arguments, 1, keywords, "boolean"));
        return value is JinjaUndefined || (boolean && !JinjaValues.IsTrue(value)) ? fallback : value;
    }

    /// <summary>select/reject and their attribute forms: items whose value (or attribute) passes the named test.</summary>
    static List<object?> Select(object? value, string? attribute, IReadOnlyList<object?> testArguments, bool keep, int line)
    {
        string? test = testArguments.Count > 0 ? testArguments[0] as string ?? throw new JinjaException(line, "a test name must be a string") : null;
        if (test is not null && !JinjaTests.IsKnown(test))
            throw new JinjaException(line, $"the test '{test}' is not supported (supported: {string.Join(", ", JinjaTests.Names)})");
        var arguments = testArguments.Skip(1).ToList();
        return JinjaValues.Iterate(value, line).Where(item =>
        {
            var subject = attribute is null ? item : JinjaRenderer.GetAttribute(item, attribute, line);
            bool passes = test is null ? JinjaValues.IsTrue(subject) : JinjaTests.Apply(test, subject, arguments, line);
            return passes == keep;
        }).ToList();
    }

    /// <summary><c>map(attribute='name', default=…)</c> or <c>map('filter', arguments…)</c>.</summary>
    static object? Map(object? value, IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords, int line)
    {
        var items = JinjaValues.Iterate(value, line);
        if (keywords.TryGetValue("attribute", out var attributeValue) && attributeValue is string attribute)
        {
            keywords.TryGetValue("default", out var fallback);
            return items.Select(item => JinjaRenderer.GetAttribute(item, attribute, line) is JinjaUndefined && keywords.ContainsKey("default")
                ? fallback : JinjaRenderer.GetAttribute(item, attribute, line)).ToList();
        }
        var filter = Required<string>(arguments, 0, "map", line);
        if (!IsKnown(filter)) throw new JinjaException(line, $"the filter '{filter}' is not supported (supported: {string.Join(", ", Names)})");
        var rest = arguments.Skip(1).ToList();
        return items.Select(item => Apply(filter, item, rest, new Dictionary<string, object?>(), line)).ToList();
    }
}
