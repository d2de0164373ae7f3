using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Bench.Sizes;

/// <summary>
/// A byte-level BPE tokenizer.json with a shape's vocabulary size, for random-weight models: the 256 byte symbols,
/// then every pair of them, then pairs followed by one more byte, in a fixed order, until the regular ids are used up;
/// the shape's special tokens at their published ids. Ids between the last token and the vocabulary size stay unused,
/// as in the published Qwen2.5 and Llama 3.2 vocabularies. Its merges mean nothing linguistically; what matters is
/// the size: the embedding, the output head and the loss run over the real vocabulary.
/// </summary>
public static class SyntheticTokenizer
{
    public const string FileName = "tokenizer.json";

    /// <summary>Writes tokenizer.json for <paramref name="shape"/> into <paramref name="directory"/>.</summary>
    public static void Write(ModelShape shape, string directory)
    {
        int vocabulary = shape.Config.VocabularySize;
        int specials = shape.SpecialTokens.Count;
        // Regular tokens fill the ids below the special tokens, or above them when they come first.
        int regularFrom = shape.FirstSpecialId == 0 ? specials : 0;
        int regularTo = shape.FirstSpecialId == 0 ? vocabulary : shape.FirstSpecialId;
        if (regularTo - regularFrom < 256 || shape.FirstSpecialId + specials > vocabulary)
            throw new ArgumentException($"{shape.Name}: {vocabulary} ids leave no room for 256 byte tokens and {specials} special tokens");

        var vocab = new JsonObject();
        var merges = new JsonArray();
        int next = regularFrom;
        var symbols = Enumerable.Range(0, 256).Select(value => ByteLevelAlphabet.ToChar((byte)value).ToString()).ToArray();
        foreach (var symbol in symbols) vocab[symbol] = next++;
        foreach (var (left, right) in Merges(symbols))
        {
            if (next == regularTo) break;
            vocab[left + right] = next++;
            merges.Add($"{left} {right}");
        }
        var added = new JsonArray();
        for (int i = 0; i < specials; i++)
            added.Add(new JsonObject
            {
                ["id"] = shape.FirstSpecialId + i, ["content"] = shape.SpecialTokens[i], ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var root = new JsonObject
        {
            ["version"] = "1.0", ["truncation"] = null, ["padding"] = null, ["added_tokens"] = added, ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel, ["post_processor"] = null, ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocab, ["merges"] = merges,
            },
        };
        Twinforge.Storage.AtomicFile.WriteAllText(Path.Combine(directory, FileName), root.ToJsonString());
    }

    /// <summary>Every pair of byte symbols, then every pair followed by a byte symbol: all distinct, each made of tokens before it.</summary>
    static IEnumerable<(string Left, string Right)> Merges(string[] symbols)
    {
        foreach (var left in symbols)
            foreach (var right in symbols)
                yield return (left, right);
        foreach (var first in symbols)
            foreach (var second in symbols)
                foreach (var third in symbols)
                    yield return (first + second, third);
    }
}
