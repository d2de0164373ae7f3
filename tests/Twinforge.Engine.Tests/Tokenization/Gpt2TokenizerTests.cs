using System.Text;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Tokenization;

/// <summary>GPT-2's real vocabulary and merges through <see cref="HuggingFaceTokenizer"/>, checked against known ids and tiktoken.</summary>
public sealed class Gpt2TokenizerTests(Gpt2Reference gpt2) : IClassFixture<Gpt2Reference>
{
    /// <summary>Varied text: punctuation, digits, contractions, whitespace runs, accents, CJK, emoji, code.</summary>
    public static readonly string[] Paragraphs =
    [
        "Hello world",
        "It's 2024 — the naïve café's crème brûlée costs $12.50 (or €11,99)! Didn't we've they're I'll YOU'D?",
        "Whitespace   runs,\ttabs\t\tand\n\nblank lines\r\n  indented\n    deeper   \n",
        "日本語のテキスト、中文文本，한국어 텍스트. Ünïcödé ∑∫√ λx→y; Ελληνικά и русский.",
        "Emoji 😀👍🏽 and flags 🇫🇷🇯🇵, family 👨‍👩‍👧‍👦, keycap 1️⃣.",
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)  # 0x1F, 3.14159e-10, 1,000,000\n",
        "    leading spaces and trailing spaces    ",
        "<html><body class=\"main\">&amp; &lt;tag&gt; https://example.com/path?q=1&r=2#frag</body></html>",
    ];

    [Fact]
    public void Known_ids_match_gpt2()
    {
        Assert.Equal([15496, 995], gpt2.Tokenizer.Encode("Hello world"));
        Assert.Equal([262], gpt2.Tokenizer.Encode(" the"));
        Assert.Equal([Gpt2Reference.EndOfTextId], gpt2.Tokenizer.Encode(Gpt2Reference.EndOfText, parseSpecialTokens: true));
    }

    [Fact]
    public void Special_token_text_is_ordinary_text_unless_parsing_is_asked_for()
    {
        var asText = gpt2.Tokenizer.Encode(Gpt2Reference.EndOfText);
        // "<", "|", "end", "of", "text", "|", ">" as GPT-2 spells the string when it is not a control token.
        Assert.Equal([27, 91, 437, 1659, 5239, 91, 29], asText);
        Assert.Equal(Gpt2Reference.EndOfText, gpt2.Tokenizer.Decode(asText));
    }

    [Theory]
    [MemberData(nameof(ParagraphIndices))]
    public void Encoding_agrees_with_tiktoken(int paragraph)
    {
        var text = Paragraphs[paragraph];
        Assert.Equal(gpt2.Tiktoken.EncodeToIds(text), gpt2.Tokenizer.Encode(text));
    }

    public static TheoryData<int> ParagraphIndices() => new(Enumerable.Range(0, Paragraphs.Length));

    [Fact]
    public void Encoding_agrees_with_tiktoken_on_a_long_mixed_text()
    {
        var random = new Random(7);
        var words = new[] { "the", " quick", "Brown", " fox's", "  ", "\n", "123", "4567", "!?", " — ", "café", "日本", "😀", "don't", "\t", "..." };
        var builder = new StringBuilder();
        for (int i = 0; i < 5000; i++) builder.Append(words[random.Next(words.Length)]);
        var text = builder.ToString();
        Assert.Equal(gpt2.Tiktoken.EncodeToIds(text), gpt2.Tokenizer.Encode(text));
    }

    [Theory]
    [MemberData(nameof(ParagraphIndices))]
    public void Decode_of_encode_is_the_text(int paragraph)
    {
        var text = Paragraphs[paragraph];
        Assert.Equal(text, gpt2.Tokenizer.Decode(gpt2.Tokenizer.Encode(text)));
    }

    [Fact]
    public void Decoding_part_of_a_character_gives_replacement_characters_not_an_exception()
    {
        var ids = gpt2.Tokenizer.Encode("😀");
        Assert.True(ids.Count > 1, "GPT-2 spells this emoji with several byte tokens");
        var firstOnly = gpt2.Tokenizer.Decode(ids.Take(1));
        Assert.Contains('\uFFFD', firstOnly);
        Assert.Equal("😀", gpt2.Tokenizer.Decode(ids));
    }

    [Fact]
    public void Decode_keeps_or_skips_special_tokens_and_ignores_unknown_ids()
    {
        int[] ids = [15496, Gpt2Reference.EndOfTextId, 995, 999_999];
        Assert.Equal("Hello<|endoftext|> world", gpt2.Tokenizer.Decode(ids));
        Assert.Equal("Hello world", gpt2.Tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Vocabulary_and_specials_are_gpt2s()
    {
        Assert.Equal(50257, gpt2.Tokenizer.VocabularySize);
        Assert.Equal(Gpt2Reference.EndOfTextId, gpt2.Tokenizer.TokenToId(Gpt2Reference.EndOfText));
        Assert.Equal(262, gpt2.Tokenizer.TokenToId("Ġthe"));
        Assert.Equal("Ġthe", gpt2.Tokenizer.IdToToken(262));
        Assert.Equal([PreTokenizerPipeline.Gpt2Pattern], gpt2.Tokenizer.PreTokenizerPatterns);
        // No tokenizer_config.json: <|endoftext|> is recognised as the end of sequence; GPT-2 has no chat tokens.
        Assert.Equal(Gpt2Reference.EndOfTextId, gpt2.Tokenizer.Special.Eos);
        Assert.Equal(ChatTemplates.Plain, gpt2.Tokenizer.ChatTemplate.Name);
        Assert.Contains(Gpt2Reference.EndOfText, gpt2.Tokenizer.ChatTemplate.StopStrings);
    }

    [Fact]
    public void Vocab_and_merges_files_encode_like_tokenizer_json()
    {
        var directory = gpt2.WriteVocabAndMerges();
        var fromFiles = HuggingFaceTokenizer.Load(directory);
        foreach (var text in Paragraphs.Append(Gpt2Reference.EndOfText))
        {
            Assert.Equal(gpt2.Tokenizer.Encode(text), fromFiles.Encode(text));
            Assert.Equal(gpt2.Tokenizer.Encode(text, parseSpecialTokens: true), fromFiles.Encode(text, parseSpecialTokens: true));
        }
        Assert.Equal(Gpt2Reference.EndOfTextId, fromFiles.Special.Bos);
        Assert.Equal(Gpt2Reference.EndOfTextId, fromFiles.Special.Eos);
        Assert.Equal(50257, fromFiles.VocabularySize);
    }

    [Fact]
    public void Vocab_and_merges_tokenizer_saves_as_tokenizer_json_that_encodes_identically()
    {
        var fromFiles = HuggingFaceTokenizer.Load(gpt2.WriteVocabAndMerges());
        var directory = gpt2.NewDirectory("saved-from-vocab");
        fromFiles.Save(directory);
        var reloaded = HuggingFaceTokenizer.Load(directory);

        Assert.True(File.Exists(Path.Combine(directory, "tokenizer.json")));
        foreach (var text in Paragraphs.Append("x<|endoftext|>y"))
            Assert.Equal(fromFiles.Encode(text, parseSpecialTokens: true), reloaded.Encode(text, parseSpecialTokens: true));
        Assert.Equal((fromFiles.Special.Bos, fromFiles.Special.Eos), (reloaded.Special.Bos, reloaded.Special.Eos));
    }

    [Fact]
    public void A_lone_surrogate_encodes_as_the_replacement_character()
    {
        var ids = gpt2.Tokenizer.Encode("a\uD83Db");
        Assert.Equal("a\uFFFDb", gpt2.Tokenizer.Decode(ids));
    }

    [Fact]
    public void Save_then_load_encodes_identically()
    {
        var directory = gpt2.NewDirectory("saved");
        gpt2.Tokenizer.Save(directory);
        var reloaded = TokenizerLoader.Load(directory);

        Assert.IsType<HuggingFaceTokenizer>(reloaded);
        Assert.True(File.Exists(Path.Combine(directory, "tokenizer_config.json")));
        foreach (var text in Paragraphs.Append("a <|endoftext|> b"))
        {
            Assert.Equal(gpt2.Tokenizer.Encode(text), reloaded.Encode(text));
            Assert.Equal(gpt2.Tokenizer.Encode(text, parseSpecialTokens: true), reloaded.Encode(text, parseSpecialTokens: true));
        }
        Assert.Equal(gpt2.Tokenizer.Special with { Tokens = reloaded.Special.Tokens }, reloaded.Special);
        Assert.Equal(gpt2.Tokenizer.Special.Tokens, reloaded.Special.Tokens);
        Assert.Equal(gpt2.Tokenizer.VocabularySize, reloaded.VocabularySize);
        Assert.Equal(gpt2.Tokenizer.ChatTemplate.Name, reloaded.ChatTemplate.Name);
    }
}
