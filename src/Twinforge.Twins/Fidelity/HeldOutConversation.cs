using System.Text.Json;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Twins.Fidelity;

/// <summary>
/// A conversation of the creator's chat data cut where the creator answers last: the turns before the answer (the
/// prompt a model answers) and the creator's answer itself.
/// </summary>
public sealed record HeldOutConversation(IReadOnlyList<ChatMessage> Context, string Answer)
{
    /// <summary>
    /// The conversations of chat JSONL lines (the hosted APIs' format) that end in an assistant turn after at least one
    /// other turn, and of prompt/completion lines (the prompt as the user's turn); other lines (plain text) are skipped
    /// (the data was validated when it was registered).
    /// </summary>
    public static IReadOnlyList<HeldOutConversation> Read(IEnumerable<string> jsonLines)
    {
        var conversations = new List<HeldOutConversation>();
        foreach (var line in jsonLines)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var messages = Messages(line);
            int last = messages.FindLastIndex(message => message.Role == ChatRole.Assistant);
            if (last >= 1 && messages[last].Content.Trim().Length > 0) conversations.Add(new(messages.Take(last).ToList(), messages[last].Content.Trim()));
        }
        return conversations;
    }

    static List<ChatMessage> Messages(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return [];
            if (document.RootElement.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.String &&
                document.RootElement.TryGetProperty("completion", out var completion) && completion.ValueKind == JsonValueKind.String)
                return [new ChatMessage(ChatRole.User, prompt.GetString()!), new ChatMessage(ChatRole.Assistant, completion.GetString()!)];
            if (!document.RootElement.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array) return [];
            var read = new List<ChatMessage>();
            foreach (var message in messages.EnumerateArray())
            {
                if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String) continue;
                ChatRole? role = message.TryGetProperty("role", out var name) ? name.GetString() switch
                {
                    "system" or "developer" => ChatRole.System,
                    "user" => ChatRole.User,
                    "assistant" => ChatRole.Assistant,
                    _ => null,
                } : null;
                if (role is ChatRole known) read.Add(new ChatMessage(known, content.GetString()!));
            }
            return read;
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
