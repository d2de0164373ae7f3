using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Data;

/// <summary>
/// Reads chat JSON Lines in the hosted fine-tuning API's format, one conversation per line:
/// <c>{"messages": [{"role": "system"|"user"|"assistant", "content": "...", "weight": 0|1}, ...]}</c>.
/// Each conversation is rendered with the tokenizer's chat template through <see cref="ChatEncoder"/>, so the loss is
/// on assistant content and its end-of-turn marker only; <c>"weight": 0</c> takes an assistant message out of it.
/// Every problem on a line is reported; other fields (<c>"name"</c>, ...) are ignored.
/// </summary>
internal static class ChatJsonlReader
{
    public static List<SourceDocument> Read(string path, IReadOnlyList<SourceLine> lines, ITokenizer tokenizer, List<DatasetProblem> problems)
    {
        var documents = new List<SourceDocument>();
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line.Text)) continue;
            if (JsonLine.Parse(path, line, problems) is not { } root) continue;
            if (ReadConversation(root, path, line.Number, problems) is not { } conversation) continue;
            int[] ids;
            bool[] trainable;
            try
            {
                (ids, trainable) = Encode(tokenizer, conversation.Messages, conversation.Untrained);
            }
            catch (BadInputException error)
            {
                // A model's own template may refuse a conversation (a system role, roles that do not alternate): that
                // line is bad data for this model, reported with the template's words like any other problem.
                problems.Add(new DatasetProblem(path, line.Number, DatasetProblemKind.ChatTemplateRefused, error.Message, "messages"));
                continue;
            }
            documents.Add(new SourceDocument(ids, trainable, line.Number));
        }
        return documents;
    }

    sealed record Conversation(List<ChatMessage> Messages, List<int> Untrained);

    /// <summary>The messages and the indices of assistant messages with weight 0, or null after reporting every problem.</summary>
    static Conversation? ReadConversation(JsonObject root, string path, long line, List<DatasetProblem> problems)
    {
        int before = problems.Count;
        void Report(DatasetProblemKind kind, string reason, string? field) => problems.Add(new DatasetProblem(path, line, kind, reason, field));

        if (root["messages"] is not { } messagesNode)
        {
            Report(DatasetProblemKind.MissingField, "has no \"messages\" list (chat lines look like {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}, ...]})", null);
            return null;
        }
        if (messagesNode is not JsonArray list)
        {
            Report(DatasetProblemKind.WrongType, $"expected a list of messages, found {JsonLine.Describe(messagesNode)}", "messages");
            return null;
        }

        var messages = new List<ChatMessage>();
        var untrained = new List<int>();
        bool everyRoleKnown = true;
        for (int i = 0; i < list.Count; i++)
        {
            var field = $"messages[{i}]";
            if (list[i] is not JsonObject message)
            {
                Report(DatasetProblemKind.WrongType, $"expected a message {{\"role\": ..., \"content\": ...}}, found {JsonLine.Describe(list[i])}", field);
                everyRoleKnown = false;
                continue;
            }
            var role = ReadRole(message, field, Report);
            everyRoleKnown &= role is not null;
            var content = ReadContent(message, field, Report);
            if (message.ContainsKey("weight") && ReadWeight(message["weight"], role, $"{field}.weight", Report) == 0) untrained.Add(i);
            if (role is ChatRole known && content is not null) messages.Add(new ChatMessage(known, content));
        }
        // Warnings (a control character) keep the conversation; errors drop it.
        bool HasErrors() => problems.Skip(before).Any(problem => problem.IsError);
        if (everyRoleKnown && !messages.Any(message => message.Role == ChatRole.Assistant) && !HasErrors())
            Report(DatasetProblemKind.NoAssistantTurn,
                list.Count == 0 ? "has an empty \"messages\" list" : "has no assistant message, so nothing to train on", list.Count == 0 ? "messages" : null);
        return HasErrors() ? null : new Conversation(messages, untrained);
    }

    static ChatRole? ReadRole(JsonObject message, string field, Action<DatasetProblemKind, string, string?> report)
    {
        switch (message["role"])
        {
            case null:
                report(DatasetProblemKind.MissingField, "is missing", $"{field}.role");
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var name = value.GetValue<string>();
                ChatRole? role = name switch
                {
                    "system" => ChatRole.System,
                    "user" => ChatRole.User,
                    "assistant" => ChatRole.Assistant,
                    _ => null,
                };
                if (role is null) report(DatasetProblemKind.UnknownRole, $"the role is {JsonLine.Describe(value)}: expected system, user or assistant", $"{field}.role");
                return role;
            case var other:
                report(DatasetProblemKind.WrongType, $"expected a role string, found {JsonLine.Describe(other)}", $"{field}.role");
                return null;
        }
    }

    static string? ReadContent(JsonObject message, string field, Action<DatasetProblemKind, string, string?> report)
    {
        if (!message.ContainsKey("content"))
        {
            report(DatasetProblemKind.MissingField, "is missing", $"{field}.content");
            return null;
        }
        if (message["content"] is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            report(DatasetProblemKind.NotAString, $"expected a string, found {JsonLine.Describe(message["content"])}", $"{field}.content");
            return null;
        }
        var content = value.GetValue<string>();
        if (string.IsNullOrWhiteSpace(content))
        {
            report(DatasetProblemKind.EmptyText, "is empty", $"{field}.content");
            return null;
        }
        if (ControlCharacters.Find(content) is var (kind, reason))
        {
            report(kind, reason, $"{field}.content");
            if (kind == DatasetProblemKind.NulCharacter) return null;
        }
        return content;
    }

    /// <summary>0 or 1, or null after reporting: weights are 0 or 1 and only on assistant messages, as in the hosted API.</summary>
    static int? ReadWeight(JsonNode? node, ChatRole? role, string field, Action<DatasetProblemKind, string, string?> report)
    {
        int? weight = node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out double number)
            ? number switch { 0 => 0, 1 => 1, _ => null }
            : null;
        if (weight is null)
        {
            report(DatasetProblemKind.InvalidWeight, $"expected 0 or 1, found {JsonLine.Describe(node)}", field);
            return null;
        }
        if (role is ChatRole known && known != ChatRole.Assistant)
        {
            report(DatasetProblemKind.InvalidWeight, $"a weight is only allowed on assistant messages, not {ChatMessage.RoleName(known)}", field);
            return null;
        }
        return weight;
    }

    /// <summary>
    /// Encodes the conversation with the weight-0 messages' segments (their content and end marker) untrained: the
    /// template marks each segment with its message, wherever the template puts it.
    /// </summary>
    static (int[] Ids, bool[] Trainable) Encode(ITokenizer tokenizer, List<ChatMessage> messages, List<int> untrained) =>
        ChatEncoder.Encode(tokenizer, messages, addGenerationPrompt: false, untrained.ToHashSet());
}
