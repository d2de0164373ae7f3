using System.Globalization;
using System.Text;

namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>
/// Splits a template into text and tag tokens with Jinja's whitespace rules as Hugging Face's chat templates are
/// rendered: <c>trim_blocks</c> (the newline after a block or comment tag is dropped), <c>lstrip_blocks</c> (spaces and
/// tabs before a block or comment tag at the start of a line are dropped), <c>-</c> on either side of a tag strips all
/// whitespace on that side, <c>+</c> turns either rule off for that side, newlines are normalised to "\n" and one
/// trailing newline of the template is dropped (Jinja's <c>keep_trailing_newline=False</c>).
/// </summary>
internal static class JinjaLexer
{
    static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "|", ".", ",", ":", "(", ")", "[", "]", "{", "}", "=", "<", ">"];

    public static List<JinjaToken> Tokenize(string source)
    {
        source = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (source.EndsWith('\n')) source = source[..^1];
        var lineStarts = new List<int> { 0 };
        for (int i = 0; i < source.Length; i++)
            if (source[i] == '\n') lineStarts.Add(i + 1);
        int LineAt(int position)
        {
            int index = lineStarts.BinarySearch(position);
            return (index >= 0 ? index : ~index - 1) + 1;
        }

        var tokens = new List<JinjaToken>();
        int position = 0;
        bool lineStarting = true;
        while (position < source.Length)
        {
            int tagStart = FindTag(source, position);
            string text = source[position..(tagStart < 0 ? source.Length : tagStart)];
            if (tagStart < 0)
            {
                if (text.Length > 0) tokens.Add(new JinjaToken(JinjaTokenKind.Text, text, LineAt(position)));
                break;
            }
            char kind = source[tagStart + 1];
            char modifier = tagStart + 2 < source.Length ? source[tagStart + 2] : '\0';
            if (modifier == '-')
            {
                text = text.TrimEnd();
            }
            else if (kind is '%' or '#' && modifier != '+')
            {
                int lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && text.AsSpan(lineStart).IndexOfAnyExcept(' ', '\t') < 0) text = text[..lineStart];
            }
            if (text.Length > 0) tokens.Add(new JinjaToken(JinjaTokenKind.Text, text, LineAt(position)));

            int inside = tagStart + 2 + (modifier is '-' or '+' ? 1 : 0);
            int end = kind == '#'
                ? SkipComment(source, inside, LineAt(tagStart))
                : LexTag(source, inside, kind == '%', tokens, LineAt);
            lineStarting = end > 0 && source[end - 1] == '\n';
            position = end;
        }
        tokens.Add(new JinjaToken(JinjaTokenKind.End, "", LineAt(source.Length)));
        return tokens;
    }

    static int FindTag(string source, int from)
    {
        for (int i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
            if (source[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    /// <summary>The position after a comment's <c>#}</c> and the whitespace its end rules remove.</summary>
    static int SkipComment(string source, int inside, int line)
    {
        int close = source.IndexOf("#}", inside, StringComparison.Ordinal);
        if (close < 0) throw new JinjaException(line, "the comment '{#' is never closed with '#}'");
        char modifier = close > inside ? source[close - 1] : '\0';
        return AfterTagEnd(source, close + 2, modifier, trimNewline: true);
    }

    /// <summary>Lexes the expression tokens of a <c>{{ }}</c> or <c>{% %}</c> tag; returns the position after it.</summary>
    static int LexTag(string source, int position, bool block, List<JinjaToken> tokens, Func<int, int> lineAt)
    {
        int openLine = lineAt(position);
        tokens.Add(new JinjaToken(block ? JinjaTokenKind.BlockStart : JinjaTokenKind.VariableStart, block ? "{%" : "{{", openLine));
        string closer = block ? "%}" : "}}";
        while (true)
        {
            while (position < source.Length && char.IsWhiteSpace(source[position])) position++;
            if (position >= source.Length)
                throw new JinjaException(openLine, $"the tag '{(block ? "{%" : "{{")}' is never closed with '{closer}'");
            foreach (var modifier in new[] { "-", "+", "" })
            {
                if (modifier == "+" && !block) continue;
                if (string.CompareOrdinal(source, position, modifier + closer, 0, modifier.Length + 2) != 0) continue;
                tokens.Add(new JinjaToken(block ? JinjaTokenKind.BlockEnd : JinjaTokenKind.VariableEnd, closer, lineAt(position)));
                return AfterTagEnd(source, position + modifier.Length + 2, modifier.Length == 1 ? modifier[0] : '\0', trimNewline: block);
            }
            position = LexExpressionToken(source, position, tokens, lineAt(position));
        }
    }

    static int AfterTagEnd(string source, int end, char modifier, bool trimNewline)
    {
        if (modifier == '-')
            while (end < source.Length && char.IsWhiteSpace(source[end])) end++;
        else if (trimNewline && modifier != '+' && end < source.Length && source[end] == '\n')
            end++;
        return end;
    }

    static int LexExpressionToken(string source, int position, List<JinjaToken> tokens, int line)
    {
        char first = source[position];
        if (char.IsAsciiLetter(first) || first == '_')
        {
            int end = position;
            while (end < source.Length && (char.IsAsciiLetterOrDigit(source[end]) || source[end] == '_')) end++;
            tokens.Add(new JinjaToken(JinjaTokenKind.Name, source[position..end], line));
            return end;
        }
        if (char.IsAsciiDigit(first)) return LexNumber(source, position, tokens, line);
        if (first is '\'' or '"') return LexString(source, position, tokens, line);
        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(source, position, op, 0, op.Length) != 0) continue;
            tokens.Add(new JinjaToken(JinjaTokenKind.Operator, op, line));
            return position + op.Length;
        }
        throw new JinjaException(line, $"unexpected character '{first}' in a tag");
    }

    static int LexNumber(string source, int position, List<JinjaToken> tokens, int line)
    {
        int end = position;
        while (end < source.Length && (char.IsAsciiDigit(source[end]) || source[end] == '_')) end++;
        bool isFloat = false;
        if (end + 1 < source.Length && source[end] == '.' && char.IsAsciiDigit(source[end + 1]))
        {
            isFloat = true;
            end++;
            while (end < source.Length && char.IsAsciiDigit(source[end])) end++;
        }
        if (end < source.Length && source[end] is 'e' or 'E')
        {
            int exponent = end + 1;
            if (exponent < source.Length && source[exponent] is '+' or '-') exponent++;
            if (exponent < source.Length && char.IsAsciiDigit(source[exponent]))
            {
                isFloat = true;
                end = exponent;
                while (end < source.Length && char.IsAsciiDigit(source[end])) end++;
            }
        }
        var text = source[position..end].Replace("_", "");
        if (!isFloat && !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            throw new JinjaException(line, $"the integer {text} is too large");
        tokens.Add(new JinjaToken(isFloat ? JinjaTokenKind.Float : JinjaTokenKind.Integer, text, line));
        return end;
    }

    /// <summary>A quoted string with Python's escapes (\n, \t, \\, \', \", \xHH, \uHHHH, ...); unknown escapes stay as written.</summary>
    static int LexString(string source, int position, List<JinjaToken> tokens, int line)
    {
        char quote = source[position];
        var value = new StringBuilder();
        int i = position + 1;
        while (true)
        {
            if (i >= source.Length) throw new JinjaException(line, "a string literal is never closed");
            char c = source[i];
            if (c == quote) break;
            if (c != '\\' || i + 1 >= source.Length)
            {
                value.Append(c);
                i++;
                continue;
            }
            char escape = source[i + 1];
            i += 2;
            switch (escape)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'v': value.Append('\v'); break;
                case 'a': value.Append('\a'); break;
                case '0': value.Append('\0'); break;
                case '\\' or '\'' or '"': value.Append(escape); break;
                case '\n': break;
                case 'x' or 'u' or 'U':
                    int digits = escape switch { 'x' => 2, 'u' => 4, _ => 8 };
                    if (i + digits > source.Length || !int.TryParse(source.AsSpan(i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                        throw new JinjaException(line, $"the escape '\\{escape}' in a string needs {digits} hexadecimal digits");
                    value.Append(char.ConvertFromUtf32(code));
                    i += digits;
                    break;
                default: value.Append('\\').Append(escape); break;
            }
        }
        tokens.Add(new JinjaToken(JinjaTokenKind.String, value.ToString(), line));
        return i + 1;
    }
}
