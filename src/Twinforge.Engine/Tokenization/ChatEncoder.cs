namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Turns a conversation into token ids and a per-token mask of what a fine-tuning loss should be computed on.
/// Each segment is encoded on its own: markup with special tokens recognised, message content without, so
/// "&lt;|im_end|&gt;" typed by a user stays text.
/// </summary>
/// <example><code>
/// var (ids, trainable) = ChatEncoder.Encode(tokenizer, [new(ChatRole.User, "Hi"), new(ChatRole.Assistant, "Hello!")], false);
/// </code></example>
public static class ChatEncoder
{
    /// <param name="untrained">Indices of assistant messages kept out of training (<c>"weight": 0</c>): their segments are not trainable.</param>
    public static (int[] Ids, bool[] Trainable) Encode(ITokenizer tokenizer, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt,
        IReadOnlySet<int>? untrained = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var ids = new List<int>();
        var trainable = new List<bool>();
        foreach (var segment in tokenizer.ChatTemplate.Render(messages, addGenerationPrompt))
        {
            var segmentIds = tokenizer.Encode(segment.Text, parseSpecialTokens: segment.IsMarkup);
            ids.AddRange(segmentIds);
            bool trained = segment.IsTrainable && !(segment.Message is int message && untrained is not null && untrained.Contains(message));
            for (int i = 0; i < segmentIds.Count; i++) trainable.Add(trained);
        }
        return (ids.ToArray(), trainable.ToArray());
    }
}
