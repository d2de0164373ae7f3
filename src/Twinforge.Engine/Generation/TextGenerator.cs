using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Generation;

/// <summary>Why generation ended.</summary>
public enum StopReason
{
    /// <summary>The model produced an end-of-sequence or end-of-turn token.</summary>
    EndOfSequence,
    /// <summary>The text reached one of the stop sequences.</summary>
    StopSequence,
    /// <summary>MaxNewTokens were generated.</summary>
    MaxNewTokens,
    /// <summary>The model's context is full.</summary>
    ContextFull,
}

/// <summary>
/// The text a generation produced, its tokens, why it ended, and how many tokens the prompt was (with the chat
/// template's markup, for a chat): the usage a service bills.
/// </summary>
public sealed record GenerationResult(string Text, IReadOnlyList<int> TokenIds, StopReason StopReason, int PromptTokenCount);

/// <summary>
/// Text in, text out: encodes the prompt, decodes with <see cref="TokenGenerator"/>, and ends at the tokenizer's
/// end-of-sequence token, the chat template's end-of-turn markers or the caller's stop sequences. Keeps the token
/// generator's <see cref="InferenceSession"/> across calls; dispose it to free it. One generation at a time.
/// </summary>
public sealed class TextGenerator(CausalLanguageModel model, ITokenizer tokenizer) : IDisposable
{
    readonly TokenGenerator tokens = new(model);

    /// <summary>Continues <paramref name="prompt"/>.</summary>
    public GenerationResult Generate(string prompt, GenerationOptions options) =>
        Collect(tokenizer.Encode(prompt), options);

    /// <summary>Answers the last user message of a conversation, in the tokenizer's chat format.</summary>
    public GenerationResult Chat(IReadOnlyList<ChatMessage> messages, GenerationOptions options)
    {
        var (ids, chatOptions) = ChatPrompt(messages, options);
        return Collect(ids, chatOptions);
    }

    /// <summary>
    /// <see cref="Chat"/> piece by piece as it is generated; <paramref name="finished"/> gets the whole result (text,
    /// tokens, stop reason, usage) once the last piece is out.
    /// </summary>
    public IEnumerable<string> StreamChat(IReadOnlyList<ChatMessage> messages, GenerationOptions options, Action<GenerationResult> finished)
    {
        var (ids, chatOptions) = ChatPrompt(messages, options);
        return Run(ids, chatOptions, finished);
    }

    (IReadOnlyList<int> Ids, GenerationOptions Options) ChatPrompt(IReadOnlyList<ChatMessage> messages, GenerationOptions options) =>
        ChatPrompt(tokenizer, messages, options);

    /// <summary>Yields the continuation piece by piece as it is generated (for a live console or a stream).</summary>
    public IEnumerable<string> Stream(string prompt, GenerationOptions options)
    {
        foreach (var piece in Run(tokenizer.Encode(prompt), options, _ => { })) yield return piece;
    }

    GenerationResult Collect(IReadOnlyList<int> promptIds, GenerationOptions options)
    {
        GenerationResult? result = null;
        foreach (var _ in Run(promptIds, options, finished => result = finished)) { }
        return result!;
    }

    /// <summary>Generates and yields text as soon as it is final (<see cref="StreamingTextDecoder"/>).</summary>
    IEnumerable<string> Run(IReadOnlyList<int> promptIds, GenerationOptions options, Action<GenerationResult> finished)
    {
        var tokenOptions = options with { StopTokenIds = StopTokenIds(tokenizer, options) };
        var decoder = new StreamingTextDecoder(tokenizer, options.StopSequences, options.ReplyLeader);
        foreach (var token in tokens.Generate(promptIds, tokenOptions))
        {
            var piece = decoder.Add(token);
            if (piece.Length > 0) yield return piece;
            if (decoder.Stopped) break;
        }
        var rest = decoder.Finish();
        if (rest.Length > 0) yield return rest;
        finished(new GenerationResult(decoder.Text, decoder.TokenIds.ToList(), ReasonOf(decoder, promptIds.Count, options, model.Config), promptIds.Count));
    }

    /// <summary>The ids that end a generation: the caller's, the tokenizer's end of sequence, the chat template's end-of-turn markers.</summary>
    public static IReadOnlyList<int> StopTokenIds(ITokenizer tokenizer, GenerationOptions options)
    {
        var stopTokens = options.StopTokenIds.ToList();
        if (tokenizer.Special.Eos is int eos) stopTokens.Add(eos);
        foreach (var stop in tokenizer.ChatTemplate.StopStrings)
            if (tokenizer.TokenToId(stop) is int id) stopTokens.Add(id);
        return stopTokens.Distinct().ToList();
    }

    /// <summary>Why a generation that produced the decoder's tokens ended.</summary>
    public static StopReason ReasonOf(StreamingTextDecoder decoder, int promptTokens, GenerationOptions options, TransformerConfig config)
    {
        if (decoder.Stopped) return StopReason.StopSequence;
        int generated = decoder.TokenIds.Count;
        int limit = ContextWindow.Capacity(config, promptTokens, options.MaxNewTokens);
        return generated >= options.MaxNewTokens ? StopReason.MaxNewTokens
            : promptTokens + generated >= limit ? StopReason.ContextFull
            : StopReason.EndOfSequence;
    }

    /// <summary>A chat prompt: the conversation in the tokenizer's chat format, and the template's stop strings added to the options'.</summary>
    public static (IReadOnlyList<int> Ids, GenerationOptions Options) ChatPrompt(ITokenizer tokenizer, IReadOnlyList<ChatMessage> messages, GenerationOptions options)
    {
        var (ids, _) = ChatEncoder.Encode(tokenizer, messages, addGenerationPrompt: true);
        return (ids, options with
        {
            StopSequences = [.. options.StopSequences, .. tokenizer.ChatTemplate.StopStrings],
            ReplyLeader = tokenizer.ChatTemplate.ReplyLeader,
        });
    }

    public void Dispose() => tokens.Dispose();
}
