using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Learns a byte-level BPE tokenizer from text, as Hugging Face tokenizers' <c>BpeTrainer</c> does: text is cut by
/// the special tokens and the pre-tokenizer regex into pieces, distinct pieces are counted, and the most frequent
/// adjacent pair of tokens (over all pieces, weighted by their counts) is merged into a new token, again and again.
/// </summary>
/// <remarks>
/// <para>Ties between equally frequent pairs go to the pair whose left token's bytes, then right token's bytes, come
/// first in byte order, so the result depends only on the text: the same corpus gives a byte-identical tokenizer.json
/// whatever the order of its pieces.</para>
/// <para>A merge changes only the pieces that contain its pair: an index from each pair to those pieces finds them,
/// their pair counts are updated by difference, and a max-heap keyed by count holds the candidates. Counts of
/// existing pairs only fall (new pairs all contain the new token), so an entry whose count is stale is pushed back
/// with its current count when it surfaces, and the first entry that is current is the true maximum.</para>
/// <para>Ids: 0–255 are the bytes (GPT-2's byte symbols, id = byte value), then one per new token in the order
/// learned, then the special tokens. A merge whose result already exists (ab+c after a+bc) reuses the token, as Hugging
/// Face does.</para>
/// </remarks>
/// <example><code>
/// var trainer = new BpeTrainer(new BpeTrainerOptions { VocabularySize = 16_384 });
/// trainer.AddFile("corpus.txt");
/// trainer.Train().Tokenizer.Save("my-tokenizer");
/// </code></example>
public sealed class BpeTrainer
{
    readonly BpeTrainerOptions _options;
    readonly Regex _regex;
    readonly AddedTokenSplitter _specials;
    readonly Dictionary<string, long> _pieceCounts = new(StringComparer.Ordinal);
    long _textBytes;

    public BpeTrainer(BpeTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _regex = PreTokenizerPipeline.Compile(options.PreTokenizer.Pattern());
        _specials = new AddedTokenSplitter(options.SpecialTokens.Select((content, index) => new AddedToken(index, content, Special: true)));
    }

    /// <summary>UTF-8 bytes of text added so far.</summary>
    public long TextBytes => _textBytes;

    /// <summary>Distinct pieces counted so far: none when the text held only special tokens, which are never learned from.</summary>
    public int DistinctPieces => _pieceCounts.Count;

    /// <summary>Counts the pieces of <paramref name="text"/>. Special tokens in it are cut out and never learned from.</summary>
    public void AddText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _textBytes += Encoding.UTF8.GetByteCount(text);
        var counts = _pieceCounts.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var run in _specials.Split(text))
        {
            if (run.Token is not null) continue;
            var plain = text.AsSpan(run.Start, run.Length);
            // Split(Isolated) semantics: matches and the gaps between them are pieces alike.
            int position = 0;
            foreach (var match in _regex.EnumerateMatches(plain))
            {
                if (match.Length == 0) continue;
                if (match.Index > position) Count(counts, plain[position..match.Index]);
                Count(counts, plain.Slice(match.Index, match.Length));
                position = match.Index + match.Length;
            }
            if (position < plain.Length) Count(counts, plain[position..]);
        }
    }

    /// <summary>Reads a UTF-8 text file and counts its pieces.</summary>
    /// <exception cref="InputFileException">The file is missing or is not valid UTF-8.</exception>
    public void AddFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AddText(ReadText(path));
    }

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// A text file's contents, read as UTF-8 (a byte-order mark is skipped), as training reads them; bytes that are
    /// not UTF-8 are refused at the line and byte offset where they start, never replaced.
    /// </summary>
    /// <exception cref="InputFileException">The file is missing or is not valid UTF-8.</exception>
    public static string ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InputFileException(path, "does not exist");
        var bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        try
        {
            return StrictUtf8.GetString(bytes.AsSpan(start));
        }
        catch (DecoderFallbackException error)
        {
            int offset = start + Math.Max(0, error.Index);
            long line = bytes.AsSpan(0, offset).Count((byte)'\n') + 1;
            throw new InputFileException(path, $"is not valid UTF-8 text: the bytes from offset {offset:N0} (counting from 0) are not UTF-8; " +
                                               "training reads UTF-8 text", line: line, inner: error);
        }
    }

    static void Count(Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> counts, ReadOnlySpan<char> piece)
    {
        counts[piece] = counts.TryGetValue(piece, out long count) ? count + 1 : 1;
    }

    /// <summary>
    /// Learns the merges from everything added. <paramref name="progress"/> hears the number of merges learned so far,
    /// every 256 merges and at the end.
    /// </summary>
    public BpeTrainingResult Train(IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        var merger = new PairMerger(_pieceCounts);
        int learnedTarget = _options.VocabularySize - _options.SpecialTokens.Count;
        var merges = new List<(int Left, int Right)>();
        while (merger.TokenCount < learnedTarget)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!merger.TryMergeMostFrequent(_options.MinimumPairFrequency, out var merge)) break;
            merges.Add(merge);
            if (merges.Count % 256 == 0) progress?.Report(merges.Count);
        }
        progress?.Report(merges.Count);
        var tokenizer = new HuggingFaceTokenizer(Definition(merger, merges), _options.ChatTemplate);
        return new BpeTrainingResult(tokenizer, merges.Count, _pieceCounts.Count, _textBytes, merger.TokenCount < learnedTarget);
    }

    TokenizerDefinition Definition(PairMerger merger, List<(int Left, int Right)> merges)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < merger.TokenCount; id++) vocabulary[merger.Symbols(id)] = id;
        var added = _options.SpecialTokens.Select((content, index) => new AddedToken(merger.TokenCount + index, content, Special: true)).ToList();
        int? IdOf(string content) => added.FirstOrDefault(token => token.Content == content)?.Id;

        var preTokenizer = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = _options.PreTokenizer.Pattern() },
                    ["behavior"] = "Isolated", ["invert"] = false,
                },
                // The regex has split already; ByteLevel only maps bytes to symbols (Llama 3's and Qwen2's layout).
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
        };
        return new TokenizerDefinition
        {
            ModelPath = TokenizerFileReader.TokenizerJson,
            ConfigPath = TokenizerFileReader.TokenizerConfigJson,
            Vocabulary = vocabulary,
            Merges = merges.Select(merge => (merger.Symbols(merge.Left), merger.Symbols(merge.Right))).ToList(),
            AddedTokens = added,
            Normalizer = TextNormalizer.None,
            PreTokenizer = PreTokenizerPipeline.FromJson(preTokenizer, TokenizerFileReader.TokenizerJson),
            OtherTopLevel = new JsonObject
            {
                ["normalizer"] = null,
                ["pre_tokenizer"] = preTokenizer,
                ["post_processor"] = null,
                ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            },
            Bos = IdOf(ByteLevelTokenizer.EndOfTextToken),
            Eos = IdOf(ByteLevelTokenizer.EndOfTextToken),
            Pad = IdOf(ByteLevelTokenizer.PaddingToken),
        };
    }
}
