namespace Twinforge.Bench;

/// <summary>
/// A figure measured on this machine by another implementation (the issue's references), shown beside ours.
/// </summary>
public sealed record ReferenceFigure(string Name, double TokensPerSecond, string Source)
{
    public static IReadOnlyList<ReferenceFigure> FromIssue { get; } =
    [
        new("training full fp32 4x64", 61, "C implementation of GPT-2 124M training (llm.c-style), fp32"),
        new("generation single-stream fp32", 64, "a leading C++ inference engine, GPT-2 124M fp32"),
        new("prompt processing fp32", 800, "a leading C++ inference engine, GPT-2 124M fp32"),
    ];
}
