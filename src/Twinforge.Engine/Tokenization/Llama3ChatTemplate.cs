namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Meta Llama 3's format: <c>&lt;|begin_of_text|&gt;</c>, then per turn
/// <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt;</c> with the content trimmed, as Meta's
/// template does. Llama 3.1's extra system preamble (knowledge cut-off date, tools) is not reproduced.
/// </summary>
public sealed class Llama3ChatTemplate : IChatTemplate
{
    public const string BeginOfText = "<|begin_of_text|>";
    public const string StartHeader = "<|start_header_id|>";
    public const string EndHeader = "<|end_header_id|>";
    public const string EndOfTurn = "<|eot_id|>";

    public string Name => ChatTemplates.Llama3;

    public IReadOnlyList<string> StopStrings { get; } = [EndOfTurn];

    public string Jinja =>
        "{% set loop_messages = messages %}{% for message in loop_messages %}" +
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' %}" +
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    public IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplates.Validate(messages);
        var segments = new List<ChatSegment> { ChatSegment.Markup(BeginOfText, role: null) };
        for (int index = 0; index < messages.Count; index++)
        {
            var message = messages[index];
            bool assistant = message.Role == ChatRole.Assistant;
            var trimmed = message with { Content = message.Content.Trim() };
            int first = segments.Count;
            segments.Add(ChatSegment.Markup(Header(message.Role), message.Role));
            if (trimmed.Content.Length > 0) segments.Add(ChatSegment.Content(trimmed));
            segments.Add(ChatSegment.Markup(EndOfTurn, message.Role, trainable: assistant));
            ChatSegment.MarkMessage(segments, first, index);
        }
        if (addGenerationPrompt) segments.Add(ChatSegment.Markup(Header(ChatRole.Assistant), ChatRole.Assistant));
        return segments;
    }

    static string Header(ChatRole role) => $"{StartHeader}{ChatMessage.RoleName(role)}{EndHeader}\n\n";
}
