namespace Twinforge.Engine.Tokenization;

/// <summary>Checks that a tokenizer and a model belong together, before any id reaches an embedding table.</summary>
public static class TokenizerChecks
{
    /// <summary>
    /// Throws if the tokenizer can produce an id the model has no embedding row for. A model vocabulary larger than
    /// the tokenizer's is fine (checkpoints often pad it to a multiple of 64 or 128).
    /// </summary>
    /// <param name="tokenizer">The tokenizer the model will be fed by.</param>
    /// <param name="modelVocabularySize">Rows of the model's token embedding (config.json's vocab_size).</param>
    /// <param name="tokenizerPath">The tokenizer's file or directory, named in the error.</param>
    /// <exception cref="InputFileException">The tokenizer has ids at or above <paramref name="modelVocabularySize"/>.</exception>
    public static void EnsureFitsModel(ITokenizer tokenizer, int modelVocabularySize, string tokenizerPath)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabularySize <= modelVocabularySize) return;
        var beyond = tokenizer.Special.Tokens
            .Where(pair => pair.Value >= modelVocabularySize)
            .OrderBy(pair => pair.Value)
            .Take(3)
            .Select(pair => $"'{pair.Key}' ({pair.Value})")
            .ToList();
        var examples = beyond.Count > 0 ? $"; beyond it: {string.Join(", ", beyond)}" : "";
        throw new InputFileException(tokenizerPath,
            $"the tokenizer produces ids up to {tokenizer.VocabularySize - 1}, but the model's vocabulary has only " +
            $"{modelVocabularySize} rows (ids 0..{modelVocabularySize - 1}){examples}; use the tokenizer the model was trained with",
            "vocab_size");
    }
}
