namespace Twinforge.Engine.Tokenization;

/// <summary>
/// A transcript for tokenizers without chat tokens (GPT-2, Twinforge's own bases): a system message as a paragraph,
/// then <c>User: …\n</c> and <c>Assistant: …&lt;eos&gt;\n</c>. The end-of-sequence token ends each assistant turn, so a
/// model fine-tuned on it learns to stop; "\nUser:" also stops generation in case it does not.
/// </summary>
/// <remarks>
/// The space after each colon is encoded with the message, not the header: a subword vocabulary writes a word with the
/// space before it (" Hello"), so a prompt ending in a lone space token asks a base model for something it almost
/// never saw, a word without its space, and it answers with word fragments. The generation prompt therefore ends at
/// "Assistant:", the model writes the space itself, and <see cref="ReplyLeader"/> takes it off the answer.
/// </remarks>
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

    /// <summary>The space between "Assistant:" and the reply: generated with the reply, not part of it.</summary>
    public string ReplyLeader => " ";

    public string Jinja =>
        "{% for message in messages %}{% if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}" +
        "{% elif message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\\n' }}" +
        $"{{% else %}}{{{{ 'Assistant: ' + message['content'] + '{JinjaEscape(EndOfTurn ?? "")}' + '\\n' }}}}{{% endif %}}{{% endfor %}}" +
        "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

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
                    AddTurnOpening(segments, UserPrefix, message);
                    segments.Add(ChatSegment.Markup("\n", message.Role));
                    break;
                case ChatRole.Assistant:
                    AddTurnOpening(segments, AssistantPrefix, message);
                    if (EndOfTurn is not null) segments.Add(ChatSegment.Markup(EndOfTurn, message.Role, trainable: true));
                    segments.Add(ChatSegment.Markup("\n", message.Role, trainable: EndOfTurn is null));
                    break;
            }
            ChatSegment.MarkMessage(segments, first, index);
        }
        if (addGenerationPrompt) segments.Add(ChatSegment.Markup(AssistantPrefix.TrimEnd(), ChatRole.Assistant));
        return segments;
    }

    /// <summary>"User:" or "Assistant:", then the message with the space before it (alone, as markup, when it is empty).</summary>
    static void AddTurnOpening(List<ChatSegment> segments, string prefix, ChatMessage message)
    {
        segments.Add(ChatSegment.Markup(prefix.TrimEnd(), message.Role));
        segments.Add(message.Content.Length > 0
            ? ChatSegment.Content(message, leader: " ")
            : ChatSegment.Markup(" ", message.Role));
    }

    static string JinjaEscape(string text) => text.Replace("\\", "\\\\").Replace("'", "\\'");
}
