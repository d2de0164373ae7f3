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

    (IReadOnlyList<int> Ids, GenerationOptions Options) ChatPrompt(IReadOnlyList<ChatMessage> messages, GenerationOptions options)
    {
        var (ids, _) = ChatEncoder.Encode(tokenizer, messages, addGenerationPrompt: true);
        return (ids, options with { StopSequences = [.. options.StopSequences, .. tokenizer.ChatTemplate.StopStrings] });
    }

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

    /// <summary>
    /// Generates and yields text as soon as it is final: text that might still become a stop sequence, or that
    /// ends in an incomplete UTF-8 character, is held back until the next token decides it.
    /// </summary>
    IEnumerable<string> Run(IReadOnlyList<int> promptIds, GenerationOptions options, Action<GenerationResult> finished)
    {
        var stopTokens = options.StopTokenIds.ToList();
        if (tokenizer.Special.Eos is int eos) stopTokens.Add(eos);
        foreach (var stop in tokenizer.ChatTemplate.StopStrings)
            if (tokenizer.TokenToId(stop) is int id) stopTokens.Add(id);
        var tokenOptions = options with { StopTokenIds = stopTokens.Distinct().ToList() };

        var generated = new List<int>();
        int emitted = 0;
        string text = "";
        StopReason reason = StopReason.MaxNewTokens;
        foreach (var token in tokens.Generate(promptIds, tokenOptions))
        {
            generated.Add(token);
            text = tokenizer.Decode(generated, skipSpecialTokens: true);
            int stopAt = FirstStop(text, options.StopSequences);
            if (stopAt >= 0)
            {
                text = text[..stopAt];
                reason = StopReason.StopSequence;
                break;
            }
            int safe = SafeLength(text, options.StopSequences);
            if (safe > emitted)
            {
                yield return text[emitted..safe];
                emitted = safe;
            }
        }
        if (reason != StopReason.StopSequence)
        {
            int limit = Math.Min(promptIds.Count + options.MaxNewTokens,
                model.Config.Family == ModelFamily.Gpt2 ? model.Config.MaxPositions : int.MaxValue);
            reason = generated.Count >= options.MaxNewTokens ? StopReason.MaxNewTokens
                : promptIds.Count + generated.Count >= limit ? StopReason.ContextFull
                : StopReason.EndOfSequence;
            text = text.TrimEnd('\uFFFD');
        }
        if (text.Length > emitted) yield return text[emitted..];
        finished(new GenerationResult(text, generated, reason, promptIds.Count));
    }

    static int FirstStop(string text, IReadOnlyList<string> stops)
    {
        int first = -1;
        foreach (var stop in stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        return first;
    }

    /// <summary>How much of the text can be emitted: not a tail that begins a stop sequence or a broken character.</summary>
    static int SafeLength(string text, IReadOnlyList<string> stops)
    {
        int safe = text.Length;
        while (safe > 0 && text[safe - 1] == '\uFFFD') safe--;
        foreach (var stop in stops)
        {
            for (int overlap = Math.Min(stop.Length - 1, safe); overlap > 0; overlap--)
            {
                if (string.CompareOrdinal(text, safe - overlap, stop, 0, overlap) == 0)
                {
                    safe -= overlap;
                    break;
                }
            }
        }
        return safe;
    }

    public void Dispose() => tokens.Dispose();
}
