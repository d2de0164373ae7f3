namespace Twinforge.Service.Tests;

/// <summary>Small chat data in the hosted APIs' JSONL format.</summary>
internal static class ChatData
{
    public static string Valid(string persona = "ana", int conversations = 6) => string.Concat(Enumerable.Range(1, conversations).Select(i =>
        $$"""{"messages":[{"role":"user","content":"Question {{i}} for {{persona}}?"},{"role":"assistant","content":"Answer {{i}}, says {{persona}}."}]}""" + "\n"));

    /// <summary>Line 2 is not JSON, line 3 has an unknown role, line 4 has no assistant turn.</summary>
    public const string Bad = """
        {"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}
        {"messages": [this is not json
        {"messages":[{"role":"wizard","content":"hi"},{"role":"assistant","content":"hello"}]}
        {"messages":[{"role":"user","content":"only a question"}]}
        {"messages":[{"role":"user","content":"hi again"},{"role":"assistant","content":"hello again"}]}

        """;
}
