using System.Text.Json.Nodes;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Writes a tokenizer in Hugging Face layout: tokenizer.json (readable by the tokenizers library and by
/// <see cref="TokenizerFileReader"/>) and tokenizer_config.json. Each file is written atomically.
/// </summary>
internal static class TokenizerFileWriter
{
    public static void Write(string directory, TokenizerDefinition definition, SpecialTokens special, string chatTemplate)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, TokenizerFileReader.TokenizerJson),
            TokenizerJson(definition).ToJsonString(JsonFields.WriteOptions));
        AtomicFile.WriteAllText(Path.Combine(directory, TokenizerFileReader.TokenizerConfigJson),
            TokenizerConfig(definition, special, chatTemplate).ToJsonString(JsonFields.WriteOptions));
    }

    static JsonObject TokenizerJson(TokenizerDefinition definition)
    {
        var preserved = definition.OtherTopLevel;
        var root = new JsonObject
        {
            ["version"] = preserved?["version"]?.DeepClone() ?? "1.0",
            ["truncation"] = preserved?["truncation"]?.DeepClone(),
            ["padding"] = preserved?["padding"]?.DeepClone(),
            ["added_tokens"] = new JsonArray(definition.AddedTokens.OrderBy(token => token.Id).Select(AddedTokenJson).ToArray<JsonNode?>()),
        };
        if (preserved is null)
        {
            // GPT-2's layout, which is what vocab.json + merges.txt and Twinforge's byte-level tokenizer mean.
            bool prefixSpace = definition.PreTokenizer.AddsPrefixSpace;
            root["normalizer"] = null;
            root["pre_tokenizer"] = ByteLevelJson(prefixSpace, trimOffsets: true);
            root["post_processor"] = ByteLevelJson(prefixSpace, trimOffsets: false);
            root["decoder"] = ByteLevelJson(prefixSpace, trimOffsets: true);
        }
        else
        {
            foreach (var (key, value) in preserved)
                if (!root.ContainsKey(key)) root[key] = value?.DeepClone();
        }

        var model = definition.ModelOptions?.DeepClone().AsObject() ?? new JsonObject
        {
            ["type"] = "BPE",
            ["dropout"] = null,
            ["unk_token"] = null,
            ["continuing_subword_prefix"] = null,
            ["end_of_word_suffix"] = null,
            ["fuse_unk"] = false,
            ["byte_fallback"] = false,
            ["ignore_merges"] = definition.IgnoreMerges,
        };
        var vocab = new JsonObject();
        foreach (var (token, id) in definition.Vocabulary.OrderBy(pair => pair.Value)) vocab[token] = id;
        model["vocab"] = vocab;
        model["merges"] = new JsonArray(definition.Merges
            .Select(merge => definition.MergesAsPairs ? new JsonArray(merge.Left, merge.Right) : (JsonNode)$"{merge.Left} {merge.Right}")
            .ToArray<JsonNode?>());
        root["model"] = model;
        return root;
    }

    static JsonObject TokenizerConfig(TokenizerDefinition definition, SpecialTokens special, string chatTemplate)
    {
        var config = definition.Config?.DeepClone().AsObject() ?? new JsonObject();
        config.TryAdd("tokenizer_class", "PreTrainedTokenizerFast");
        config.TryAdd("clean_up_tokenization_spaces", false);
        config["bos_token"] = TextOf(special.Bos, special);
        config["eos_token"] = TextOf(special.Eos, special);
        config["pad_token"] = TextOf(special.Pad, special);
        var decoder = new JsonObject();
        foreach (var token in definition.AddedTokens.OrderBy(token => token.Id))
        {
            var entry = AddedTokenJson(token);
            entry.Remove("id");
            decoder[token.Id.ToString()] = entry;
        }
        config["added_tokens_decoder"] = decoder;
        config["chat_template"] = chatTemplate;
        return config;
    }

    static string? TextOf(int? id, SpecialTokens special) => id is int value ? special.TextOf(value) : null;

    static JsonObject AddedTokenJson(AddedToken token) => new()
    {
        ["id"] = token.Id,
        ["content"] = token.Content,
        ["single_word"] = token.SingleWord,
        ["lstrip"] = token.LeftStrip,
        ["rstrip"] = token.RightStrip,
        ["normalized"] = token.Normalized,
        ["special"] = token.Special,
    };

    static JsonObject ByteLevelJson(bool addPrefixSpace, bool trimOffsets) => new()
    {
        ["type"] = "ByteLevel",
        ["add_prefix_space"] = addPrefixSpace,
        ["trim_offsets"] = trimOffsets,
        ["use_regex"] = true,
    };
}
