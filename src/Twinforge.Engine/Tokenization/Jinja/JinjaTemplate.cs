using System.Collections;
using System.Globalization;
using System.Text;

namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>
/// A Jinja template in the subset chat templates use, parsed once and rendered as Hugging Face's
/// <c>apply_chat_template</c> renders it (trim_blocks, lstrip_blocks, the loop-controls extension and the globals
/// <c>raise_exception</c>, <c>strftime_now</c>, <c>namespace</c>, <c>range</c>, <c>dict</c>). Anything outside the
/// subset fails at <see cref="Parse"/> or while rendering with a <see cref="JinjaException"/> naming the construct and line.
/// </summary>
/// <example><code>
/// var template = JinjaTemplate.Parse("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}");
/// var text = template.Render(new Dictionary&lt;string, object?&gt; { ["messages"] = messages });
/// </code></example>
public sealed class JinjaTemplate
{
    readonly IReadOnlyList<JinjaNode> _nodes;

    JinjaTemplate(IReadOnlyList<JinjaNode> nodes) => _nodes = nodes;

    /// <exception cref="JinjaException">The template has a syntax error or a construct outside the subset.</exception>
    public static JinjaTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new JinjaTemplate(JinjaParser.Parse(source));
    }

    /// <summary>
    /// Renders with <paramref name="variables"/>: strings, booleans, integers, floating-point numbers, null, lists
    /// (any <see cref="IEnumerable"/>) and string-keyed dictionaries of these.
    /// </summary>
    /// <param name="variables">The template's variables by name.</param>
    /// <param name="clock">What <c>strftime_now</c> reads (local time); the system clock when null.</param>
    /// <exception cref="JinjaException">The template raised an exception or used a value in a way Jinja refuses.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var converted = variables.ToDictionary(pair => pair.Key, pair => FromClr(pair.Value), StringComparer.Ordinal);
        return JinjaRenderer.Render(_nodes, Globals(clock ?? TimeProvider.System), converted);
    }

    static object? FromClr(object? value) => value switch
    {
        null or string or bool or long or double => value,
        int number => (long)number,
        float number => (double)number,
        IDictionary<string, object?> dict => dict.ToDictionary(pair => pair.Key, pair => FromClr(pair.Value), StringComparer.Ordinal),
        IDictionary<string, string> dict => dict.ToDictionary(pair => pair.Key, pair => (object?)pair.Value, StringComparer.Ordinal),
        IEnumerable items => items.Cast<object?>().Select(FromClr).ToList(),
        _ => throw new ArgumentException($"a {value.GetType().Name} cannot be given to a template", nameof(value)),
    };

    static Dictionary<string, object?> Globals(TimeProvider clock) => new(StringComparer.Ordinal)
    {
        ["raise_exception"] = (JinjaFunction)((arguments, _, line) =>
            throw new JinjaException(line, arguments.Count > 0 ? JinjaValues.ToText(arguments[0]) : "the template raised an exception", raisedByTemplate: true)),
        ["strftime_now"] = (JinjaFunction)((arguments, _, line) =>
            Strftime(clock.GetLocalNow().DateTime, arguments.Count > 0 && arguments[0] is string format
                ? format : throw new JinjaException(line, "strftime_now needs a format string"), line)),
        ["namespace"] = (JinjaFunction)((arguments, keywords, line) =>
        {
            var space = new JinjaNamespace();
            foreach (var argument in arguments)
            {
                if (argument is not IDictionary<string, object?> initial) throw new JinjaException(line, "namespace() takes a mapping or keyword arguments");
                foreach (var (key, item) in initial) space[key] = item;
            }
            foreach (var (key, item) in keywords) space[key] = item;
            return space;
        }),
        ["dict"] = (JinjaFunction)((_, keywords, _) => new Dictionary<string, object?>(keywords, StringComparer.Ordinal)),
        ["range"] = (JinjaFunction)((arguments, _, line) =>
        {
            if (arguments.Count is 0 or > 3 || arguments.Any(argument => argument is not long))
                throw new JinjaException(line, "range takes one to three integers");
            var numbers = arguments.Cast<long>().ToArray();
            var (start, stop, step) = numbers.Length == 1 ? (0, numbers[0], 1) : (numbers[0], numbers[1], numbers.Length == 3 ? numbers[2] : 1);
            if (step == 0) throw new JinjaException(line, "range step cannot be zero");
            var result = new List<object?>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) result.Add(i);
            return result;
        }),
    };

    /// <summary>Python's strftime for the directives date templates use; any other is an error naming it.</summary>
    static string Strftime(DateTime time, string format, int line)
    {
        var culture = CultureInfo.InvariantCulture;
        var builder = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                builder.Append(format[i]);
                continue;
            }
            char directive = format[++i];
            builder.Append(directive switch
            {
                'd' => time.ToString("dd", culture),
                'm' => time.ToString("MM", culture),
                'Y' => time.ToString("yyyy", culture),
                'y' => time.ToString("yy", culture),
                'b' => time.ToString("MMM", culture),
                'B' => time.ToString("MMMM", culture),
                'a' => time.ToString("ddd", culture),
                'A' => time.ToString("dddd", culture),
                'H' => time.ToString("HH", culture),
                'I' => time.ToString("hh", culture),
                'M' => time.ToString("mm", culture),
                'S' => time.ToString("ss", culture),
                'p' => time.ToString("tt", culture),
                'j' => time.DayOfYear.ToString("000", culture),
                '%' => "%",
                _ => throw new JinjaException(line, $"strftime_now: the directive '%{directive}' is not supported"),
            });
        }
        return builder.ToString();
    }
}
