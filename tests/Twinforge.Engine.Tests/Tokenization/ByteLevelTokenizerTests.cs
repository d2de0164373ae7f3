using System.Text;
using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Tokenization;

public sealed class ByteLevelTokenizerTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();
    readonly ByteLevelTokenizer _tokenizer = new();

    [Fact]
    public void Ids_are_utf8_bytes_then_the_special_tokens()
    {
        Assert.Equal(260, _tokenizer.VocabularySize);
        Assert.Equal([(int)'h', 'i', 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80], _tokenizer.Encode("hié😀"));
        Assert.Equal(256, _tokenizer.Special.Bos);
        Assert.Equal(256, _tokenizer.Special.Eos);
        Assert.Equal(257, _tokenizer.Special.Pad);
        Assert.Equal(258, _tokenizer.TokenToId("<|im_start|>"));
        Assert.Equal(259, _tokenizer.TokenToId("<|im_end|>"));
        Assert.Equal(32, _tokenizer.TokenToId("Ġ"));
        Assert.Null(_tokenizer.TokenToId("ab"));
        Assert.Equal(ChatTemplates.ChatMl, _tokenizer.ChatTemplate.Name);
    }

    [Fact]
    public void Special_tokens_are_parsed_only_when_asked()
    {
        const string text = "a<|im_start|>b<|endoftext|>";
        Assert.Equal([(int)'a', 258, 'b', 256], _tokenizer.Encode(text, parseSpecialTokens: true));
        Assert.Equal(Encoding.UTF8.GetBytes(text).Select(value => (int)value), _tokenizer.Encode(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain ASCII text")]
    [InlineData("Ünïcödé, 日本語, emoji 😀👍🏽🇫🇷 and 👨‍👩‍👧‍👦")]
    [InlineData("<|im_start|>user\nhi<|im_end|>\n")]
    public void Decode_of_encode_is_the_text(string text)
    {
        Assert.Equal(text, _tokenizer.Decode(_tokenizer.Encode(text)));
        Assert.Equal(text, _tokenizer.Decode(_tokenizer.Encode(text, parseSpecialTokens: true)));
    }

    [Fact]
    public void Invalid_utf8_decodes_to_replacement_characters()
    {
        Assert.Equal("\uFFFD", _tokenizer.Decode([0xF0, 0x9F]));
        Assert.Equal("a\uFFFDb", _tokenizer.Decode(['a', 0xC3, 'b']));
        Assert.Equal("\uFFFD\uFFFD", _tokenizer.Decode([0xFF, 0xFE]));
        Assert.Equal("a", _tokenizer.Decode(['a', 256, 259], skipSpecialTokens: true));
        Assert.Equal("a<|endoftext|>", _tokenizer.Decode(['a', 256, 12345]));
    }

    [Fact]
    public void Saves_a_hugging_face_bpe_file_with_the_byte_alphabet_and_no_merges()
    {
        var directory = _temporary.Sub("saved");
        _tokenizer.Save(directory);
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer.json")))!;

        Assert.Equal("BPE", (string?)root["model"]!["type"]);
        var vocab = root["model"]!["vocab"]!.AsObject();
        Assert.Equal(256, vocab.Count);
        Assert.Equal(32, (int)vocab["Ġ"]!);
        Assert.Equal(10, (int)vocab["Ċ"]!);
        Assert.Equal(97, (int)vocab["a"]!);
        Assert.Equal(0xFF, (int)vocab["ÿ"]!);
        Assert.Empty(root["model"]!["merges"]!.AsArray());
        Assert.Equal("ByteLevel", (string?)root["pre_tokenizer"]!["type"]);
        Assert.Equal("ByteLevel", (string?)root["decoder"]!["type"]);
        var added = root["added_tokens"]!.AsArray();
        Assert.Equal(["<|endoftext|>", "<|pad|>", "<|im_start|>", "<|im_end|>"], added.Select(token => (string?)token!["content"]));
        Assert.All(added, token => Assert.True((bool)token!["special"]!));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer_config.json")))!;
        Assert.Equal("<|endoftext|>", (string?)config["eos_token"]);
        Assert.Equal("<|pad|>", (string?)config["pad_token"]);
        Assert.Contains("<|im_start|>", (string?)config["chat_template"]);
    }

    [Fact]
    public void The_loader_returns_a_byte_level_tokenizer_and_hugging_face_loading_agrees()
    {
        var directory = _temporary.Sub("reload");
        _tokenizer.Save(directory);

        var loaded = TokenizerLoader.Load(directory);
        var viaHuggingFace = HuggingFaceTokenizer.Load(directory);

        Assert.IsType<ByteLevelTokenizer>(loaded);
        Assert.Equal(_tokenizer.VocabularySize, loaded.VocabularySize);
        Assert.Equal(_tokenizer.VocabularySize, viaHuggingFace.VocabularySize);
        Assert.Equal(_tokenizer.Special.Tokens, loaded.Special.Tokens);
        Assert.Equal((_tokenizer.Special.Bos, _tokenizer.Special.Eos, _tokenizer.Special.Pad), (loaded.Special.Bos, loaded.Special.Eos, loaded.Special.Pad));
        Assert.Equal(ChatTemplates.ChatMl, loaded.ChatTemplate.Name);
        Assert.Equal(ChatTemplates.ChatMl, viaHuggingFace.ChatTemplate.Name);
        foreach (var text in new[] { "hello world", "  spaces\n\ttabs 123", "<|im_start|>user\nÜnï 😀<|im_end|>\n<|pad|>" })
        {
            Assert.Equal(_tokenizer.Encode(text), loaded.Encode(text));
            Assert.Equal(_tokenizer.Encode(text), viaHuggingFace.Encode(text));
            Assert.Equal(_tokenizer.Encode(text, parseSpecialTokens: true), loaded.Encode(text, parseSpecialTokens: true));
            Assert.Equal(_tokenizer.Encode(text, parseSpecialTokens: true), viaHuggingFace.Encode(text, parseSpecialTokens: true));
        }
    }

    [Fact]
    public void Custom_special_tokens_without_chat_markers_chat_in_the_plain_format()
    {
        var tokenizer = new ByteLevelTokenizer(["<|endoftext|>", "<|sep|>"]);
        Assert.Equal(258, tokenizer.VocabularySize);
        Assert.Null(tokenizer.Special.Pad);
        Assert.Equal(ChatTemplates.Plain, tokenizer.ChatTemplate.Name);

        var directory = _temporary.Sub("custom");
        tokenizer.Save(directory);
        var loaded = Assert.IsType<ByteLevelTokenizer>(TokenizerLoader.Load(directory));
        Assert.Equal(tokenizer.Special.Tokens, loaded.Special.Tokens);
        Assert.Equal(ChatTemplates.Plain, loaded.ChatTemplate.Name);
    }

    [Fact]
    public void Rejects_duplicate_or_empty_special_tokens()
    {
        Assert.Throws<ArgumentException>(() => new ByteLevelTokenizer(["<a>", "<a>"]));
        Assert.Throws<ArgumentException>(() => new ByteLevelTokenizer([""]));
    }

    public void Dispose() => _temporary.Dispose();
}
