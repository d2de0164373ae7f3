namespace Twinforge.Engine.Tokenization;

/// <summary>
/// A transcript for tokenizers without chat tokens (GPT-2): a system message as a paragraph, then
/// <c>User: …\n</c> and <c>Assistant: …&lt;eos&gt;\n</c>. The end-of-sequence token ends each assistant turn, so a model
/// fine-tuned on it learns to stop; "\nUser:" also stops generation in case it does not.
/// </summary>
public sealed class PlainChatTemplate : IChatTemplate
{
    public const string UserPrefix = "User: ";
    public const string AssistantPrefix = "Assistant: ";

    /// <param name="endOfTurn">The eos token's text, or null if the tokenizer has none (turns then end at the newline).</param>
    public PlainChatTemplate(string? endOfTurn)
    {
        EndOfTurn = endOfTurn;
        StopStrings = endOfTurn is null ? ["\nUser:"] : [endOfTurn, "\nUser:"];
    }

    /// <summary>The text that closes an assistant turn (the eos token), if any.</summary>
    public string? EndOfTurn { get; }

    public string Name => ChatTemplates.Plain;

    public IReadOnlyList<string> StopStrings { get; }

    public string Jinja =>
        "{% for message in messages %}{% if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}" +
        "{% elif message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\\n' }}" +
        $"{{% else %}}{{{{ 'Assistant: ' + message['content'] + '{JinjaEscape(EndOfTurn ?? "")}' + '\\n' }}}}{{% endif %}}{{% endfor %}}" +
        "{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}";

    public IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplates.Validate(messages);
        var segments = new List<ChatSegment>();
        for (int index = 0; index < messages.Count; index++)
        {
            var message = messages[index];
            int first = segments.Count;
            switch (message.Role)
            {
                case ChatRole.System:
                    if (message.Content.Length > 0) segments.Add(ChatSegment.Content(message));
                    segments.Add(ChatSegment.Markup("\n\n", message.Role));
                    break;
                case ChatRole.User:
                    segments.Add(ChatSegment.Markup(UserPrefix, message.Role));
                    if (message.Content.Length > 0) segments.Add(ChatSegment.Content(message));
                    segments.Add(ChatSegment.Markup("\n", message.Role));
                    break;
                case ChatRole.Assistant:
                    segments.Add(ChatSegment.Markup(AssistantPrefix, message.Role));
                    if (message.Content.Length > 0) segments.Add(ChatSegment.Content(message));
                    if (EndOfTurn is not null) segments.Add(ChatSegment.Markup(EndOfTurn, message.Role, trainable: true));
                    segments.Add(ChatSegment.Markup("\n", message.Role, trainable: EndOfTurn is null));
                    break;
            }
            ChatSegment.MarkMessage(segments, first, index);
        }
        if (addGenerationPrompt) segments.Add(ChatSegment.Markup(AssistantPrefix, ChatRole.Assistant));
        return segments;
    }

    static string JinjaEscape(string text) => text.Replace("\\", "\\\\").Replace("'", "\\'");
}
