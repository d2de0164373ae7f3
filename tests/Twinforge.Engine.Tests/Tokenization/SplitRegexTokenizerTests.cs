using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;
using static Twinforge.Engine.Tests.Tokenization.TinyTokenizerFiles;

namespace Twinforge.Engine.Tests.Tokenization;

/// <summary>
/// Tokenizers whose tokenizer.json declares its own Split regex before ByteLevel (Llama 3, Qwen2) or a Digits step
/// (SmolLM): the file's regex, not GPT-2's, must decide the pieces.
/// </summary>
public sealed class SplitRegexTokenizerTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    const string Sample = "12345 (hello) I'M";

    [Fact]
    public void Llama3_style_file_splits_with_its_own_regex()
    {
        var tokenizer = HuggingFaceTokenizer.Load(WriteLlama3Style(_temporary.Sub("llama3")));

        Assert.Equal([Llama3Pattern], tokenizer.PreTokenizerPatterns);
        // Llama 3: digits in groups of three, punctuation joins the following word, case-insensitive contractions.
        Assert.Equal(["123", "45", " (", "hello", ")", " I", "'M"], tokenizer.PreTokenize(Sample));
        Assert.Equal([IdOf(tokenizer, "123"), IdOf(tokenizer, "45")], tokenizer.Encode("12345"));
        Assert.Equal([IdOf(tokenizer, "'M")], tokenizer.Encode("'M"));
        Assert.Equal([IdOf(tokenizer, "(hello")], tokenizer.Encode("(hello"));
    }

    [Fact]
    public void The_same_merges_under_gpt2s_regex_split_differently()
    {
        // Control for the test above: with plain ByteLevel (GPT-2's regex) the same vocabulary merges 12345 whole
        // and keeps "(" apart from "hello".
        var directory = _temporary.Sub("gpt2-regex");
        var json = TokenizerJson(Model(TextMerges), new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false });
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), json.ToJsonString());
        var tokenizer = HuggingFaceTokenizer.Load(directory);

        Assert.Equal(["12345", " (", "hello", ")", " I", "'", "M"], tokenizer.PreTokenize(Sample));
        Assert.Equal([IdOf(tokenizer, "12345")], tokenizer.Encode("12345"));
    }

    [Fact]
    public void Qwen2_style_file_splits_every_digit_and_normalizes_to_nfc()
    {
        var tokenizer = HuggingFaceTokenizer.Load(WriteQwen2Style(_temporary.Sub("qwen2")));

        Assert.Equal([Qwen2Pattern], tokenizer.PreTokenizerPatterns);
        Assert.Equal(["1", "2", "3", "4", "5", " (", "hello", ")", " I", "'M"], tokenizer.PreTokenize(Sample));
        Assert.Equal("12345".Select(digit => (int)digit), tokenizer.Encode("12345"));
        // "e" + combining acute becomes the single code point "é" (bytes C3 A9) before encoding.
        Assert.Equal([0xC3, 0xA9], tokenizer.Encode("e\u0301"));
    }

    [Fact]
    public void Qwen2_style_added_tokens_beyond_the_vocabulary_and_config_tokens_are_read()
    {
        var tokenizer = HuggingFaceTokenizer.Load(WriteQwen2Style(_temporary.Sub("qwen2-specials")));
        int vocabularyCount = 256 + TextMerges.Length;

        Assert.Equal(vocabularyCount + 3, tokenizer.VocabularySize);
        Assert.Equal(vocabularyCount + 2, tokenizer.Special.Eos);
        Assert.Equal(vocabularyCount, tokenizer.Special.Pad);
        Assert.Null(tokenizer.Special.Bos);
        Assert.Equal(vocabularyCount + 1, tokenizer.Special.Tokens["<|im_start|>"]);
        Assert.Equal(JinjaChatTemplate.TemplateName, tokenizer.ChatTemplate.Name);   // the config's own ChatML template
        Assert.Equal([vocabularyCount + 1, IdOf(tokenizer, "hello"), vocabularyCount + 2],
            tokenizer.Encode("<|im_start|>hello<|im_end|>", parseSpecialTokens: true));
        Assert.Equal("<|im_start|>hello<|im_end|>", tokenizer.Decode(tokenizer.Encode("<|im_start|>hello<|im_end|>", parseSpecialTokens: true)));
    }

    [Fact]
    public void Ignore_merges_emits_a_whole_vocabulary_word_directly()
    {
        // "world" is in the Llama-3-style vocabulary without merges that build it; ignore_merges uses it anyway.
        var llama = HuggingFaceTokenizer.Load(WriteLlama3Style(_temporary.Sub("ignore-merges")));
        Assert.Equal([IdOf(llama, "world")], llama.Encode("world"));

        var directory = _temporary.Sub("no-ignore-merges");
        var json = TokenizerJson(Model(TextMerges, ignoreMerges: false, extraTextTokens: ["world"]), SplitThenByteLevel(Llama3Pattern));
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), json.ToJsonString());
        Assert.Equal("world".Select(letter => (int)letter), HuggingFaceTokenizer.Load(directory).Encode("world"));
    }

    [Fact]
    public void Llama3_style_config_gives_bos_eos_and_the_llama3_template()
    {
        var tokenizer = HuggingFaceTokenizer.Load(WriteLlama3Style(_temporary.Sub("llama3-config")));

        Assert.Equal(tokenizer.TokenToId("<|begin_of_text|>"), tokenizer.Special.Bos);
        Assert.Equal(tokenizer.TokenToId("<|eot_id|>"), tokenizer.Special.Eos);
        Assert.Equal(ChatTemplates.Llama3, tokenizer.ChatTemplate.Name);
        Assert.Equal(["<|eot_id|>"], tokenizer.ChatTemplate.StopStrings);
    }

    [Fact]
    public void Digits_then_byte_level_splits_digits_like_smollm()
    {
        var directory = _temporary.Sub("smollm");
        var preTokenizer = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "Digits", ["individual_digits"] = true },
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true }),
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), TokenizerJson(Model(TextMerges), preTokenizer).ToJsonString());
        var tokenizer = HuggingFaceTokenizer.Load(directory);

        Assert.Equal(["a", " ", "1", "2", "3", " hello"], tokenizer.PreTokenize("a 123 hello"));
        Assert.Equal("a 123 hello", tokenizer.Decode(tokenizer.Encode("a 123 hello")));
    }

    [Fact]
    public void Save_then_load_keeps_the_regex_merge_format_and_encodings()
    {
        var original = HuggingFaceTokenizer.Load(WriteLlama3Style(_temporary.Sub("llama3-original")));
        var saved = _temporary.Sub("llama3-saved");
        original.Save(saved);
        var reloaded = HuggingFaceTokenizer.Load(saved);

        var model = JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "tokenizer.json")))!["model"]!;
        Assert.IsType<JsonArray>(model["merges"]![0]);
        Assert.Equal(original.PreTokenizerPatterns, reloaded.PreTokenizerPatterns);
        foreach (var text in new[] { Sample, "world hello 9876543210", "<|begin_of_text|>hi<|eot_id|>", "e\u0301 ünï 😀" })
        {
            Assert.Equal(original.Encode(text), reloaded.Encode(text));
            Assert.Equal(original.Encode(text, parseSpecialTokens: true), reloaded.Encode(text, parseSpecialTokens: true));
        }
        Assert.Equal(original.Special.Bos, reloaded.Special.Bos);
        Assert.Equal(original.Special.Eos, reloaded.Special.Eos);
        Assert.Equal(original.ChatTemplate.Name, reloaded.ChatTemplate.Name);
    }

    [Fact]
    public void Round_trips_hold_for_split_regex_tokenizers()
    {
        var qwen = HuggingFaceTokenizer.Load(WriteQwen2Style(_temporary.Sub("qwen2-round-trip")));
        var llama = HuggingFaceTokenizer.Load(WriteLlama3Style(_temporary.Sub("llama3-round-trip")));
        foreach (var text in Gpt2TokenizerTests.Paragraphs)
        {
            Assert.Equal(text.Normalize(System.Text.NormalizationForm.FormC), qwen.Decode(qwen.Encode(text)));
            Assert.Equal(text, llama.Decode(llama.Encode(text)));
        }
    }

    [Fact]
    public void Added_token_flags_strip_whitespace_and_require_whole_words()
    {
        var directory = _temporary.Sub("added-flags");
        var json = TokenizerJson(Model(TextMerges), SplitThenByteLevel(Llama3Pattern));
        int next = ((JsonObject)json["model"]!["vocab"]!).Count;
        json["added_tokens"] = new JsonArray(
            new JsonObject { ["id"] = next, ["content"] = "<mask>", ["lstrip"] = true, ["rstrip"] = true, ["special"] = true },
            new JsonObject { ["id"] = next + 1, ["content"] = "cat", ["single_word"] = true, ["special"] = false });
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), json.ToJsonString());
        var tokenizer = HuggingFaceTokenizer.Load(directory);

        Assert.Equal([(int)'a', next, 'b'], tokenizer.Encode("a  <mask> b", parseSpecialTokens: true));
        // Ordinary (non-special) added tokens are matched even without parseSpecialTokens, but only as whole words.
        Assert.Equal([next + 1, ' ', next + 1], tokenizer.Encode("cat cat"));
        Assert.DoesNotContain(next + 1, tokenizer.Encode("cats concat"));
    }

    public void Dispose() => _temporary.Dispose();
}
