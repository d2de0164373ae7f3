namespace Twinforge.Engine;

/// <summary>
/// The problem an <see cref="ArgumentException"/> states, in the words a user reads beside the option, field or file
/// it concerns: without what .NET appends to the message (" (Parameter 'X')", "Actual value was …" on a second
/// line) and without the property name the engine's validation starts its messages with ("TopP must be …").
/// </summary>
public static class ArgumentProblem
{
    public static string Of(ArgumentException error)
    {
        var problem = error.Message.Split('\n')[0].TrimEnd('\r');
        if (error.ParamName is not { } name) return problem;
        problem = problem.Replace($" (Parameter '{name}')", "");
        return problem.StartsWith(name + " ", StringComparison.Ordinal) ? problem[(name.Length + 1)..] : problem;
    }
}
