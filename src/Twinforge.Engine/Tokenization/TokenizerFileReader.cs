using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Reads a Hugging Face tokenizer directory into a <see cref="TokenizerDefinition"/>: tokenizer.json, or the older
/// vocab.json + merges.txt (with added_tokens.json and special_tokens_map.json), plus tokenizer_config.json and
/// chat_template.jinja when present. Every problem is an <see cref="InputFileException"/> naming the file and field.
/// </summary>
internal static class TokenizerFileReader
{
    public const string TokenizerJson = "tokenizer.json";
    public const string VocabJson = "vocab.json";
    public const string MergesTxt = "merges.txt";
    public const string TokenizerConfigJson = "tokenizer_config.json";
    public const string SpecialTokensMapJson = "special_tokens_map.json";
    public const string AddedTokensJson = "added_tokens.json";
    public const string ChatTemplateJinja = "chat_template.jinja";

    /// <summary>End-of-sequence tokens recognised when a directory has no config naming one, in preference order.</summary>
    static readonly string[] KnownEosTokens = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>"];

    /// <summary>Beginning-of-sequence tokens recognised when a directory has no config naming one.</summary>
    static readonly string[] KnownBosTokens = ["<|begin_of_text|>", "<s>", "<bos>"];

    public static TokenizerDefinition Read(string directory)
    {
        if (!Directory.Exists(directory))
            throw new InputFileException(directory, "the tokenizer directory does not exist");

        var configPath = Path.Combine(directory, TokenizerConfigJson);
        var config = File.Exists(configPath) ? JsonFields.ReadObject(configPath) : null;
        var specialMapPath = Path.Combine(directory, SpecialTokensMapJson);
        var specialMap = File.Exists(specialMapPath) ? JsonFields.ReadObject(specialMapPath) : null;

        var tokenizerJsonPath = Path.Combine(directory, TokenizerJson);
        var vocabPath = Path.Combine(directory, VocabJson);
        ModelParts model;
        if (File.Exists(tokenizerJsonPath))
        {
            model = ReadTokenizerJson(tokenizerJsonPath);
        }
        else if (File.Exists(vocabPath))
        {
            var mergesPath = Path.Combine(directory, MergesTxt);
            if (!File.Exists(mergesPath))
                throw new InputFileException(mergesPath, $"is missing: {VocabJson} needs the BPE merges that go with it");
            model = ReadVocabAndMerges(vocabPath, mergesPath, directory, config, configPath);
        }
        else if (File.Exists(Path.Combine(directory, "tokenizer.model")))
        {
            throw new InputFileException(Path.Combine(directory, "tokenizer.model"),
                $"SentencePiece models are not supported: Twinforge reads byte-level BPE ({TokenizerJson}, or {VocabJson} + {MergesTxt})");
        }
        else
        {
            throw new InputFileException(directory, $"no tokenizer found: expected {TokenizerJson}, or {VocabJson} + {MergesTxt}");
        }

        var names = new SpecialTokenNames(config, configPath, specialMap, specialMapPath);
        var added = model.AddedTokens;
        foreach (var (key, name) in names.All())
            MarkSpecial(name, key, names.SourceOf(key), model.Vocabulary, added, required: key is "bos_token" or "eos_token" or "pad_token");

        int? bos = IdOf(names.Bos, model.Vocabulary, added);
        int? eos = IdOf(names.Eos, model.Vocabulary, added);
        if (config is null && specialMap is null)
        {
            // Without a config, recognise the usual names so that generation still knows where a sequence ends.
            bos = KnownBosTokens.Select(name => IdOfSpecial(name, added)).FirstOrDefault(id => id is not null);
            eos = KnownEosTokens.Select(name => IdOfSpecial(name, added)).FirstOrDefault(id => id is not null);
        }

        return new TokenizerDefinition
        {
            ModelPath = model.Path,
            Vocabulary = model.Vocabulary,
            Merges = model.Merges,
            MergesAsPairs = model.MergesAsPairs,
            IgnoreMerges = model.IgnoreMerges,
            AddedTokens = added.OrderBy(token => token.Id).ToList(),
            Normalizer = model.Normalizer,
            PreTokenizer = model.PreTokenizer,
            OtherTopLevel = model.OtherTopLevel,
            ModelOptions = model.ModelOptions,
            Config = config,
            ConfigPath = configPath,
            ChatTemplateSource = ReadChatTemplate(config, configPath, directory),
            ChatTemplatePath = config?["chat_template"] is null ? Path.Combine(directory, ChatTemplateJinja) : configPath,
            Bos = bos,
            Eos = eos,
            Pad = IdOf(names.Pad, model.Vocabulary, added),
        };
    }

    sealed record ModelParts(
        string Path,
        Dictionary<string, int> Vocabulary,
        List<(string Left, string Right)> Merges,
        bool MergesAsPairs,
        bool IgnoreMerges,
        List<AddedToken> AddedTokens,
        TextNormalizer Normalizer,
        PreTokenizerPipeline PreTokenizer,
        JsonObject? OtherTopLevel,
        JsonObject? ModelOptions);

    static ModelParts ReadTokenizerJson(string path)
    {
        var root = JsonFields.ReadObject(path);
        var model = JsonFields.RequiredObject(root, "model", path, "");
        var type = JsonFields.OptionalString(model, "type", path, "model")
            ?? (model.ContainsKey("merges") ? "BPE" : throw new InputFileException(path, "is missing", "model.type"));
        if (type != "BPE")
            throw new InputFileException(path,
                $"tokenizer model type '{type}' is not supported: Twinforge reads byte-level BPE tokenizers (GPT-2, Llama 3, Qwen2, SmolLM style)",
                "model.type");
        foreach (var affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (JsonFields.OptionalString(model, affix, path, "model") is { Length: > 0 } value)
                throw new InputFileException(path, $"is \"{value}\": subword affixes belong to non-byte-level BPE, which is not supported", $"model.{affix}");

        var vocabulary = ReadVocabulary(JsonFields.RequiredObject(model, "vocab", path, "model"), path, "model.vocab");
        var (merges, asPairs) = ReadMerges(JsonFields.RequiredArray(model, "merges", path, "model"), vocabulary, path);
        var normalizer = TextNormalizer.FromJson(root["normalizer"], path, "normalizer");
        var preTokenizer = PreTokenizerPipeline.FromJson(root["pre_tokenizer"], path);
        RequireByteAlphabet(vocabulary, path);

        var byId = vocabulary.ToDictionary(pair => pair.Value, pair => pair.Key);
        var added = new List<AddedToken>();
        if (root["added_tokens"] is not null)
        {
            var entries = JsonFields.RequiredArray(root, "added_tokens", path, "");
            for (int i = 0; i < entries.Count; i++)
            {
                var field = $"added_tokens[{i}]";
                var entry = entries[i] ?? throw new InputFileException(path, "is null", field);
                var token = ReadAddedToken(entry, JsonFields.RequiredInt(entry, "id", path, field), path, field);
                AddChecked(token, added, vocabulary, byId, path, field);
            }
        }

        var otherTopLevel = new JsonObject();
        foreach (var (key, value) in root)
            if (key is not ("model" or "added_tokens")) otherTopLevel[key] = value?.DeepClone();
        var modelOptions = new JsonObject();
        foreach (var (key, value) in model)
            if (key is not ("vocab" or "merges")) modelOptions[key] = value?.DeepClone();

        return new ModelParts(path, vocabulary, merges, asPairs,
            JsonFields.OptionalBool(model, "ignore_merges", false, path, "model"),
            added, normalizer, preTokenizer, otherTopLevel, modelOptions);
    }

    static ModelParts ReadVocabAndMerges(string vocabPath, string mergesPath, string directory, JsonObject? config, string configPath)
    {
        var vocabulary = ReadVocabulary(JsonFields.ReadObject(vocabPath), vocabPath, "");
        var merges = new List<(string, string)>();
        var seen = new HashSet<(string, string)>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            if (line.Length == 0 || lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new InputFileException(mergesPath, $"expected two tokens separated by one space, found \"{line}\"", line: lineNumber);
            CheckMerge(parts[0], parts[1], vocabulary, mergesPath, item: null, line: lineNumber);
            if (seen.Add((parts[0], parts[1]))) merges.Add((parts[0], parts[1]));
        }
        RequireByteAlphabet(vocabulary, vocabPath);

        var byId = vocabulary.ToDictionary(pair => pair.Value, pair => pair.Key);
        var added = new List<AddedToken>();
        var addedTokensPath = Path.Combine(directory, AddedTokensJson);
        if (File.Exists(addedTokensPath))
        {
            foreach (var (content, idNode) in JsonFields.ReadObject(addedTokensPath))
            {
                var id = JsonFields.AsInt(idNode ?? throw new InputFileException(addedTokensPath, "is null; expected an id", content), addedTokensPath, content);
                AddChecked(new AddedToken(id, content, Special: false), added, vocabulary, byId, addedTokensPath, content);
            }
        }
        if (config?["added_tokens_decoder"] is JsonNode decoder)
        {
            if (decoder is not JsonObject entries)
                throw new InputFileException(configPath, $"expected an object, found {JsonFields.Describe(decoder)}", "added_tokens_decoder");
            foreach (var (idText, entry) in entries)
            {
                var field = $"added_tokens_decoder.{idText}";
                if (!int.TryParse(idText, out int id) || id < 0)
                    throw new InputFileException(configPath, "expected a non-negative integer id as the key", field);
                var token = ReadAddedToken(entry ?? throw new InputFileException(configPath, "is null", field), id, configPath, field);
                int existing = added.FindIndex(other => other.Id == id && other.Content == token.Content);
                if (existing >= 0) added[existing] = token;
                else AddChecked(token, added, vocabulary, byId, configPath, field);
            }
        }

        bool addPrefixSpace = config is not null && JsonFields.OptionalBool(config, "add_prefix_space", false, configPath, "");
        return new ModelParts(vocabPath, vocabulary, merges, false, false, added, TextNormalizer.None,
            PreTokenizerPipeline.Gpt2(addPrefixSpace), null, null);
    }

    static Dictionary<string, int> ReadVocabulary(JsonObject vocab, string path, string field)
    {
        var vocabulary = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
        var byId = new Dictionary<int, string>(vocab.Count);
        foreach (var (token, idNode) in vocab)
        {
            var tokenField = JsonFields.Join(field, token);
            if (idNode is null) throw new InputFileException(path, "is null; expected an id", tokenField);
            int id = JsonFields.AsInt(idNode, path, tokenField);
            if (byId.TryGetValue(id, out var other))
                throw new InputFileException(path, $"id {id} is given to both '{other}' and '{token}'", tokenField);
            byId[id] = token;
            vocabulary[token] = id;
        }
        if (vocabulary.Count == 0) throw new InputFileException(path, "the vocabulary is empty", field.Length == 0 ? null : field);
        return vocabulary;
    }

    static (List<(string, string)> Merges, bool AsPairs) ReadMerges(JsonArray entries, Dictionary<string, int> vocabulary, string path)
    {
        var merges = new List<(string, string)>(entries.Count);
        var seen = new HashSet<(string, string)>();
        bool asPairs = false;
        for (int i = 0; i < entries.Count; i++)
        {
            var field = $"model.merges[{i}]";
            string left, right;
            switch (entries[i])
            {
                case JsonValue value when value.TryGetValue(out string? text):
                    var parts = text.Split(' ');
                    if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                        throw new InputFileException(path, $"expected \"left right\" (two tokens, one space), found \"{text}\"", field);
                    (left, right) = (parts[0], parts[1]);
                    break;
                case JsonArray { Count: 2 } pair when pair[0] is JsonValue a && a.TryGetValue(out string? first)
                                                     && pair[1] is JsonValue b && b.TryGetValue(out string? second):
                    (left, right) = (first, second);
                    asPairs = true;
                    break;
                default:
                    throw new InputFileException(path, $"expected \"left right\" or [\"left\", \"right\"], found {JsonFields.Describe(entries[i])}", field);
            }
            CheckMerge(left, right, vocabulary, path, field, line: null);
            // A repeated merge changes nothing (the first has the higher priority); BpeTokenizer rejects duplicates.
            if (seen.Add((left, right))) merges.Add((left, right));
        }
        return (merges, asPairs);
    }

    static void CheckMerge(string left, string right, Dictionary<string, int> vocabulary, string path, string? item, long? line)
    {
        foreach (var part in new[] { left, right, left + right })
            if (!vocabulary.ContainsKey(part))
                throw new InputFileException(path,
                    $"the merge '{left} {right}' refers to '{part}', which is not in the vocabulary", item, line);
    }

    /// <summary>
    /// Byte-level BPE must be able to spell any text: every byte valid UTF-8 can contain needs its symbol.
    /// (0xC0, 0xC1 and 0xF5..0xFF never occur in UTF-8, so a vocabulary may lack them.)
    /// </summary>
    static void RequireByteAlphabet(Dictionary<string, int> vocabulary, string path)
    {
        for (int value = 0; value < 256; value++)
        {
            if (value is 0xC0 or 0xC1 or >= 0xF5) continue;
            var symbol = ByteLevelAlphabet.ToChar((byte)value).ToString();
            if (!vocabulary.ContainsKey(symbol))
                throw new InputFileException(path,
                    $"the vocabulary has no token for byte 0x{value:X2} (symbol '{symbol}'); a byte-level vocabulary needs all of them",
                    path.EndsWith(TokenizerJson, StringComparison.Ordinal) ? "model.vocab" : null);
        }
    }

    static AddedToken ReadAddedToken(JsonNode entry, int id, string path, string field) => new(
        id,
        JsonFields.RequiredString(entry, "content", path, field),
        JsonFields.OptionalBool(entry, "special", false, path, field),
        JsonFields.OptionalBool(entry, "single_word", false, path, field),
        JsonFields.OptionalBool(entry, "lstrip", false, path, field),
        JsonFields.OptionalBool(entry, "rstrip", false, path, field),
        JsonFields.OptionalBool(entry, "normalized", false, path, field));

    /// <summary>
    /// Adds a token after checking its id is not another vocabulary entry's or another added token's. (Its text may
    /// also be a vocabulary entry under another id: as in Hugging Face, the added id is the one text encodes to.)
    /// </summary>
    static void AddChecked(
        AddedToken token, List<AddedToken> added, Dictionary<string, int> vocabulary, Dictionary<int, string> byId, string path, string field)
    {
        if (token.Content.Length == 0) throw new InputFileException(path, "an added token cannot be empty", field);
        if (byId.TryGetValue(token.Id, out var holder) && holder != token.Content)
            throw new InputFileException(path,
                $"added token '{token.Content}' has id {token.Id}, which the vocabulary already gives to '{holder}'", field);
        foreach (var other in added)
        {
            if (other.Id == token.Id)
                throw new InputFileException(path, $"added token '{token.Content}' has id {token.Id}, which '{other.Content}' already has", field);
            if (other.Content == token.Content)
                throw new InputFileException(path, $"added token '{token.Content}' appears twice (ids {other.Id} and {token.Id})", field);
        }
        added.Add(token);
    }

    /// <summary>
    /// A token the config names (bos_token, eos_token, ...) is special in Hugging Face even when it is only a vocabulary
    /// entry (GPT-2's vocab.json holds &lt;|endoftext|&gt;): make it a special added token, so it is matched whole.
    /// </summary>
    static void MarkSpecial(string name, string key, string sourcePath, Dictionary<string, int> vocabulary, List<AddedToken> added, bool required)
    {
        int index = added.FindIndex(token => token.Content == name);
        if (index >= 0)
        {
            if (!added[index].Special) added[index] = added[index] with { Special = true };
            return;
        }
        if (vocabulary.TryGetValue(name, out int id))
        {
            added.Add(new AddedToken(id, name, Special: true));
            return;
        }
        if (required)
            throw new InputFileException(sourcePath, $"'{name}' is neither in the vocabulary nor an added token", key);
    }

    static int? IdOf(string? name, Dictionary<string, int> vocabulary, List<AddedToken> added) =>
        name is null ? null : added.FirstOrDefault(token => token.Content == name)?.Id ?? (vocabulary.TryGetValue(name, out int id) ? id : null);

    static int? IdOfSpecial(string name, List<AddedToken> added) =>
        added.FirstOrDefault(token => token.Special && token.Content == name)?.Id;

    static string? ReadChatTemplate(JsonObject? config, string configPath, string directory)
    {
        switch (config?["chat_template"])
        {
            case null:
                break;
            case JsonValue value when value.TryGetValue(out string? template):
                return template;
            case JsonArray templates:
                // Newer configs list named templates: [{"name": "default", "template": "..."}, {"name": "tool_use", ...}].
                if (templates.Count == 0) break;
                int chosen = 0;
                for (int i = 0; i < templates.Count; i++)
                {
                    var entry = templates[i] ?? throw new InputFileException(configPath, "is null", $"chat_template[{i}]");
                    if (JsonFields.OptionalString(entry, "name", configPath, $"chat_template[{i}]") == "default") chosen = i;
                }
                return JsonFields.RequiredString(templates[chosen]!, "template", configPath, $"chat_template[{chosen}]");
            case var other:
                throw new InputFileException(configPath, $"expected a string or a list of named templates, found {JsonFields.Describe(other)}", "chat_template");
        }
        var jinjaPath = Path.Combine(directory, ChatTemplateJinja);
        return File.Exists(jinjaPath) ? File.ReadAllText(jinjaPath) : null;
    }

    /// <summary>bos/eos/pad/unk and additional special tokens, from tokenizer_config.json first, then special_tokens_map.json.</summary>
    sealed class SpecialTokenNames
    {
        static readonly string[] Keys = ["bos_token", "eos_token", "pad_token", "unk_token"];
        readonly Dictionary<string, (string Name, string Source)> _named = new();
        readonly List<(string Name, string Source, string Key)> _additional = new();

        public SpecialTokenNames(JsonObject? config, string configPath, JsonObject? specialMap, string specialMapPath)
        {
            foreach (var (file, path) in new[] { (config, configPath), (specialMap, specialMapPath) })
            {
                if (file is null) continue;
                foreach (var key in Keys)
                    if (!_named.ContainsKey(key) && file.ContainsKey(key) && NameOf(file[key], path, key) is string name)
                        _named[key] = (name, path);
                if (file["additional_special_tokens"] is JsonArray extra)
                    for (int i = 0; i < extra.Count; i++)
                        if (NameOf(extra[i], path, $"additional_special_tokens[{i}]") is string name)
                            _additional.Add((name, path, $"additional_special_tokens[{i}]"));
            }
        }

        public string? Bos => _named.TryGetValue("bos_token", out var entry) ? entry.Name : null;
        public string? Eos => _named.TryGetValue("eos_token", out var entry) ? entry.Name : null;
        public string? Pad => _named.TryGetValue("pad_token", out var entry) ? entry.Name : null;

        public IEnumerable<(string Key, string Name)> All() =>
            _named.Select(pair => (pair.Key, pair.Value.Name)).Concat(_additional.Select(entry => (entry.Key, entry.Name)));

        public string SourceOf(string key) =>
            _named.TryGetValue(key, out var entry) ? entry.Source : _additional.First(extra => extra.Key == key).Source;

        /// <summary>A token name is a string or an AddedToken object {"content": ...}; null means none.</summary>
        static string? NameOf(JsonNode? node, string path, string key) => node switch
        {
            null => null,
            JsonValue value when value.TryGetValue(out string? text) => text,
            JsonObject => JsonFields.RequiredString(node, "content", path, key),
            _ => throw new InputFileException(path, $"expected a token string or {{\"content\": ...}}, found {JsonFields.Describe(node)}", key),
        };
    }
}
