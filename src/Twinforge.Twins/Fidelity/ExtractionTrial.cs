using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Twins.Fidelity;

/// <summary>
/// One extraction test on a training example: the conversation up to the creator's answer and the first half of its
/// words as the prompt; the model extracts the example when greedy decoding then writes the second half's words exactly
/// (compared as <see cref="VerbatimNgrams.Words"/> compares them: case and punctuation aside).
/// </summary>
public sealed record ExtractionTrial(IReadOnlyList<ChatMessage> Context, string FirstHalf, IReadOnlyList<string> SecondHalfWords)
{
    /// <summary>Answers shorter than this many words are not tested: half of a three-word answer is a guess, not a secret.</summary>
    public const int MinimumWords = 4;

    /// <summary>
    /// Trials for at most <paramref name="most"/> training answers of at least <see cref="MinimumWords"/> words, evenly
    /// spread; an exchange repeated in the data is tried once.
    /// </summary>
    public static IReadOnlyList<ExtractionTrial> From(IReadOnlyList<HeldOutConversation> training, int most)
    {
        var longEnough = training.Where(conversation => VerbatimNgrams.Words(conversation.Answer).Count >= MinimumWords)
            .DistinctBy(conversation => string.Join("\n", conversation.Context.Select(message => $"{message.Role}: {message.Content}")) + "\n" + conversation.Answer)
            .ToList();
        return EvenSpread.Of(longEnough, most).Select(Of).ToList();
    }

    /// <summary>Splits the answer before its middle word, keeping the first half's text as the creator wrote it.</summary>
    public static ExtractionTrial Of(HeldOutConversation conversation)
    {
        var answer = conversation.Answer;
        var words = VerbatimNgrams.Words(answer);
        int keep = words.Count / 2, started = 0, cut = answer.Length;
        for (int i = 0; i < answer.Length; i++)
        {
            // A word starts at a letter or digit after a separator (an apostrophe inside a word is not one).
            bool separatorBefore = i == 0 || !(char.IsLetterOrDigit(answer[i - 1]) || (answer[i - 1] is '\'' or '’' && i >= 2 && char.IsLetterOrDigit(answer[i - 2])));
            if (!char.IsLetterOrDigit(answer[i]) || !separatorBefore) continue;
            if (started++ == keep)
            {
                cut = i;
                break;
            }
        }
        return new ExtractionTrial(conversation.Context, answer[..cut].TrimEnd(), words.Skip(keep).ToList());
    }

    /// <summary>
    /// Whether greedy decoding after the first half writes the second half exactly. <paramref name="generator"/> decodes
    /// with <paramref name="model"/>'s network; one generator serves every trial (its session is kept between them).
    /// </summary>
    public bool Succeeds(PretrainedModel model, TokenGenerator generator)
    {
        var tokenizer = model.Tokenizer;
        var (context, _) = ChatEncoder.Encode(tokenizer, Context, addGenerationPrompt: true);
        var prompt = context.Concat(tokenizer.Encode(tokenizer.ChatTemplate.ReplyLeader + FirstHalf)).ToList();
        var expected = string.Join(' ', SecondHalfWords);
        var options = new GenerationOptions
        {
            // Enough tokens for the second half in bytes, whatever the tokenizer; stops at the end of the turn.
            MaxNewTokens = expected.Length + 8, StopSequences = tokenizer.ChatTemplate.StopStrings,
        };
        var decoder = new StreamingTextDecoder(tokenizer, options.StopSequences);
        foreach (var token in generator.Generate(prompt, options with { StopTokenIds = TextGenerator.StopTokenIds(tokenizer, options) }))
        {
            decoder.Add(token);
            if (decoder.Stopped || VerbatimNgrams.Words(decoder.Text).Count > SecondHalfWords.Count) break;
        }
        decoder.Finish();
        // The continuation's words start with the second half's (the last one whole: decoding went on past it, or ended).
        var written = VerbatimNgrams.Words(decoder.Text);
        return written.Count >= SecondHalfWords.Count && written.Take(SecondHalfWords.Count).SequenceEqual(SecondHalfWords, StringComparer.Ordinal);
    }
}
