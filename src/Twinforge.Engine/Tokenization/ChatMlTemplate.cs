namespace Twinforge.Engine.Tokenization;

/// <summary>
/// ChatML, as used by Qwen2 and SmolLM: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per turn; the generation prompt is
/// <c>&lt;|im_start|&gt;assistant\n</c>. No default system message is inserted (Qwen's own template adds one).
/// </summary>
public sealed class ChatMlTemplate : IChatTemplate
{
    public const string StartToken = "<|im_start|>";
    public const string EndToken = "<|im_end|>";

    public string Name => ChatTemplates.ChatMl;

    public IReadOnlyList<string> StopStrings { get; } = [EndToken];

    public string Jinja =>
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    public IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplates.Validate(messages);
        var segments = new List<ChatSegment>();
        for (int index = 0; index < messages.Count; index++)
        {
            var message = messages[index];
            bool assistant = message.Role == ChatRole.Assistant;
            int first = segments.Count;
            segments.Add(ChatSegment.Markup($"{StartToken}{ChatMessage.RoleName(message.Role)}\n", message.Role));
            if (message.Content.Length > 0) segments.Add(ChatSegment.Content(message));
            segments.Add(ChatSegment.Markup(EndToken, message.Role, trainable: assistant));
            segments.Add(ChatSegment.Markup("\n", message.Role));
            ChatSegment.MarkMessage(segments, first, index);
        }
        if (addGenerationPrompt) segments.Add(ChatSegment.Markup($"{StartToken}assistant\n", ChatRole.Assistant));
        return segments;
    }
}
