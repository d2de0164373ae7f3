using System.Text;

namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>
/// The Python methods templates call on strings (<c>strip</c>, <c>startswith</c>, <c>split</c>, …) and dicts
/// (<c>items</c>, <c>keys</c>, <c>values</c>, <c>get</c>). Lists have none: the sandbox Hugging Face renders in
/// forbids mutating them.
/// </summary>
internal static class JinjaMethods
{
    public static object? Call(object? target, string name, IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords, int line)
    {
        if (keywords.Count > 0) throw new JinjaException(line, $"the method '{name}' is called with keyword arguments, which are not supported");
        switch (target, name)
        {
            case (string text, "strip"): return Strip(text, Chars(arguments, line), left: true, right: true);
            case (string text, "lstrip"): return Strip(text, Chars(arguments, line), left: true, right: false);
            case (string text, "rstrip"): return Strip(text, Chars(arguments, line), left: false, right: true);
            case (string text, "upper"): return text.ToUpperInvariant();
            case (string text, "lower"): return text.ToLowerInvariant();
            case (string text, "title"): return Title(text);
            case (string text, "capitalize"): return Capitalize(text);
            case (string text, "startswith"): return Affixes(arguments, name, line).Any(prefix => text.StartsWith(prefix, StringComparison.Ordinal));
            case (string text, "endswith"): return Affixes(arguments, name, line).Any(suffix => text.EndsWith(suffix, StringComparison.Ordinal));
            case (string text, "split"): return Split(text, arguments, line);
            case (string text, "replace"): return Replace(text, arguments, line);
            case (string text, "find"): return (long)text.IndexOf(StringArgument(arguments, 0, name, line), StringComparison.Ordinal);
            case (string text, "join"): return string.Join(text, JinjaValues.Iterate(arguments.Count > 0 ? arguments[0] : null, line).Select(JinjaValues.ToText));
            case (IDictionary<string, object?> dict, "items"): return dict.Select(pair => (object?)new List<object?> { pair.Key, pair.Value }).ToList();
            case (IDictionary<string, object?> dict, "keys"): return dict.Keys.Cast<object?>().ToList();
            case (IDictionary<string, object?> dict, "values"): return dict.Values.ToList();
            case (IDictionary<string, object?> dict, "get"):
                return arguments.Count > 0 && arguments[0] is string key && dict.TryGetValue(key, out var value) ? value : arguments.Count > 1 ? arguments[1] : null;
            default:
                throw new JinjaException(line, $"the method '{name}' of a {JinjaValues.TypeName(target)} is not supported");
        }
    }

    /// <summary>Python's strip: whitespace, or any of <paramref name="chars"/>, from the chosen ends.</summary>
    public static string Strip(string text, string? chars, bool left, bool right)
    {
        int start = 0, end = text.Length;
        bool Removable(char c) => chars is null ? char.IsWhiteSpace(c) : chars.Contains(c);
        if (left) while (start < end && Removable(text[start])) start++;
        if (right) while (end > start && Removable(text[end - 1])) end--;
        return text[start..end];
    }

    public static string Capitalize(string text) =>
        text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();

    /// <summary>Jinja's title: each word's first letter upper-cased, the rest lower-cased.</summary>
    public static string Title(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool wordStart = true;
        foreach (char c in text)
        {
            builder.Append(wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            wordStart = char.IsWhiteSpace(c) || c is '-' or '(' or '{' or '[' or '<';
        }
        return builder.ToString();
    }

    public static string Replace(string text, IReadOnlyList<object?> arguments, int line)
    {
        string old = StringArgument(arguments, 0, "replace", line), replacement = StringArgument(arguments, 1, "replace", line);
        long count = arguments.Count > 2 && arguments[2] is long limit ? limit : -1;
        if (count < 0) return old.Length == 0 ? InsertBetweenCharacters(text, replacement) : text.Replace(old, replacement, StringComparison.Ordinal);
        var builder = new StringBuilder();
        int position = 0;
        for (long done = 0; done < count && old.Length > 0; done++)
        {
            int found = text.IndexOf(old, position, StringComparison.Ordinal);
            if (found < 0) break;
            builder.Append(text, position, found - position).Append(replacement);
            position = found + old.Length;
        }
        return builder.Append(text, position, text.Length - position).ToString();
    }

    static string InsertBetweenCharacters(string text, string separator) =>
        separator + string.Join(separator, JinjaValues.TextElements(text).Cast<string>()) + separator;

    static List<object?> Split(string text, IReadOnlyList<object?> arguments, int line)
    {
        var separator = arguments.Count > 0 ? arguments[0] : null;
        long maxSplit = arguments.Count > 1 && arguments[1] is long limit ? limit : -1;
        if (separator is null)
        {
            // Python's split(): runs of whitespace separate, and leading or trailing whitespace yields no empty items.
            var parts = new List<object?>();
            int i = 0;
            while (true)
            {
                while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
                if (i >= text.Length) break;
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(Strip(text[i..], null, left: false, right: true));
                    break;
                }
                int start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
                parts.Add(text[start..i]);
            }
            return parts;
        }
        if (separator is not string sep || sep.Length == 0) throw new JinjaException(line, "split needs a non-empty string separator");
        return (maxSplit < 0 ? text.Split(sep) : text.Split(sep, (int)maxSplit + 1)).Cast<object?>().ToList();
    }

    static string? Chars(IReadOnlyList<object?> arguments, int line) => arguments.Count == 0 || arguments[0] is null
        ? null
        : arguments[0] as string ?? throw new JinjaException(line, "strip takes a string of characters or none");

    static IEnumerable<string> Affixes(IReadOnlyList<object?> arguments, string method, int line) => arguments.Count > 0 && arguments[0] is IList<object?> options
        ? options.Select(option => option as string ?? throw new JinjaException(line, $"{method} takes strings"))
        : [StringArgument(arguments, 0, method, line)];

    static string StringArgument(IReadOnlyList<object?> arguments, int index, string method, int line) =>
        index < arguments.Count && arguments[index] is string text
            ? text
            : throw new JinjaException(line, $"{method} needs a string as argument {index + 1}");
}
