namespace Twinforge.Engine.Tokenization.Jinja;

// The syntax tree of a template: statements (what a template does) and expressions (what it computes). Every node
// carries its line so that a rendering error names where it happened.

internal abstract record JinjaNode(int Line);

internal sealed record TextNode(string Text, int Line) : JinjaNode(Line);

/// <summary><c>{{ expression }}</c></summary>
internal sealed record OutputNode(JinjaExpression Expression, int Line) : JinjaNode(Line);

/// <summary><c>{% if %}…{% elif %}…{% else %}…{% endif %}</c>: the branches in order; the else branch has no condition.</summary>
internal sealed record IfNode(IReadOnlyList<(JinjaExpression? Condition, IReadOnlyList<JinjaNode> Body)> Branches, int Line) : JinjaNode(Line);

/// <summary><c>{% for a, b in items if condition %}…{% else %}…{% endfor %}</c></summary>
internal sealed record ForNode(
    IReadOnlyList<string> Targets, JinjaExpression Iterable, JinjaExpression? Filter,
    IReadOnlyList<JinjaNode> Body, IReadOnlyList<JinjaNode> Else, int Line) : JinjaNode(Line);

/// <summary><c>{% set name = value %}</c>, <c>{% set a, b = value %}</c>, or <c>{% set ns.attribute = value %}</c> (Namespace set).</summary>
internal sealed record SetNode(IReadOnlyList<string> Targets, string? Attribute, JinjaExpression Value, int Line) : JinjaNode(Line);

/// <summary><c>{% set name %}…{% endset %}</c>: the rendered body becomes the value.</summary>
internal sealed record SetBlockNode(string Target, IReadOnlyList<JinjaNode> Body, int Line) : JinjaNode(Line);

/// <summary><c>{% break %}</c> and <c>{% continue %}</c> (the loop-controls extension Hugging Face enables).</summary>
internal sealed record LoopControlNode(bool IsBreak, int Line) : JinjaNode(Line);

/// <summary>
/// <c>{% generation %}…{% endgeneration %}</c>, Hugging Face's marker around assistant output: rendered as its body.
/// </summary>
internal sealed record GenerationNode(IReadOnlyList<JinjaNode> Body, int Line) : JinjaNode(Line);

internal abstract record JinjaExpression(int Line) : JinjaNode(Line);

internal sealed record LiteralExpression(object? Value, int Line) : JinjaExpression(Line);

internal sealed record NameExpression(string Name, int Line) : JinjaExpression(Line);

internal sealed record ListExpression(IReadOnlyList<JinjaExpression> Items, int Line) : JinjaExpression(Line);

internal sealed record DictExpression(IReadOnlyList<(JinjaExpression Key, JinjaExpression Value)> Entries, int Line) : JinjaExpression(Line);

/// <summary><c>object.name</c></summary>
internal sealed record AttributeExpression(JinjaExpression Object, string Name, int Line) : JinjaExpression(Line);

/// <summary><c>object[key]</c></summary>
internal sealed record IndexExpression(JinjaExpression Object, JinjaExpression Key, int Line) : JinjaExpression(Line);

/// <summary><c>object[start:stop:step]</c>, any part omitted.</summary>
internal sealed record SliceExpression(JinjaExpression Object, JinjaExpression? Start, JinjaExpression? Stop, JinjaExpression? Step, int Line)
    : JinjaExpression(Line);

/// <summary><c>callee(arguments, name=value)</c></summary>
internal sealed record CallExpression(
    JinjaExpression Callee, IReadOnlyList<JinjaExpression> Arguments, IReadOnlyList<(string Name, JinjaExpression Value)> Keywords, int Line)
    : JinjaExpression(Line);

/// <summary><c>value | name(arguments)</c></summary>
internal sealed record FilterExpression(
    JinjaExpression Value, string Name, IReadOnlyList<JinjaExpression> Arguments, IReadOnlyList<(string Name, JinjaExpression Value)> Keywords, int Line)
    : JinjaExpression(Line);

/// <summary><c>value is [not] name(arguments)</c></summary>
internal sealed record TestExpression(JinjaExpression Value, string Name, IReadOnlyList<JinjaExpression> Arguments, bool Negated, int Line)
    : JinjaExpression(Line);

/// <summary><c>not</c> and unary <c>-</c> / <c>+</c>.</summary>
internal sealed record UnaryExpression(string Operator, JinjaExpression Operand, int Line) : JinjaExpression(Line);

/// <summary>Arithmetic, <c>~</c>, <c>and</c>, <c>or</c>.</summary>
internal sealed record BinaryExpression(string Operator, JinjaExpression Left, JinjaExpression Right, int Line) : JinjaExpression(Line);

/// <summary>A comparison chain <c>a &lt; b == c</c>; operators include <c>in</c> and <c>not in</c>.</summary>
internal sealed record CompareExpression(JinjaExpression First, IReadOnlyList<(string Operator, JinjaExpression Operand)> Rest, int Line)
    : JinjaExpression(Line);

/// <summary><c>then if condition else otherwise</c>; without else the value is undefined.</summary>
internal sealed record ConditionalExpression(JinjaExpression Condition, JinjaExpression Then, JinjaExpression? Otherwise, int Line)
    : JinjaExpression(Line);
