namespace Twinforge.Engine.Tokenization.Jinja;

internal enum JinjaTokenKind
{
    /// <summary>Literal template text, whitespace control already applied.</summary>
    Text,
    /// <summary><c>{{</c></summary>
    VariableStart,
    /// <summary><c>}}</c></summary>
    VariableEnd,
    /// <summary><c>{%</c></summary>
    BlockStart,
    /// <summary><c>%}</c></summary>
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    /// <summary>An operator or punctuation: <c>== != &lt;= &gt;= &lt; &gt; + - * / // % ** ~ | . , : ( ) [ ] { } =</c>.</summary>
    Operator,
    End,
}

/// <summary>One token of a template; <see cref="Value"/> is the decoded text (a string literal without quotes or escapes).</summary>
internal sealed record JinjaToken(JinjaTokenKind Kind, string Value, int Line)
{
    public bool Is(JinjaTokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsOperator(string value) => Is(JinjaTokenKind.Operator, value);

    public bool IsName(string value) => Is(JinjaTokenKind.Name, value);

    public override string ToString() => Kind switch
    {
        JinjaTokenKind.Text => "template text",
        JinjaTokenKind.VariableStart => "'{{'",
        JinjaTokenKind.VariableEnd => "'}}'",
        JinjaTokenKind.BlockStart => "'{%'",
        JinjaTokenKind.BlockEnd => "'%}'",
        JinjaTokenKind.String => $"string '{Value}'",
        JinjaTokenKind.End => "the end of the template",
        _ => $"'{Value}'",
    };
}
