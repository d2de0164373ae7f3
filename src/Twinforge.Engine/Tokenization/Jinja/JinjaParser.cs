using System.Globalization;

namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>
/// Builds the syntax tree from the lexer's tokens by recursive descent, with Jinja's operator precedence (lowest
/// first): <c>x if c else y</c>, <c>or</c>, <c>and</c>, <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>,
/// <c>* / // %</c>, <c>**</c>, unary <c>-</c>, then filters, tests, calls, attributes and subscripts. Tags, filters and
/// tests outside the supported subset are errors naming them and their line, as Jinja reports unknown filters when a
/// template is compiled rather than when a branch happens to run.
/// </summary>
internal sealed class JinjaParser
{
    readonly List<JinjaToken> _tokens;
    int _position;

    JinjaParser(List<JinjaToken> tokens) => _tokens = tokens;

    public static IReadOnlyList<JinjaNode> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        return parser.ParseBody([]).Body;
    }

    JinjaToken Current => _tokens[_position];

    JinjaToken Next() => _tokens[_position++];

    /// <summary>Statements until one of <paramref name="endTags"/> (whose name is consumed, not its '%}') or the end.</summary>
    (List<JinjaNode> Body, string? EndTag) ParseBody(string[] endTags)
    {
        var body = new List<JinjaNode>();
        while (true)
        {
            var token = Next();
            switch (token.Kind)
            {
                case JinjaTokenKind.End:
                    if (endTags.Length > 0)
                        throw new JinjaException(token.Line, $"the template ends before {string.Join(" or ", endTags.Select(tag => $"'{{% {tag} %}}'"))}");
                    return (body, null);
                case JinjaTokenKind.Text:
                    body.Add(new TextNode(token.Value, token.Line));
                    break;
                case JinjaTokenKind.VariableStart:
                    body.Add(new OutputNode(ParseExpression(), token.Line));
                    Expect(JinjaTokenKind.VariableEnd, "'}}'");
                    break;
                case JinjaTokenKind.BlockStart:
                    var name = Expect(JinjaTokenKind.Name, "a tag name");
                    if (endTags.Contains(name.Value)) return (body, name.Value);
                    body.Add(ParseTag(name));
                    break;
                default:
                    throw new JinjaException(token.Line, $"unexpected {token}");
            }
        }
    }

    JinjaNode ParseTag(JinjaToken name)
    {
        switch (name.Value)
        {
            case "if": return ParseIf(name.Line);
            case "for": return ParseFor(name.Line);
            case "set": return ParseSet(name.Line);
            case "break" or "continue":
                ExpectBlockEnd();
                return new LoopControlNode(name.Value == "break", name.Line);
            case "generation":
                ExpectBlockEnd();
                var (body, _) = ParseBody(["endgeneration"]);
                ExpectBlockEnd();
                return new GenerationNode(body, name.Line);
            case "elif" or "else" or "endif" or "endfor" or "endset" or "endgeneration":
                throw new JinjaException(name.Line, $"'{{% {name.Value} %}}' without the tag it belongs to");
            default:
                throw new JinjaException(name.Line,
                    $"the tag '{{% {name.Value} %}}' is not supported (supported: if, for, set, break, continue, generation)");
        }
    }

    IfNode ParseIf(int line)
    {
        var branches = new List<(JinjaExpression?, IReadOnlyList<JinjaNode>)>();
        var condition = ParseExpression();
        ExpectBlockEnd();
        while (true)
        {
            var (body, endTag) = ParseBody(["elif", "else", "endif"]);
            branches.Add((condition, body));
            if (endTag == "endif") break;
            if (endTag == "else")
            {
                ExpectBlockEnd();
                var (elseBody, _) = ParseBody(["endif"]);
                branches.Add((null, elseBody));
                break;
            }
            condition = ParseExpression();
            ExpectBlockEnd();
        }
        ExpectBlockEnd();
        return new IfNode(branches, line);
    }

    ForNode ParseFor(int line)
    {
        var targets = new List<string> { Expect(JinjaTokenKind.Name, "a loop variable").Value };
        while (Current.IsOperator(","))
        {
            Next();
            targets.Add(Expect(JinjaTokenKind.Name, "a loop variable").Value);
        }
        if (!Current.IsName("in")) throw new JinjaException(Current.Line, $"expected 'in' in the for tag, found {Current}");
        Next();
        var iterable = ParseExpression(allowConditional: false);
        JinjaExpression? filter = null;
        if (Current.IsName("if"))
        {
            Next();
            filter = ParseExpression(allowConditional: false);
        }
        if (Current.IsName("recursive")) throw new JinjaException(Current.Line, "recursive for loops are not supported");
        ExpectBlockEnd();
        var (body, endTag) = ParseBody(["else", "endfor"]);
        List<JinjaNode> otherwise = [];
        if (endTag == "else")
        {
            ExpectBlockEnd();
            (otherwise, _) = ParseBody(["endfor"]);
        }
        ExpectBlockEnd();
        return new ForNode(targets, iterable, filter, body, otherwise, line);
    }

    JinjaNode ParseSet(int line)
    {
        var first = Expect(JinjaTokenKind.Name, "a variable name");
        if (Current.IsOperator("."))
        {
            Next();
            var attribute = Expect(JinjaTokenKind.Name, "an attribute name");
            ExpectOperator("=");
            var value = ParseExpression();
            ExpectBlockEnd();
            return new SetNode([first.Value], attribute.Value, value, line);
        }
        var targets = new List<string> { first.Value };
        while (Current.IsOperator(","))
        {
            Next();
            targets.Add(Expect(JinjaTokenKind.Name, "a variable name").Value);
        }
        if (Current.Kind == JinjaTokenKind.BlockEnd && targets.Count == 1)
        {
            Next();
            var (body, _) = ParseBody(["endset"]);
            ExpectBlockEnd();
            return new SetBlockNode(first.Value, body, line);
        }
        ExpectOperator("=");
        var assigned = ParseExpression();
        ExpectBlockEnd();
        return new SetNode(targets, null, assigned, line);
    }

    JinjaExpression ParseExpression(bool allowConditional = true)
    {
        var value = ParseOr();
        if (!allowConditional) return value;
        while (Current.IsName("if"))
        {
            int line = Next().Line;
            var condition = ParseOr();
            JinjaExpression? otherwise = null;
            if (Current.IsName("else"))
            {
                Next();
                otherwise = ParseExpression();
            }
            value = new ConditionalExpression(condition, value, otherwise, line);
        }
        return value;
    }

    JinjaExpression ParseOr() => ParseLeftAssociative(ParseAnd, "or");

    JinjaExpression ParseAnd() => ParseLeftAssociative(ParseNot, "and");

    JinjaExpression ParseNot()
    {
        if (!Current.IsName("not")) return ParseCompare();
        int line = Next().Line;
        return new UnaryExpression("not", ParseNot(), line);
    }

    JinjaExpression ParseCompare()
    {
        var first = ParseAdditive();
        var rest = new List<(string, JinjaExpression)>();
        while (true)
        {
            string? op = null;
            if (Current.Kind == JinjaTokenKind.Operator && Current.Value is "==" or "!=" or "<" or "<=" or ">" or ">=") op = Current.Value;
            else if (Current.IsName("in")) op = "in";
            else if (Current.IsName("not") && _tokens[_position + 1].IsName("in")) op = "not in";
            if (op is null) break;
            Next();
            if (op == "not in") Next();
            rest.Add((op, ParseAdditive()));
        }
        return rest.Count == 0 ? first : new CompareExpression(first, rest, first.Line);
    }

    JinjaExpression ParseAdditive() => ParseLeftAssociative(ParseConcat, "+", "-");

    JinjaExpression ParseConcat() => ParseLeftAssociative(ParseMultiplicative, "~");

    JinjaExpression ParseMultiplicative() => ParseLeftAssociative(ParsePower, "*", "/", "//", "%");

    JinjaExpression ParsePower() => ParseLeftAssociative(ParseUnary, "**");

    /// <summary>
    /// One precedence level of binary operators (symbols, or the words <c>and</c> and <c>or</c>): operands from the next
    /// level up, joined left to right.
    /// </summary>
    JinjaExpression ParseLeftAssociative(Func<JinjaExpression> operand, params string[] operators)
    {
        var left = operand();
        while (Current.Kind is JinjaTokenKind.Operator or JinjaTokenKind.Name && operators.Contains(Current.Value))
        {
            var op = Next();
            left = new BinaryExpression(op.Value, left, operand(), op.Line);
        }
        return left;
    }

    JinjaExpression ParseUnary()
    {
        if (Current.Kind == JinjaTokenKind.Operator && Current.Value is "-" or "+")
        {
            var op = Next();
            return ParseFilters(new UnaryExpression(op.Value, ParseUnary(), op.Line));
        }
        return ParseFilters(ParsePostfix(ParsePrimary()));
    }

    JinjaExpression ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case JinjaTokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(true, token.Line),
                    "false" or "False" => new LiteralExpression(false, token.Line),
                    "none" or "None" => new LiteralExpression(null, token.Line),
                    _ => new NameExpression(token.Value, token.Line),
                };
            case JinjaTokenKind.String:
                var text = token.Value;
                while (Current.Kind == JinjaTokenKind.String) text += Next().Value;   // adjacent literals join, as in Python
                return new LiteralExpression(text, token.Line);
            case JinjaTokenKind.Integer:
                return new LiteralExpression(long.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case JinjaTokenKind.Float:
                return new LiteralExpression(double.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case JinjaTokenKind.Operator when token.Value == "(":
                var inner = ParseExpression();
                if (Current.IsOperator(","))
                {
                    // A tuple: Jinja's tuples behave as lists here (iterable, indexable, comparable).
                    var items = new List<JinjaExpression> { inner };
                    while (Current.IsOperator(","))
                    {
                        Next();
                        if (Current.IsOperator(")")) break;
                        items.Add(ParseExpression());
                    }
                    inner = new ListExpression(items, token.Line);
                }
                ExpectOperator(")");
                return inner;
            case JinjaTokenKind.Operator when token.Value == "[":
                var list = new List<JinjaExpression>();
                while (!Current.IsOperator("]"))
                {
                    list.Add(ParseExpression());
                    if (!Current.IsOperator(",")) break;
                    Next();
                }
                ExpectOperator("]");
                return new ListExpression(list, token.Line);
            case JinjaTokenKind.Operator when token.Value == "{":
                var entries = new List<(JinjaExpression, JinjaExpression)>();
                while (!Current.IsOperator("}"))
                {
                    var key = ParseExpression();
                    ExpectOperator(":");
                    entries.Add((key, ParseExpression()));
                    if (!Current.IsOperator(",")) break;
                    Next();
                }
                ExpectOperator("}");
                return new DictExpression(entries, token.Line);
            default:
                throw new JinjaException(token.Line, $"expected a value, found {token}");
        }
    }

    JinjaExpression ParsePostfix(JinjaExpression value)
    {
        while (true)
        {
            if (Current.IsOperator("."))
            {
                int line = Next().Line;
                var name = Current.Kind == JinjaTokenKind.Integer ? Next() : Expect(JinjaTokenKind.Name, "an attribute name after '.'");
                value = new AttributeExpression(value, name.Value, line);
            }
            else if (Current.IsOperator("["))
            {
                value = ParseSubscript(value, Next().Line);
            }
            else if (Current.IsOperator("("))
            {
                int line = Next().Line;
                var (arguments, keywords) = ParseArguments();
                value = new CallExpression(value, arguments, keywords, line);
            }
            else
            {
                return value;
            }
        }
    }

    JinjaExpression ParseSubscript(JinjaExpression value, int line)
    {
        JinjaExpression? start = Current.IsOperator(":") ? null : ParseExpression();
        if (!Current.IsOperator(":"))
        {
            ExpectOperator("]");
            return new IndexExpression(value, start!, line);
        }
        Next();
        JinjaExpression? stop = Current.IsOperator(":") || Current.IsOperator("]") ? null : ParseExpression();
        JinjaExpression? step = null;
        if (Current.IsOperator(":"))
        {
            Next();
            if (!Current.IsOperator("]")) step = ParseExpression();
        }
        ExpectOperator("]");
        return new SliceExpression(value, start, stop, step, line);
    }

    /// <summary>After '(': positional and keyword arguments up to and including ')'.</summary>
    (List<JinjaExpression>, List<(string, JinjaExpression)>) ParseArguments()
    {
        var arguments = new List<JinjaExpression>();
        var keywords = new List<(string, JinjaExpression)>();
        while (!Current.IsOperator(")"))
        {
            if (Current.Kind == JinjaTokenKind.Name && _tokens[_position + 1].IsOperator("="))
            {
                var name = Next().Value;
                Next();
                keywords.Add((name, ParseExpression()));
            }
            else
            {
                if (keywords.Count > 0) throw new JinjaException(Current.Line, "a positional argument after a keyword argument");
                arguments.Add(ParseExpression());
            }
            if (!Current.IsOperator(",")) break;
            Next();
        }
        ExpectOperator(")");
        return (arguments, keywords);
    }

    JinjaExpression ParseFilters(JinjaExpression value)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                int line = Next().Line;
                var name = Expect(JinjaTokenKind.Name, "a filter name after '|'");
                if (!JinjaFilters.IsKnown(name.Value))
                    throw new JinjaException(name.Line, $"the filter '{name.Value}' is not supported (supported: {string.Join(", ", JinjaFilters.Names)})");
                List<JinjaExpression> arguments = [];
                List<(string, JinjaExpression)> keywords = [];
                if (Current.IsOperator("("))
                {
                    Next();
                    (arguments, keywords) = ParseArguments();
                }
                value = new FilterExpression(value, name.Value, arguments, keywords, line);
            }
            else if (Current.IsName("is"))
            {
                int line = Next().Line;
                bool negated = false;
                if (Current.IsName("not"))
                {
                    Next();
                    negated = true;
                }
                var name = Current.Kind == JinjaTokenKind.Name && Current.Value is "none" or "true" or "false" or "True" or "False" or "None"
                    ? Next()
                    : Expect(JinjaTokenKind.Name, "a test name after 'is'");
                var testName = name.Value.ToLowerInvariant() is "none" or "true" or "false" ? name.Value.ToLowerInvariant() : name.Value;
                if (!JinjaTests.IsKnown(testName))
                    throw new JinjaException(name.Line, $"the test '{name.Value}' is not supported (supported: {string.Join(", ", JinjaTests.Names)})");
                List<JinjaExpression> arguments = [];
                if (Current.IsOperator("("))
                {
                    Next();
                    var (positional, keywords) = ParseArguments();
                    if (keywords.Count > 0) throw new JinjaException(line, $"the test '{testName}' takes no keyword arguments");
                    arguments = positional;
                }
                else if (StartsPrimary(Current))
                {
                    arguments = [ParsePostfix(ParsePrimary())];
                }
                value = new TestExpression(value, testName, arguments, negated, line);
            }
            else
            {
                return value;
            }
        }
    }

    /// <summary>Jinja's rule for a test's single argument without parentheses (<c>x is divisibleby 3</c>).</summary>
    static bool StartsPrimary(JinjaToken token) =>
        token.Kind is JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
        || (token.Kind == JinjaTokenKind.Name && token.Value is not ("else" or "or" or "and" or "if" or "in" or "not" or "is"))
        || (token.Kind == JinjaTokenKind.Operator && token.Value is "[" or "{");

    JinjaToken Expect(JinjaTokenKind kind, string what)
    {
        var token = Next();
        return token.Kind == kind ? token : throw new JinjaException(token.Line, $"expected {what}, found {token}");
    }

    void ExpectOperator(string op)
    {
        var token = Next();
        if (!token.IsOperator(op)) throw new JinjaException(token.Line, $"expected '{op}', found {token}");
    }

    void ExpectBlockEnd() => Expect(JinjaTokenKind.BlockEnd, "'%}'");
}
