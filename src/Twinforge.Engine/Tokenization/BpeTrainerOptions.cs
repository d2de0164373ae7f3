namespace Twinforge.Engine.Tokenization;

/// <summary>What <see cref="BpeTrainer"/> learns: the vocabulary's size and what it is made of.</summary>
/// <example><code>var options = new BpeTrainerOptions { VocabularySize = 16_384 };</code></example>
public sealed record BpeTrainerOptions
{
    /// <summary>
    /// Ids in all: the 256 byte symbols, one per learned merge and the special tokens. Training stops earlier when no
    /// pair occurs <see cref="MinimumPairFrequency"/> times.
    /// </summary>
    public int VocabularySize { get; init; } = 8192;

    /// <summary>A pair seen fewer times than this is never merged (a merge seen once saves one token, once).</summary>
    public int MinimumPairFrequency { get; init; } = 2;

    /// <summary>
    /// Special tokens, numbered after the learned vocabulary in this order. Never split, never part of a merge: the
    /// corpus may use them as separators. &lt;|endoftext|&gt; becomes bos and eos, &lt;|pad|&gt; padding; ChatML's
    /// markers make ChatML the chat format. The default is the built-in base's list.
    /// </summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = ByteLevelTokenizer.DefaultSpecialTokens;

    /// <summary>
    /// The chat format saved with the tokenizer (<see cref="ChatTemplates.Names"/>), or null to pick it from the special
    /// tokens (ChatML when its markers are among them). Plain by default: a tokenizer learned here usually serves a
    /// base pre-trained on plain text, which has seen "User:" and "Assistant:" as words but never ChatML's markers,
    /// whose embeddings stay untrained, so a chat prompt in ChatML reads as noise to it.
    /// </summary>
    public string? ChatTemplate { get; init; } = ChatTemplates.Plain;

    /// <summary>How text is cut into the pieces merges stay within.</summary>
    public PreTokenizerRegex PreTokenizer { get; init; } = PreTokenizerRegex.Llama3;

    /// <summary>The smallest valid <see cref="VocabularySize"/> for these special tokens.</summary>
    public int MinimumVocabularySize => ByteLevelTokenizer.ByteCount + SpecialTokens.Count;

    /// <summary>Throws <see cref="BadInputException"/> naming the setting that is out of range.</summary>
    public void Validate()
    {
        if (VocabularySize < MinimumVocabularySize)
            throw new BadInputException($"vocabulary size: must be at least {MinimumVocabularySize} (256 byte symbols + " +
                $"{SpecialTokens.Count} special tokens), got {VocabularySize}");
        if (MinimumPairFrequency < 1)
            throw new BadInputException($"minimum pair frequency: must be at least 1, got {MinimumPairFrequency}");
        if (SpecialTokens.Any(string.IsNullOrEmpty))
            throw new BadInputException("special tokens: a special token cannot be empty");
        if (ChatTemplate is not null && !ChatTemplates.Names.Contains(ChatTemplate, StringComparer.OrdinalIgnoreCase))
            throw new BadInputException($"chat template: unknown '{ChatTemplate}' (known: {string.Join(", ", ChatTemplates.Names)})");
        var repeated = SpecialTokens.GroupBy(token => token, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (repeated is not null) throw new BadInputException($"special tokens: '{repeated.Key}' is listed twice");
    }
}
