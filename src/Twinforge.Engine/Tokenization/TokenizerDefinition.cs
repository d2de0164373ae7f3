using System.Text.Json.Nodes;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Everything a tokenizer directory says, read and validated by <see cref="TokenizerFileReader"/>: the BPE model, the
/// added tokens, the normalizer and pre-tokenizer, and tokenizer_config.json's special tokens and chat template.
/// Both tokenizer classes are built from it, so the files are parsed and checked in one place.
/// </summary>
internal sealed class TokenizerDefinition
{
    /// <summary>The file that defines the model (tokenizer.json, or vocab.json): where model problems are reported.</summary>
    public required string ModelPath { get; init; }

    /// <summary>model.vocab: byte-level token strings (e.g. "Ġthe") to ids. Added tokens may or may not be in it.</summary>
    public required Dictionary<string, int> Vocabulary { get; init; }

    /// <summary>model.merges, highest priority first, validated against the vocabulary.</summary>
    public required List<(string Left, string Right)> Merges { get; init; }

    /// <summary>Whether tokenizer.json listed merges as ["a", "b"] pairs (tokenizers ≥ 0.20) rather than "a b".</summary>
    public bool MergesAsPairs { get; init; }

    /// <summary>model.ignore_merges (Llama 3): a piece that is itself a vocabulary token is emitted without merging.</summary>
    public bool IgnoreMerges { get; init; }

    public required List<AddedToken> AddedTokens { get; init; }

    public required TextNormalizer Normalizer { get; init; }

    public required PreTokenizerPipeline PreTokenizer { get; init; }

    /// <summary>
    /// tokenizer.json's top-level members other than model and added_tokens (normalizer, pre_tokenizer,
    /// post_processor, decoder, ...), kept verbatim so that saving does not lose what Twinforge does not interpret.
    /// Null when the directory had no tokenizer.json.
    /// </summary>
    public JsonObject? OtherTopLevel { get; init; }

    /// <summary>tokenizer.json's model options other than vocab and merges (type, dropout, ignore_merges, ...).</summary>
    public JsonObject? ModelOptions { get; init; }

    /// <summary>tokenizer_config.json as read, if there was one (kept so saving preserves its other settings).</summary>
    public JsonObject? Config { get; init; }

    /// <summary>Where tokenizer_config.json is (or would be): where chat template problems are reported.</summary>
    public required string ConfigPath { get; init; }

    /// <summary>The Jinja chat template from tokenizer_config.json or chat_template.jinja, if any.</summary>
    public string? ChatTemplateSource { get; init; }

    /// <summary>The file <see cref="ChatTemplateSource"/> came from: where its errors are reported.</summary>
    public string? ChatTemplatePath { get; init; }

    public int? Bos { get; init; }

    public int? Eos { get; init; }

    public int? Pad { get; init; }
}
