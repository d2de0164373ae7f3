namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>The tests of <c>value is name(arguments)</c> that chat templates use, with Jinja's behaviour.</summary>
internal static class JinjaTests
{
    delegate bool Test(object? value, IReadOnlyList<object?> arguments, int line);

    static readonly Dictionary<string, Test> All = new(StringComparer.Ordinal)
    {
        ["defined"] = (value, _, _) => value is not JinjaUndefined,
        ["undefined"] = (value, _, _) => value is JinjaUndefined,
        ["none"] = (value, _, _) => value is null,
        ["true"] = (value, _, _) => value is true,
        ["false"] = (value, _, _) => value is false,
        ["boolean"] = (value, _, _) => value is bool,
        ["string"] = (value, _, _) => value is string,
        ["number"] = (value, _, _) => value is long or double,
        ["integer"] = (value, _, _) => value is long,
        ["float"] = (value, _, _) => value is double,
        ["mapping"] = (value, _, _) => value is IDictionary<string, object?>,
        ["iterable"] = (value, _, _) => value is string or IList<object?> or IDictionary<string, object?>,
        ["sequence"] = (value, _, _) => value is string or IList<object?> or IDictionary<string, object?>,
        ["callable"] = (value, _, _) => value is JinjaFunction,
        ["equalto"] = (value, arguments, line) => JinjaValues.AreEqual(value, Argument(arguments, "equalto", line)),
        ["eq"] = (value, arguments, line) => JinjaValues.AreEqual(value, Argument(arguments, "eq", line)),
        ["=="] = (value, arguments, line) => JinjaValues.AreEqual(value, Argument(arguments, "==", line)),
        ["ne"] = (value, arguments, line) => !JinjaValues.AreEqual(value, Argument(arguments, "ne", line)),
        ["!="] = (value, arguments, line) => !JinjaValues.AreEqual(value, Argument(arguments, "!=", line)),
        ["sameas"] = (value, arguments, line) => ReferenceEquals(value, Argument(arguments, "sameas", line)) || (value, Argument(arguments, "sameas", line)) is (null, null) or (true, true) or (false, false),
        ["in"] = (value, arguments, line) => JinjaRenderer.Contains(Argument(arguments, "in", line), value, line),
        ["odd"] = (value, _, line) => Integer(value, "odd", line) % 2 != 0,
        ["even"] = (value, _, line) => Integer(value, "even", line) % 2 == 0,
        ["divisibleby"] = (value, arguments, line) => Integer(value, "divisibleby", line) % Integer(Argument(arguments, "divisibleby", line), "divisibleby", line) == 0,
        ["lower"] = (value, _, _) => value is string text && text == text.ToLowerInvariant(),
        ["upper"] = (value, _, _) => value is string text && text == text.ToUpperInvariant(),
    };

    public static IEnumerable<string> Names => All.Keys.Order(StringComparer.Ordinal);

    public static bool IsKnown(string name) => All.ContainsKey(name);

    public static bool Apply(string name, object? value, IReadOnlyList<object?> arguments, int line) => All[name](value, arguments, line);

    static object? Argument(IReadOnlyList<object?> arguments, string test, int line) =>
        arguments.Count > 0 ? arguments[0] : throw new JinjaException(line, $"the test '{test}' needs an argument");

    static long Integer(object? value, string test, int line) =>
        value is long or bool ? JinjaValues.ToLong(value) : throw new JinjaException(line, $"the test '{test}' needs an integer, not a {JinjaValues.TypeName(value)}");
}
