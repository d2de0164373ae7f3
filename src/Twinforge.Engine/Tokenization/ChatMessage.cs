namespace Twinforge.Engine.Tokenization;

/// <summary>One turn of a conversation.</summary>
/// <example><code>new ChatMessage(ChatRole.User, "What is a twin?")</code></example>
public sealed record ChatMessage(ChatRole Role, string Content)
{
    /// <summary>The role as chat templates spell it: "system", "user", "assistant".</summary>
    public static string RoleName(ChatRole role) => role switch
    {
        ChatRole.System => "system",
        ChatRole.User => "user",
        ChatRole.Assistant => "assistant",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown chat role"),
    };
}
