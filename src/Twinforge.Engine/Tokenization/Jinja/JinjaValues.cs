using System.Collections;
using System.Globalization;
using System.Text;

namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>
/// Jinja's default undefined value: falsy, renders as "", iterates as empty, has length 0; using it in arithmetic or
/// taking an attribute of it is an error naming what was undefined.
/// </summary>
internal sealed class JinjaUndefined(string description)
{
    /// <summary>What was looked up, e.g. "'tools' is undefined" or "'dict object' has no attribute 'tool_calls'".</summary>
    public string Description { get; } = description;
}

/// <summary><c>namespace(...)</c>: the one mutable object a template can assign attributes of across loop scopes.</summary>
internal sealed class JinjaNamespace : Dictionary<string, object?>
{
    public JinjaNamespace() : base(StringComparer.Ordinal) { }
}

/// <summary>A global function or a bound method: positional and keyword arguments to a value.</summary>
internal delegate object? JinjaFunction(IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords, int line);

/// <summary>
/// Values are plain .NET objects: null (None), <see cref="JinjaUndefined"/>, string, long, double, bool,
/// <see cref="List{T}"/> of values, <see cref="Dictionary{TKey,TValue}"/> of string keys (insertion-ordered, as Python's),
/// <see cref="JinjaNamespace"/> and <see cref="JinjaFunction"/>. These are Python's rules for them.
/// </summary>
internal static class JinjaValues
{
    public static bool IsTrue(object? value) => value switch
    {
        null or JinjaUndefined => false,
        bool flag => flag,
        long number => number != 0,
        double number => number != 0,
        string text => text.Length > 0,
        ICollection collection => collection.Count > 0,
        _ => true,
    };

    /// <summary>Python's <c>str()</c>, as <c>{{ value }}</c> renders it.</summary>
    public static string ToText(object? value) => value switch
    {
        string text => text,
        JinjaUndefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr()</c>, as a list or dict shows its items.</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        JinjaUndefined => "",
        bool flag => flag ? "True" : "False",
        long number => number.ToString(CultureInfo.InvariantCulture),
        double number => FloatText(number),
        string text => QuoteLikePython(text),
        IDictionary<string, object?> dict => "{" + string.Join(", ", dict.Select(pair => $"{QuoteLikePython(pair.Key)}: {Repr(pair.Value)}")) + "}",
        IList<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        JinjaFunction => "<function>",
        _ => value.ToString() ?? "",
    };

    static string FloatText(double number)
    {
        if (double.IsNaN(number)) return "nan";
        if (double.IsInfinity(number)) return number > 0 ? "inf" : "-inf";
        var text = number.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text.Replace("E", "e") : text + ".0";
    }

    static string QuoteLikePython(string text)
    {
        char quote = text.Contains('\'') && !text.Contains('"') ? '"' : '\'';
        var builder = new StringBuilder().Append(quote);
        foreach (char c in text)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ => c.ToString(),
            });
        }
        return builder.Append(quote).ToString();
    }

    /// <summary>The type's name as Python would say it, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        JinjaUndefined => "undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        JinjaNamespace => "namespace",
        IDictionary<string, object?> => "dict",
        IList<object?> => "list",
        JinjaFunction => "function",
        _ => value.GetType().Name,
    };

    public static bool AreEqual(object? left, object? right)
    {
        if (IsNumber(left) && IsNumber(right)) return ToDouble(left) == ToDouble(right) && (left is double || right is double || ToLong(left) == ToLong(right));
        return (left, right) switch
        {
            (null, null) => true,
            (JinjaUndefined, JinjaUndefined) => true,
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (IDictionary<string, object?> a, IDictionary<string, object?> b) =>
                a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var other) && AreEqual(pair.Value, other)),
            (IList<object?> a, IList<object?> b) => a.Count == b.Count && a.Zip(b).All(pair => AreEqual(pair.First, pair.Second)),
            _ => ReferenceEquals(left, right),
        };
    }

    /// <summary>Order of two numbers or two strings (ordinal, as Python compares code points); anything else is an error.</summary>
    public static int Compare(object? left, object? right, int line, string op)
    {
        if (IsNumber(left) && IsNumber(right))
            return left is long a && right is long b ? a.CompareTo(b) : ToDouble(left).CompareTo(ToDouble(right));
        if (left is string x && right is string y) return string.CompareOrdinal(x, y);
        throw new JinjaException(line, $"'{op}' is not supported between {TypeName(left)} and {TypeName(right)}");
    }

    /// <summary>Booleans count as numbers, as in Python (True + 1 == 2).</summary>
    public static bool IsNumber(object? value) => value is long or double or bool;

    public static double ToDouble(object? value) => value switch
    {
        long number => number,
        double number => number,
        bool flag => flag ? 1 : 0,
        _ => throw new InvalidCastException(),
    };

    public static long ToLong(object? value) => value switch
    {
        long number => number,
        double number => (long)number,
        bool flag => flag ? 1 : 0,
        _ => throw new InvalidCastException(),
    };

    /// <summary>What a for loop walks: a list's items, a dict's keys, a string's characters; undefined is empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? value, int line) => value switch
    {
        JinjaUndefined => [],
        IList<object?> list => list.ToList(),
        IDictionary<string, object?> dict => dict.Keys.Cast<object?>().ToList(),
        string text => TextElements(text),
        _ => throw new JinjaException(line, $"a {TypeName(value)} cannot be iterated"),
    };

    /// <summary>A string's code points, as Python iterates it (a surrogate pair is one character).</summary>
    public static List<object?> TextElements(string text)
    {
        var characters = new List<object?>(text.Length);
        for (int i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
            characters.Add(text.Substring(i, char.IsSurrogatePair(text, i) ? 2 : 1));
        return characters;
    }

    /// <summary>Python's <c>len()</c>: code points of a string, items of a list or dict; undefined is 0.</summary>
    public static long Length(object? value, int line) => value switch
    {
        JinjaUndefined => 0,
        string text => TextElements(text).Count,
        ICollection collection => collection.Count,
        _ => throw new JinjaException(line, $"a {TypeName(value)} has no length"),
    };
}
