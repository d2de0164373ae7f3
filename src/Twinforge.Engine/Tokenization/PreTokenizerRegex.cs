namespace Twinforge.Engine.Tokenization;

/// <summary>
/// The pre-tokenizer regexes a trained tokenizer may split with: the three that llama.cpp knows by name, so a model
/// on such a tokenizer exports to GGUF unchanged (see <see cref="Gguf.GgufVocabulary"/>).
/// </summary>
public enum PreTokenizerRegex
{
    /// <summary>Llama 3's: digits in groups of up to 3, no prefix space, newlines apart from words.</summary>
    Llama3,

    /// <summary>Qwen2's: as Llama 3's, but every digit alone.</summary>
    Qwen2,

    /// <summary>GPT-2's: contractions, words with one leading space, runs of digits.</summary>
    Gpt2,
}

/// <summary>The regex source of each <see cref="PreTokenizerRegex"/>.</summary>
public static class PreTokenizerRegexes
{
    /// <summary>The pattern as tokenizer.json's Split step holds it.</summary>
    public static string Pattern(this PreTokenizerRegex regex) => regex switch
    {
        PreTokenizerRegex.Llama3 => PreTokenizerPipeline.Llama3Pattern,
        PreTokenizerRegex.Qwen2 => PreTokenizerPipeline.Qwen2Pattern,
        PreTokenizerRegex.Gpt2 => PreTokenizerPipeline.Gpt2Pattern,
        _ => throw new ArgumentOutOfRangeException(nameof(regex), regex, "unknown pre-tokenizer regex"),
    };
}
