using System.Collections.ObjectModel;
using System.Text;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// The tokenizer of models Twinforge trains from scratch: ids 0..255 are the UTF-8 bytes themselves, followed by
/// special tokens (by default &lt;|endoftext|&gt; as bos and eos, &lt;|pad|&gt;, and ChatML's &lt;|im_start|&gt; and
/// &lt;|im_end|&gt;). Any text encodes without unknown tokens, and decoding never fails: bytes that do not form valid
/// UTF-8 (a character cut short) become U+FFFD.
/// </summary>
/// <remarks>
/// <see cref="Save"/> writes a real Hugging Face tokenizer.json: a BPE model whose 256-entry vocabulary is GPT-2's
/// byte symbols at their byte values, with no merges, so other tools produce the same ids. <see cref="TokenizerLoader"/>
/// recognises that file and loads it back as a <see cref="ByteLevelTokenizer"/>; <see cref="HuggingFaceTokenizer"/>
/// can load it too and encodes identically.
/// </remarks>
public sealed class ByteLevelTokenizer : ITokenizer
{
    /// <summary>Number of byte ids; special tokens start here.</summary>
    public const int ByteCount = 256;

    public const string EndOfTextToken = "<|endoftext|>";
    public const string PaddingToken = "<|pad|>";

    /// <summary>The special tokens of <c>new ByteLevelTokenizer()</c>, with ids 256, 257, ...</summary>
    public static IReadOnlyList<string> DefaultSpecialTokens { get; } =
        [EndOfTextToken, PaddingToken, ChatMlTemplate.StartToken, ChatMlTemplate.EndToken];

    readonly Dictionary<int, AddedToken> _specialById;
    readonly Dictionary<string, AddedToken> _specialByContent;
    readonly AddedTokenSplitter _splitter;
    readonly string _savedChatTemplate;

    /// <summary>Bytes plus <see cref="DefaultSpecialTokens"/>, chatting in ChatML.</summary>
    public ByteLevelTokenizer() : this(DefaultSpecialTokens) { }

    /// <summary>
    /// Bytes plus the given special tokens, numbered from 256 in order. &lt;|endoftext|&gt;, if listed, is bos and eos;
    /// &lt;|pad|&gt; is padding. The chat format is ChatML when both of its markers are listed, plain otherwise, unless
    /// <paramref name="chatTemplateName"/> names one.
    /// </summary>
    public ByteLevelTokenizer(IReadOnlyList<string> specialTokens, string? chatTemplateName = null)
        : this(Number(specialTokens), IndexOf(specialTokens, EndOfTextToken), IndexOf(specialTokens, EndOfTextToken),
            IndexOf(specialTokens, PaddingToken), chatTemplateName, templateSource: null, templatePath: null)
    {
    }

    ByteLevelTokenizer(IReadOnlyList<AddedToken> specials, int? bos, int? eos, int? pad, string? chatTemplateName, string? templateSource,
        string? templatePath)
    {
        _specialById = specials.ToDictionary(token => token.Id);
        _specialByContent = specials.ToDictionary(token => token.Content, StringComparer.Ordinal);
        _splitter = new AddedTokenSplitter(specials);
        VocabularySize = specials.Count == 0 ? ByteCount : Math.Max(ByteCount, specials.Max(token => token.Id) + 1);
        Special = new SpecialTokens(bos, eos, pad,
            new ReadOnlyDictionary<string, int>(specials.ToDictionary(token => token.Content, token => token.Id, StringComparer.Ordinal)));
        ChatTemplate = ChatTemplates.Detect(chatTemplateName, templateSource, Special, templatePath);
        _savedChatTemplate = chatTemplateName is null || ChatTemplates.FamilyOf(templateSource) == ChatTemplate.Name
            ? templateSource ?? ChatTemplate.Jinja
            : ChatTemplate.Jinja;
    }

    public int VocabularySize { get; }

    public SpecialTokens Special { get; }

    public IChatTemplate ChatTemplate { get; }

    public IReadOnlyList<int> Encode(string text, bool parseSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!parseSpecialTokens) return Bytes(text);
        var ids = new List<int>(text.Length);
        foreach (var run in _splitter.Split(text))
        {
            if (run.Token is AddedToken token) ids.Add(token.Id);
            else ids.AddRange(Bytes(text.AsSpan(run.Start, run.Length)));
        }
        return ids.ToArray();
    }

    /// <summary>Decodes ids; invalid UTF-8 becomes U+FFFD and ids outside the vocabulary are skipped.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id is >= 0 and < ByteCount) bytes.Add((byte)id);
            else if (_specialById.TryGetValue(id, out var token) && !skipSpecialTokens) bytes.AddRange(Encoding.UTF8.GetBytes(token.Content));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>A special token's id, or a byte's id from its tokenizer.json symbol ("a" is 97, "Ġ" is 32).</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_specialByContent.TryGetValue(token, out var special)) return special.Id;
        return token.Length == 1 && ByteLevelAlphabet.TryToByte(token[0], out byte value) ? value : null;
    }

    /// <summary>Writes tokenizer.json (BPE, 256 byte symbols, no merges, the specials as added tokens) and tokenizer_config.json.</summary>
    public void Save(string directory) =>
        TokenizerFileWriter.Write(directory, Definition(), Special, _savedChatTemplate);

    /// <summary>Loads a directory written by <see cref="Save"/>.</summary>
    /// <exception cref="InputFileException">The directory does not hold a byte-level tokenizer of this shape.</exception>
    public static ByteLevelTokenizer Load(string directory, string? chatTemplateName = null)
    {
        var definition = TokenizerFileReader.Read(directory);
        return TryCreate(definition, chatTemplateName)
            ?? throw new InputFileException(definition.ModelPath,
                "is not a Twinforge byte-level tokenizer (256 byte symbols at their byte values, no merges, only special added tokens)");
    }

    /// <summary>
    /// The byte-level tokenizer a definition describes, or null if it is something else: the vocabulary must be
    /// exactly the 256 byte symbols at their byte values, with no merges, no normalizer, no prefix space, nothing
    /// removed by the pre-tokenizer, and only plain special tokens above 255. Such a file encodes every byte as its
    /// value whatever its pre-tokenizer splits, so this class reproduces it exactly.
    /// </summary>
    internal static ByteLevelTokenizer? TryCreate(TokenizerDefinition definition, string? chatTemplateName)
    {
        if (definition.Vocabulary.Count != ByteCount || definition.Merges.Count != 0) return null;
        for (int value = 0; value < ByteCount; value++)
            if (!definition.Vocabulary.TryGetValue(ByteLevelAlphabet.ToChar((byte)value).ToString(), out int id) || id != value) return null;
        if (!definition.Normalizer.IsIdentity || definition.PreTokenizer.AddsPrefixSpace || definition.PreTokenizer.RemovesText) return null;
        if (definition.AddedTokens.Any(token => token.Id < ByteCount || !token.Special || token.SingleWord || token.LeftStrip || token.RightStrip))
            return null;
        return new ByteLevelTokenizer(definition.AddedTokens, definition.Bos, definition.Eos, definition.Pad,
            chatTemplateName, definition.ChatTemplateSource, definition.ChatTemplatePath);
    }

    TokenizerDefinition Definition() => new()
    {
        ModelPath = "",
        ConfigPath = "",
        Vocabulary = Enumerable.Range(0, ByteCount).ToDictionary(value => ByteLevelAlphabet.ToChar((byte)value).ToString(), value => value),
        Merges = [],
        AddedTokens = _specialById.Values.OrderBy(token => token.Id).ToList(),
        Normalizer = TextNormalizer.None,
        PreTokenizer = PreTokenizerPipeline.Gpt2(),
    };

    static int[] Bytes(ReadOnlySpan<char> text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, bytes);
        var ids = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) ids[i] = bytes[i];
        return ids;
    }

    static List<AddedToken> Number(IReadOnlyList<string> specialTokens)
    {
        ArgumentNullException.ThrowIfNull(specialTokens);
        if (specialTokens.Any(string.IsNullOrEmpty)) throw new ArgumentException("special tokens cannot be empty", nameof(specialTokens));
        if (specialTokens.Distinct(StringComparer.Ordinal).Count() != specialTokens.Count)
            throw new ArgumentException("special tokens must be distinct", nameof(specialTokens));
        return specialTokens.Select((content, index) => new AddedToken(ByteCount + index, content, Special: true)).ToList();
    }

    static int? IndexOf(IReadOnlyList<string> specialTokens, string token)
    {
        for (int i = 0; i < specialTokens.Count; i++)
            if (specialTokens[i] == token) return ByteCount + i;
        return null;
    }
}
