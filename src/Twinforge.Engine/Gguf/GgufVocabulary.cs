using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Gguf;

/// <summary>
/// A tokenizer as llama.cpp's byte-level BPE reads it from GGUF (<c>tokenizer.ggml.model = "gpt2"</c>): every id's
/// token in GPT-2's byte-symbol form, its type, the merges as "left right", the pre-tokenizer by llama.cpp's name,
/// the special ids and the chat template. llama.cpp splits text with the named pre-tokenizer's regex, maps bytes to the
/// same symbols, applies the merges by rank and looks the pieces up, as Hugging Face does.
/// </summary>
/// <remarks>
/// Twinforge's 256-byte tokenizer is such a BPE with no merges: token i is byte i's symbol, so llama.cpp gives every
/// byte its own id, exactly as <see cref="ByteLevelTokenizer"/> does, whatever the pre-tokenizer splits. A Hugging Face
/// tokenizer is exported when its pre-tokenizer is one llama.cpp knows by name (GPT-2's, Llama 3's or Qwen2's regex,
/// no normalizer but Qwen2's NFC, no prefix space); any other is refused rather than exported to tokenize differently.
/// </remarks>
public static class GgufVocabulary
{
    /// <summary>llama.cpp's token types (<c>enum llama_token_type</c>).</summary>
    public const int Normal = 1, Control = 3, UserDefined = 4, Unused = 5;

    const string Gpt2Pre = "gpt-2";

    /// <summary>Hugging Face pre-tokenizer regexes and the names llama.cpp's tokenizer knows them by.</summary>
    static readonly Dictionary<string, string> PreTokenizerNames = new(StringComparer.Ordinal)
    {
        [PreTokenizerPipeline.Gpt2Pattern] = Gpt2Pre,
        [PreTokenizerPipeline.Llama3Pattern] = "llama-bpe",
        [PreTokenizerPipeline.Qwen2Pattern] = "qwen2",
    };

    /// <summary>
    /// Adds the <c>tokenizer.*</c> keys for <paramref name="tokenizer"/> to <paramref name="writer"/>, with the token
    /// list padded to <paramref name="modelVocabularySize"/> (the rows of the embedding) by unused "[PADn]" tokens, as
    /// llama.cpp's converter pads. Encoding adds no bos or eos, as Twinforge's own encoding does not.
    /// </summary>
    /// <exception cref="BadInputException">The tokenizer cannot be expressed so that llama.cpp tokenizes identically.</exception>
    public static void Add(GgufWriter writer, ITokenizer tokenizer, int modelVocabularySize)
    {
        var (tokens, types, merges, pre) = tokenizer switch
        {
            ByteLevelTokenizer bytes => FromBytes(bytes, modelVocabularySize),
            HuggingFaceTokenizer huggingFace => FromHuggingFace(huggingFace, modelVocabularySize),
            _ => throw new BadInputException($"GGUF export: a {tokenizer.GetType().Name} cannot be written as a llama.cpp tokenizer"),
        };
        writer.Add("tokenizer.ggml.model", GgufValue.String("gpt2"));
        writer.Add("tokenizer.ggml.pre", GgufValue.String(pre));
        writer.Add("tokenizer.ggml.tokens", GgufValue.Strings(tokens));
        writer.Add("tokenizer.ggml.token_type", GgufValue.Int32s(types));
        writer.Add("tokenizer.ggml.merges", GgufValue.Strings(merges));
        if (tokenizer.Special.Bos is int bos) writer.Add("tokenizer.ggml.bos_token_id", GgufValue.UInt32((uint)bos));
        if (tokenizer.Special.Eos is int eos) writer.Add("tokenizer.ggml.eos_token_id", GgufValue.UInt32((uint)eos));
        if (tokenizer.Special.Pad is int pad) writer.Add("tokenizer.ggml.padding_token_id", GgufValue.UInt32((uint)pad));
        writer.Add("tokenizer.ggml.add_bos_token", GgufValue.Bool(false));
        writer.Add("tokenizer.ggml.add_eos_token", GgufValue.Bool(false));
        writer.Add("tokenizer.chat_template", GgufValue.String(tokenizer.ChatTemplate.Jinja));
    }

    static (List<string> Tokens, List<int> Types, List<string> Merges, string Pre) FromBytes(ByteLevelTokenizer tokenizer, int size)
    {
        var byId = new Dictionary<int, (string, int)>();
        for (int value = 0; value < ByteLevelTokenizer.ByteCount; value++) byId[value] = (ByteLevelAlphabet.ToChar((byte)value).ToString(), Normal);
        foreach (var (content, id) in tokenizer.Special.Tokens) byId[id] = (content, Control);
        var (tokens, types) = Numbered(byId, Math.Max(size, tokenizer.VocabularySize));
        return (tokens, types, [], Gpt2Pre);
    }

    static (List<string> Tokens, List<int> Types, List<string> Merges, string Pre) FromHuggingFace(HuggingFaceTokenizer tokenizer, int size)
    {
        var definition = tokenizer.Definition;
        var patterns = definition.PreTokenizer.Patterns;
        string? pre = patterns.Count == 1 ? PreTokenizerNames.GetValueOrDefault(patterns[0]) : null;
        // llama.cpp does not normalize; Qwen2's NFC changes only text that is not NFC already (documented as the limit).
        if (pre is null || !(definition.Normalizer.IsIdentity || definition.Normalizer.IsNfcOnly) || definition.PreTokenizer.AddsPrefixSpace || definition.PreTokenizer.RemovesText)
            throw new InputFileException(definition.ModelPath,
                "GGUF export needs a pre-tokenizer llama.cpp knows by name (GPT-2's, Llama 3's or Qwen2's regex) with no normalizer " +
                $"(but NFC) and no prefix space; this one splits with [{string.Join(", ", patterns)}]", "pre_tokenizer");
        var byId = new Dictionary<int, (string, int)>();
        foreach (var (token, id) in definition.Vocabulary) byId[id] = (token, Normal);
        foreach (var added in definition.AddedTokens) byId[added.Id] = (added.Content, added.Special ? Control : UserDefined);
        var (tokens, types) = Numbered(byId, Math.Max(size, tokenizer.VocabularySize));
        // Merges whose parts contain a space can never fire on byte symbols (space is 'Ġ'), and "left right" could not
        // say them: left out, as Twinforge's own tokenizer leaves them out.
        var merges = definition.Merges.Where(merge => !merge.Left.Contains(' ') && !merge.Right.Contains(' '))
            .Select(merge => $"{merge.Left} {merge.Right}").ToList();
        return (tokens, types, merges, pre);
    }

    static (List<string> Tokens, List<int> Types) Numbered(Dictionary<int, (string Token, int Type)> byId, int size)
    {
        var tokens = new List<string>(size);
        var types = new List<int>(size);
        for (int id = 0; id < size; id++)
        {
            var (token, type) = byId.TryGetValue(id, out var entry) ? entry : ($"[PAD{id}]", Unused);
            tokens.Add(token);
            types.Add(type);
        }
        return (tokens, types);
    }
}
