namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Turns text into token ids and back. Implementations: byte-level BPE loaded from Hugging Face files
/// (<see cref="HuggingFaceTokenizer"/>) and the 256-symbol <see cref="ByteLevelTokenizer"/> for models Twinforge
/// trains from scratch.
/// </summary>
public interface ITokenizer
{
    /// <summary>Number of ids the tokenizer can produce (largest id + 1), special tokens included.</summary>
    int VocabularySize { get; }

    /// <summary>Named special tokens (bos, eos, pad) where the tokenizer defines them.</summary>
    SpecialTokens Special { get; }

    /// <summary>The chat format this tokenizer's model was trained with.</summary>
    IChatTemplate ChatTemplate { get; }

    /// <summary>
    /// Encodes text. When <paramref name="parseSpecialTokens"/> is true, special-token strings in the text
    /// (e.g. "&lt;|im_start|&gt;") become their ids; otherwise they are encoded as ordinary text.
    /// </summary>
    IReadOnlyList<int> Encode(string text, bool parseSpecialTokens = false);

    /// <summary>Decodes ids to text; special tokens are kept unless <paramref name="skipSpecialTokens"/>.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);

    /// <summary>The id of a token string (ordinary or special), or null if it has none.</summary>
    int? TokenToId(string token);

    /// <summary>Writes the tokenizer in Hugging Face layout (tokenizer.json, tokenizer_config.json) into a directory.</summary>
    void Save(string directory);
}
