using System.Collections.ObjectModel;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Byte-level BPE as GPT-2, Llama 3, Qwen2 and SmolLM use it, loaded from a Hugging Face tokenizer directory
/// (tokenizer.json, or vocab.json + merges.txt; tokenizer_config.json for special tokens and the chat template).
/// </summary>
/// <remarks>
/// The pipeline follows the Hugging Face tokenizers crate: added tokens are cut out first, the rest is normalized,
/// split by the file's own pre-tokenizer (its Split regex, or GPT-2's regex for plain ByteLevel), mapped to GPT-2's
/// byte symbols and merged. The merging is Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>, given the symbols
/// directly (its own byte-level and pre-tokenization switched off) so that each step above is the file's, not a
/// built-in approximation. Encode never adds bos/eos; chat templates and callers add them explicitly.
/// </remarks>
/// <example><code>
/// var tokenizer = HuggingFaceTokenizer.Load("models/qwen2-0.5b");
/// var ids = tokenizer.Encode("Hello world");
/// </code></example>
public sealed class HuggingFaceTokenizer : ITokenizer
{
    readonly TokenizerDefinition _definition;
    readonly BpeTokenizer _bpe;
    readonly Dictionary<string, int> _vocabulary;
    readonly Dictionary<int, byte[]> _bytesById;
    readonly Dictionary<int, string> _tokenById;
    readonly Dictionary<int, AddedToken> _addedById;
    readonly Dictionary<string, AddedToken> _addedByContent;
    readonly AddedTokenSplitter _allAddedTokens;
    readonly AddedTokenSplitter _ordinaryAddedTokens;
    readonly string _savedChatTemplate;

    internal HuggingFaceTokenizer(TokenizerDefinition definition, string? chatTemplateName)
    {
        _definition = definition;
        _vocabulary = definition.Vocabulary;
        _bpe = BpeTokenizer.Create(new BpeOptions(definition.Vocabulary)
        {
            // A merge part containing a space cannot occur in byte-level symbols (space is 'Ġ'), so it can never
            // fire; BpeOptions' "left right" format could not even express it.
            Merges = definition.Merges
                .Where(merge => !merge.Left.Contains(' ') && !merge.Right.Contains(' '))
                .Select(merge => $"{merge.Left} {merge.Right}"),
        });
        _bytesById = definition.Vocabulary.ToDictionary(pair => pair.Value, pair => ByteLevelAlphabet.ToBytes(pair.Key));
        _tokenById = definition.Vocabulary.ToDictionary(pair => pair.Value, pair => pair.Key);
        _addedById = definition.AddedTokens.ToDictionary(token => token.Id);
        _addedByContent = definition.AddedTokens.ToDictionary(token => token.Content, StringComparer.Ordinal);
        _allAddedTokens = new AddedTokenSplitter(definition.AddedTokens);
        _ordinaryAddedTokens = new AddedTokenSplitter(definition.AddedTokens.Where(token => !token.Special));

        int largestId = Math.Max(definition.Vocabulary.Values.Max(), definition.AddedTokens.Count == 0 ? 0 : definition.AddedTokens.Max(token => token.Id));
        VocabularySize = largestId + 1;
        AddedTokens = definition.AddedTokens.AsReadOnly();
        Special = new SpecialTokens(definition.Bos, definition.Eos, definition.Pad,
            new ReadOnlyDictionary<string, int>(definition.AddedTokens.ToDictionary(token => token.Content, token => token.Id, StringComparer.Ordinal)));
        ChatTemplate = ChatTemplates.Detect(chatTemplateName, definition.ChatTemplateSource, Special, definition.ChatTemplatePath);
        // Keep the file's own Jinja unless the caller chose another family: it may do more than the family's basics.
        _savedChatTemplate = chatTemplateName is null || ChatTemplates.FamilyOf(definition.ChatTemplateSource) == ChatTemplate.Name
            ? definition.ChatTemplateSource ?? ChatTemplate.Jinja
            : ChatTemplate.Jinja;
    }

    /// <summary>
    /// Loads the tokenizer in <paramref name="directory"/>: tokenizer.json if present, else vocab.json + merges.txt.
    /// <paramref name="chatTemplateName"/> ("chatml", "llama3", "plain") overrides the detected chat format.
    /// </summary>
    /// <exception cref="InputFileException">A file is missing, malformed, or describes an unsupported tokenizer.</exception>
    public static HuggingFaceTokenizer Load(string directory, string? chatTemplateName = null) =>
        new(TokenizerFileReader.Read(directory), chatTemplateName);

    public int VocabularySize { get; }

    public SpecialTokens Special { get; }

    public IChatTemplate ChatTemplate { get; }

    /// <summary>The added tokens (special or not), by id.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Everything the tokenizer files said (vocabulary, merges, pre-tokenizer), for exporters.</summary>
    internal TokenizerDefinition Definition => _definition;

    /// <summary>The regex patterns the pre-tokenizer splits with, in order (e.g. GPT-2's for plain ByteLevel).</summary>
    public IReadOnlyList<string> PreTokenizerPatterns => _definition.PreTokenizer.Patterns;

    public IReadOnlyList<int> Encode(string text, bool parseSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 1);
        var pieces = new List<string>();
        var splitter = parseSpecialTokens ? _allAddedTokens : _ordinaryAddedTokens;
        foreach (var run in splitter.Split(text))
        {
            if (run.Token is AddedToken token)
            {
                ids.Add(token.Id);
                continue;
            }
            pieces.Clear();
            var plain = run.Length == text.Length ? text : text.Substring(run.Start, run.Length);
            _definition.PreTokenizer.PreTokenize(_definition.Normalizer.Normalize(plain), pieces);
            foreach (var piece in pieces)
            {
                var symbols = ByteLevelAlphabet.FromText(piece);
                if (_definition.IgnoreMerges && _vocabulary.TryGetValue(symbols, out int whole)) ids.Add(whole);
                else ids.AddRange(_bpe.EncodeToIds(symbols, considerPreTokenization: false, considerNormalization: false));
            }
        }
        return ids.ToArray();
    }

    /// <summary>
    /// Decodes ids to text. Byte sequences that are not valid UTF-8 (a character cut between tokens) become U+FFFD;
    /// ids the tokenizer does not have are skipped, as in Hugging Face.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (_addedById.TryGetValue(id, out var token))
            {
                if (!(skipSpecialTokens && token.Special)) bytes.AddRange(Encoding.UTF8.GetBytes(token.Content));
            }
            else if (_bytesById.TryGetValue(id, out var tokenBytes))
            {
                bytes.AddRange(tokenBytes);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The id of an added token's text or of a vocabulary entry in its byte-level form (" the" is "Ġthe").</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_addedByContent.TryGetValue(token, out var added)) return added.Id;
        return _vocabulary.TryGetValue(token, out int id) ? id : null;
    }

    /// <summary>The token string of an id (byte-level form for vocabulary entries), or null if the id is unused.</summary>
    public string? IdToToken(int id) =>
        _addedById.TryGetValue(id, out var added) ? added.Content : _tokenById.GetValueOrDefault(id);

    /// <summary>
    /// Writes tokenizer.json (the model, added tokens and the file's own normalizer, pre-tokenizer, post-processor and
    /// decoder) and tokenizer_config.json (special tokens, chat template; other settings of a loaded config are kept).
    /// </summary>
    public void Save(string directory) =>
        TokenizerFileWriter.Write(directory, _definition, Special, _savedChatTemplate);

    /// <summary>The UTF-8 bytes of text an id stands for: 0 for special tokens and unused ids.</summary>
    internal int TextByteCount(int id)
    {
        if (_addedById.TryGetValue(id, out var added)) return added.Special ? 0 : Encoding.UTF8.GetByteCount(added.Content);
        return _bytesById.TryGetValue(id, out var bytes) ? bytes.Length : 0;
    }

    /// <summary>The pieces BPE runs on, before byte mapping (for tests and diagnostics).</summary>
    internal IReadOnlyList<string> PreTokenize(string text)
    {
        var pieces = new List<string>();
        _definition.PreTokenizer.PreTokenize(_definition.Normalizer.Normalize(text), pieces);
        return pieces;
    }
}
