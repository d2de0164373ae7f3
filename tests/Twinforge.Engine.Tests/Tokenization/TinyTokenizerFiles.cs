using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Tokenization;

/// <summary>
/// Small tokenizer.json files in the layouts of real model families, built in the test: the 256 byte symbols
/// (id = byte value), then one token per merge, then added tokens after the vocabulary as Qwen2 and Llama 3 have them.
/// </summary>
internal static class TinyTokenizerFiles
{
    /// <summary>Llama 3's pre-tokenizer regex (meta-llama/Meta-Llama-3-8B tokenizer.json).</summary>
    public const string Llama3Pattern = PreTokenizerPipeline.Llama3Pattern;

    /// <summary>Qwen2's pre-tokenizer regex: as Llama 3's, but every digit is its own piece.</summary>
    public const string Qwen2Pattern = PreTokenizerPipeline.Qwen2Pattern;

    /// <summary>Merges of plain text pieces (mapped to byte symbols here), enough to tell the regexes apart.</summary>
    public static readonly (string Left, string Right)[] TextMerges =
    [
        ("1", "2"), ("12", "3"), ("4", "5"), ("123", "45"),
        ("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), (" ", "hello"), ("(", "hello"),
        ("'", "M"), (" ", "I"), (" ", "t"), (" t", "he"),
    ];

    public static string Symbols(string text) => ByteLevelAlphabet.FromText(text);

    public static JsonObject Model(IEnumerable<(string Left, string Right)> textMerges, bool mergesAsPairs = false, bool ignoreMerges = false,
        IEnumerable<string>? extraTextTokens = null)
    {
        var vocab = new JsonObject();
        for (int value = 0; value < 256; value++) vocab[ByteLevelAlphabet.ToChar((byte)value).ToString()] = value;
        var merges = new JsonArray();
        foreach (var (left, right) in textMerges)
        {
            var (l, r) = (Symbols(left), Symbols(right));
            if (!vocab.ContainsKey(l + r)) vocab[l + r] = vocab.Count;
            merges.Add(mergesAsPairs ? new JsonArray(l, r) : (JsonNode)$"{l} {r}");
        }
        foreach (var token in extraTextTokens ?? [])
            if (!vocab.ContainsKey(Symbols(token))) vocab[Symbols(token)] = vocab.Count;
        return new JsonObject
        {
            ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
            ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = ignoreMerges,
            ["vocab"] = vocab, ["merges"] = merges,
        };
    }

    /// <summary>A Split(regex, Isolated) + ByteLevel(use_regex: false) sequence, as Llama 3 and Qwen2 declare it.</summary>
    public static JsonObject SplitThenByteLevel(string pattern) => new()
    {
        ["type"] = "Sequence",
        ["pretokenizers"] = new JsonArray(
            new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = pattern }, ["behavior"] = "Isolated", ["invert"] = false },
            new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
    };

    public static JsonObject ByteLevelDecoder() =>
        new() { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true };

    public static JsonObject TokenizerJson(JsonObject model, JsonNode? preTokenizer, JsonNode? normalizer = null, IEnumerable<string>? specialTokens = null)
    {
        int nextId = ((JsonObject)model["vocab"]!).Count;
        var added = new JsonArray();
        foreach (var content in specialTokens ?? [])
            added.Add(new JsonObject
            {
                ["id"] = nextId++, ["content"] = content, ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        return new JsonObject
        {
            ["version"] = "1.0", ["truncation"] = null, ["padding"] = null, ["added_tokens"] = added,
            ["normalizer"] = normalizer, ["pre_tokenizer"] = preTokenizer, ["post_processor"] = null,
            ["decoder"] = ByteLevelDecoder(), ["model"] = model,
        };
    }

    public static readonly string[] Qwen2SpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

    public static readonly string[] Llama3SpecialTokens =
        ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"];

    /// <summary>Qwen2's layout: NFC, Split(Qwen2 regex) + ByteLevel, ChatML tokens, eos &lt;|im_end|&gt;, a ChatML Jinja template.</summary>
    public static string WriteQwen2Style(string directory, bool withConfig = true)
    {
        var json = TokenizerJson(Model(TextMerges), SplitThenByteLevel(Qwen2Pattern), new JsonObject { ["type"] = "NFC" }, Qwen2SpecialTokens);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), json.ToJsonString());
        if (withConfig)
            File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), new JsonObject
            {
                ["bos_token"] = null,
                ["eos_token"] = "<|im_end|>",
                ["pad_token"] = "<|endoftext|>",
                ["chat_template"] = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
                ["model_max_length"] = 32768,
            }.ToJsonString());
        return directory;
    }

    /// <summary>Llama 3's layout: Split(Llama 3 regex) + ByteLevel, ignore_merges, merges as pairs, its header tokens.</summary>
    public static string WriteLlama3Style(string directory, bool withConfig = true)
    {
        var model = Model(TextMerges, mergesAsPairs: true, ignoreMerges: true, extraTextTokens: ["world"]);
        var json = TokenizerJson(model, SplitThenByteLevel(Llama3Pattern), normalizer: null, Llama3SpecialTokens);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), json.ToJsonString());
        if (withConfig)
            File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), new JsonObject
            {
                ["bos_token"] = "<|begin_of_text|>",
                ["eos_token"] = new JsonObject { ["__type"] = "AddedToken", ["content"] = "<|eot_id|>", ["special"] = true },
                ["chat_template"] = new Llama3ChatTemplate().Jinja,
            }.ToJsonString());
        return directory;
    }

    /// <summary>The published chat template in ChatTemplateFixtures/<paramref name="file"/> (see SOURCES.md there).</summary>
    public static string PublishedTemplate(string file) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Tokenization", "ChatTemplateFixtures", file));

    /// <summary>A byte-level tokenizer with <paramref name="specialTokens"/>, and a config naming bos, eos and a chat template.</summary>
    public static string WriteByteLevelWithTemplate(string directory, IReadOnlyList<string> specialTokens, string? bos, string eos, string chatTemplate)
    {
        new ByteLevelTokenizer(specialTokens).Save(directory);
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        (config["bos_token"], config["eos_token"], config["chat_template"]) = (bos, eos, chatTemplate);
        File.WriteAllText(configPath, config.ToJsonString());
        return directory;
    }

    public static int IdOf(ITokenizer tokenizer, string text) =>
        tokenizer.TokenToId(Symbols(text)) ?? throw new InvalidOperationException($"'{text}' is not a token");
}
