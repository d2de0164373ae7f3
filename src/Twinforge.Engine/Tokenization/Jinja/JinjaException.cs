namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>
/// A chat template that cannot be parsed or rendered: a construct outside the supported subset, a syntax error, an
/// undefined value used where Jinja raises, or the template's own <c>raise_exception(message)</c>. The message names
/// the template's line and, where one is at fault, the construct.
/// </summary>
public sealed class JinjaException : BadInputException
{
    internal JinjaException(int line, string problem, bool raisedByTemplate = false)
        : base($"chat template line {line}: {problem}")
    {
        Line = line;
        Problem = problem;
        RaisedByTemplate = raisedByTemplate;
    }

    /// <summary>The 1-based line of the template at fault.</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the line.</summary>
    public string Problem { get; }

    /// <summary>True when the template itself refused the input with <c>raise_exception</c> (e.g. roles that do not alternate).</summary>
    public bool RaisedByTemplate { get; }
}
