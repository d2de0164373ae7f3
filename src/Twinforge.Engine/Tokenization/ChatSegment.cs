namespace Twinforge.Engine.Tokenization;

/// <summary>
/// A piece of a rendered conversation. Markup (role headers, end-of-turn markers) is encoded with special tokens
/// recognised; message content is encoded as plain text, so a message cannot smuggle in control tokens.
/// </summary>
/// <param name="Text">The exact text of the piece.</param>
/// <param name="IsMarkup">True for template markup, false for message content.</param>
/// <param name="Role">
/// The turn the piece belongs to; null for markup outside any turn (Llama 3's begin-of-text) and for a Jinja template's
/// markup, whose text does not say which turn it opens or closes (its end markers are the assistant's).
/// </param>
/// <param name="IsTrainable">
/// True exactly for assistant content and the assistant's end-of-turn marker: the tokens a fine-tuning loss is computed on.
/// </param>
public sealed record ChatSegment(string Text, bool IsMarkup, ChatRole? Role, bool IsTrainable)
{
    /// <summary>
    /// The index of the message the segment belongs to (its content, or markup of its turn such as the assistant's end
    /// marker); null for markup outside any one message. What a message's <c>"weight": 0</c> takes out of training.
    /// </summary>
    public int? Message { get; init; }

    /// <summary>The segments from <paramref name="first"/> on, marked as message <paramref name="index"/>'s.</summary>
    internal static void MarkMessage(List<ChatSegment> segments, int first, int index)
    {
        for (int i = first; i < segments.Count; i++) segments[i] = segments[i] with { Message = index };
    }

    internal static ChatSegment Markup(string text, ChatRole? role, bool trainable = false) => new(text, true, role, trainable);

    /// <param name="leader">Format text encoded together with the content (the plain format's space after the colon).</param>
    internal static ChatSegment Content(ChatMessage message, string leader = "") =>
        new(leader + message.Content, false, message.Role, message.Role == ChatRole.Assistant);
}
