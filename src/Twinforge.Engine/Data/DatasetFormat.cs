namespace Twinforge.Engine.Data;

/// <summary>The layout of a training file.</summary>
public enum DatasetFormat
{
    /// <summary>
    /// Chosen per file: <c>.jsonl</c>/<c>.json</c> files are chat or prompt/completion by the first valid line
    /// (<c>"messages"</c> or <c>"prompt"</c>/<c>"completion"</c>); every other extension is plain text.
    /// </summary>
    Auto,

    /// <summary>
    /// JSON Lines in the hosted fine-tuning API's chat format:
    /// <c>{"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "...", "weight": 1}]}</c>.
    /// </summary>
    Chat,

    /// <summary>JSON Lines of <c>{"prompt": "...", "completion": "..."}</c>; the loss is on the completion.</summary>
    PromptCompletion,

    /// <summary>Plain text cut into documents (blank lines, or a separator line such as fortune files' <c>%</c>).</summary>
    PlainText,
}
