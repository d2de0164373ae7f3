namespace Twinforge.Engine.Tokenization;

/// <summary>
/// A chat format: how a conversation becomes text for the model, which parts are trained on, and which strings end
/// the assistant's turn. Implementations: <see cref="JinjaChatTemplate"/> (a model's own template), and the built-in
/// <see cref="ChatMlTemplate"/> (Qwen2, SmolLM, Twinforge's byte-level models), <see cref="Llama3ChatTemplate"/> and
/// <see cref="PlainChatTemplate"/> for tokenizers without one; <see cref="ChatTemplates"/> picks one.
/// </summary>
public interface IChatTemplate
{
    /// <summary>Short name: "jinja" for a model's own template, or "chatml", "llama3" or "plain" (see <see cref="ChatTemplates"/>).</summary>
    string Name { get; }

    /// <summary>The end-of-turn strings that end generation, e.g. "&lt;|im_end|&gt;".</summary>
    IReadOnlyList<string> StopStrings { get; }

    /// <summary>
    /// Format text every assistant reply starts with that the generation prompt leaves to the model (the plain format's
    /// space after "Assistant:"); taken off the start of a generated answer. Empty for most formats.
    /// </summary>
    string ReplyLeader => "";

    /// <summary>The same format as a Jinja template, for tokenizer_config.json's <c>chat_template</c>.</summary>
    string Jinja { get; }

    /// <summary>
    /// Renders a conversation as segments whose texts, concatenated, are the prompt. With
    /// <paramref name="addGenerationPrompt"/> it ends with the opening of an assistant turn, exactly the markup that
    /// precedes assistant content in a rendered reply (less the <see cref="ReplyLeader"/>, which the content segment
    /// carries), so training and generation see the same tokens.
    /// </summary>
    IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt);
}
