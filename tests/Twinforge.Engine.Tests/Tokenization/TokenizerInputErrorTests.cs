using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;
using static Twinforge.Engine.Tests.Tokenization.TinyTokenizerFiles;

namespace Twinforge.Engine.Tests.Tokenization;

/// <summary>Each kind of bad tokenizer directory fails with an <see cref="InputFileException"/> naming the file and the field.</summary>
public sealed class TokenizerInputErrorTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    InputFileException LoadFails(string directory) =>
        Assert.Throws<InputFileException>(() => TokenizerLoader.Load(directory));

    string WriteTokenizerJson(JsonObject json, string name = "tokenizer")
    {
        var directory = _temporary.Sub($"{name}-{Guid.NewGuid():N}");
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), json.ToJsonString());
        return directory;
    }

    static JsonObject ValidJson() => TokenizerJson(Model(TextMerges), SplitThenByteLevel(Llama3Pattern), specialTokens: ["<|endoftext|>"]);

    static void AssertNames(InputFileException error, string fileName, string? item)
    {
        Assert.EndsWith(fileName, error.FilePath);
        Assert.Contains(fileName, error.Message);
        Assert.Equal(item, error.Item);
        if (item is not null) Assert.Contains($"'{item}'", error.Message);
    }

    [Fact]
    public void Missing_directory()
    {
        var missing = Path.Combine(_temporary.Path, "does-not-exist");
        var error = LoadFails(missing);
        Assert.Equal(missing, error.FilePath);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void Directory_without_tokenizer_files()
    {
        var error = LoadFails(_temporary.Sub("empty"));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("merges.txt", error.Message);
    }

    [Fact]
    public void Malformed_json_reports_the_line()
    {
        var directory = _temporary.Sub("malformed");
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), "{\n  \"version\": \"1.0\",\n  \"model\": {\"type\": \"BPE\",, }\n}\n");
        var error = LoadFails(directory);
        AssertNames(error, "tokenizer.json", item: null);
        Assert.Equal(3, error.Line);
        Assert.Equal(27, error.Column); // the second comma, counted from 1
        Assert.Contains("tokenizer.json:3:27: is not valid JSON: ", error.Message);
        Assert.DoesNotContain("LineNumber", error.Message); // the location once, not again in the reader's words
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    public void Unsupported_model_type(string type)
    {
        var json = ValidJson();
        json["model"]!["type"] = type;
        var error = LoadFails(WriteTokenizerJson(json));
        AssertNames(error, "tokenizer.json", "model.type");
        Assert.Contains(type, error.Message);
    }

    [Fact]
    public void Non_byte_level_pre_tokenizer()
    {
        var json = ValidJson();
        json["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁" };
        var error = LoadFails(WriteTokenizerJson(json));
        AssertNames(error, "tokenizer.json", "pre_tokenizer.type");
        Assert.Contains("Metaspace", error.Message);
    }

    [Fact]
    public void Split_regex_that_does_not_compile()
    {
        var json = ValidJson();
        json["pre_tokenizer"] = SplitThenByteLevel(@"(\p{L}+");
        var error = LoadFails(WriteTokenizerJson(json));
        AssertNames(error, "tokenizer.json", "pre_tokenizer.pretokenizers[0].pattern.Regex");
    }

    [Fact]
    public void Merge_that_references_an_unknown_token()
    {
        var json = ValidJson();
        json["model"]!["merges"]![1] = "1 zz";
        var error = LoadFails(WriteTokenizerJson(json));
        AssertNames(error, "tokenizer.json", "model.merges[1]");
        Assert.Contains("'zz'", error.Message);
    }

    [Fact]
    public void Merge_pair_that_references_an_unknown_token()
    {
        var json = TokenizerJson(Model(TextMerges, mergesAsPairs: true), SplitThenByteLevel(Llama3Pattern));
        json["model"]!["merges"]![2] = new JsonArray("4", "missing");
        var error = LoadFails(WriteTokenizerJson(json));
        AssertNames(error, "tokenizer.json", "model.merges[2]");
        Assert.Contains("'missing'", error.Message);
    }

    [Fact]
    public void Merges_txt_line_that_references_an_unknown_token()
    {
        var directory = _temporary.Sub("merges-txt");
        var vocab = (JsonObject)Model(TextMerges)["vocab"]!.DeepClone();
        File.WriteAllText(Path.Combine(directory, "vocab.json"), vocab.ToJsonString());
        File.WriteAllLines(Path.Combine(directory, "merges.txt"), ["#version: 0.2", "1 2", "12 3", "q uux"]);
        var error = LoadFails(directory);
        AssertNames(error, "merges.txt", item: null);
        Assert.Equal(4, error.Line);
        Assert.Contains("'uux'", error.Message);
    }

    [Fact]
    public void Vocab_json_without_merges_txt()
    {
        var directory = _temporary.Sub("no-merges");
        File.WriteAllText(Path.Combine(directory, "vocab.json"), Model([])["vocab"]!.ToJsonString());
        var error = LoadFails(directory);
        Assert.EndsWith("merges.txt", error.FilePath);
    }

    [Fact]
    public void Added_token_whose_id_belongs_to_another_vocabulary_entry()
    {
        var json = ValidJson();
        json["added_tokens"]![0]!["id"] = 97; // "a"
        var error = LoadFails(WriteTokenizerJson(json));
        AssertNames(error, "tokenizer.json", "added_tokens[0]");
        Assert.Contains("'a'", error.Message);
        Assert.Contains("<|endoftext|>", error.Message);
    }

    [Fact]
    public void Vocabulary_with_a_repeated_entry_or_id()
    {
        var directory = _temporary.Sub("duplicate-key");
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), ValidJson().ToJsonString().Replace("\"vocab\":{", "\"vocab\":{\"a\":97,"));
        var error = LoadFails(directory);
        AssertNames(error, "tokenizer.json", item: null);
        Assert.Contains("'a'", error.Message);

        var json = ValidJson();
        json["model"]!["vocab"]!["zz"] = 97;
        var repeatedId = LoadFails(WriteTokenizerJson(json));
        AssertNames(repeatedId, "tokenizer.json", "model.vocab.zz");
        Assert.Contains("id 97", repeatedId.Message);
    }

    [Fact]
    public void Vocabulary_without_every_byte()
    {
        var json = ValidJson();
        json["model"]!["vocab"]!.AsObject().Remove("Ġ");
        json["model"]!["merges"] = new JsonArray();
        var error = LoadFails(WriteTokenizerJson(json));
        AssertNames(error, "tokenizer.json", "model.vocab");
        Assert.Contains("0x20", error.Message);
    }

    [Fact]
    public void Config_naming_an_eos_token_the_tokenizer_lacks()
    {
        var directory = WriteTokenizerJson(ValidJson());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), """{"eos_token": "</s>"}""");
        var error = LoadFails(directory);
        AssertNames(error, "tokenizer_config.json", "eos_token");
        Assert.Contains("</s>", error.Message);
    }

    [Fact]
    public void Malformed_tokenizer_config()
    {
        var directory = WriteTokenizerJson(ValidJson());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), "{\"eos_token\": \"<|endoftext|>\"\n\"chat_template\": 1}");
        var error = LoadFails(directory);
        AssertNames(error, "tokenizer_config.json", item: null);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Chat_template_of_the_wrong_type()
    {
        var directory = WriteTokenizerJson(ValidJson());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), """{"chat_template": 42}""");
        AssertNames(LoadFails(directory), "tokenizer_config.json", "chat_template");
    }

    [Fact]
    public void Tokenizer_with_ids_beyond_the_model_vocabulary()
    {
        var tokenizer = new ByteLevelTokenizer();
        TokenizerChecks.EnsureFitsModel(tokenizer, 260, "model-dir");
        TokenizerChecks.EnsureFitsModel(tokenizer, 320, "model-dir");

        var error = Assert.Throws<InputFileException>(() => TokenizerChecks.EnsureFitsModel(tokenizer, 258, "model-dir"));
        Assert.Equal("model-dir", error.FilePath);
        Assert.Equal("vocab_size", error.Item);
        Assert.Contains("259", error.Message);
        Assert.Contains("258", error.Message);
        Assert.Contains("<|im_start|>", error.Message);
    }

    public void Dispose() => _temporary.Dispose();
}
