using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Tokenization;

public sealed class BpeTrainerTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    static BpeTrainingResult Train(string text, int vocabularySize = 1000, int minimumPairFrequency = 2, IReadOnlyList<string>? specials = null,
        PreTokenizerRegex preTokenizer = PreTokenizerRegex.Llama3)
    {
        var trainer = new BpeTrainer(new BpeTrainerOptions
        {
            VocabularySize = vocabularySize, MinimumPairFrequency = minimumPairFrequency, SpecialTokens = specials ?? [], PreTokenizer = preTokenizer,
        });
        trainer.AddText(text);
        return trainer.Train();
    }

    static List<(string Left, string Right)> MergesAsText(BpeTrainingResult result) =>
        result.Tokenizer.Definition.Merges
            .Select(merge => (Encoding.UTF8.GetString(ByteLevelAlphabet.ToBytes(merge.Left)), Encoding.UTF8.GetString(ByteLevelAlphabet.ToBytes(merge.Right))))
            .ToList();

    /// <summary>Each word on its own line, so that Llama 3's regex makes every word one piece (and "\n" its own).</summary>
    static string Lines(params (string Word, int Count)[] words) =>
        string.Join("\n", words.SelectMany(entry => Enumerable.Repeat(entry.Word, entry.Count)));

    [Fact]
    public void Merges_are_learned_most_frequent_first_with_ties_in_byte_order()
    {
        // Pair counts by hand (low 5, lower 2, newest 6, widest 3):
        //   e-s 9, s-t 9 (tie: 'e' < 's')      → e+s;  then es-t 9                          → es+t
        //   l-o 7, o-w 7 (tie: 'l' < 'o')      → l+o;  then lo-w 7                          → lo+w
        //   n-e 6, e-w 6, w-est 6 (e < n < w)  → e+w;  n-ew 6, ew-est 6 ('e' < 'n')         → ew+est; then n+ewest
        //   w-i 3, i-d 3, d-est 3 (d < i < w)  → d+est; w-i 3, i-dest 3                     → i+dest; then w+idest
        //   low-e 2, e-r 2 ('e' < 'l')         → e+r;  then low+er; nothing is left to merge.
        var result = Train(Lines(("low", 5), ("lower", 2), ("newest", 6), ("widest", 3)));

        (string, string)[] expected =
        [
            ("e", "s"), ("es", "t"), ("l", "o"), ("lo", "w"), ("e", "w"), ("ew", "est"), ("n", "ewest"),
            ("d", "est"), ("i", "dest"), ("w", "idest"), ("e", "r"), ("low", "er"),
        ];
        Assert.Equal(expected, MergesAsText(result));
        Assert.True(result.StoppedEarly);
        Assert.Equal(256 + expected.Length, result.Tokenizer.VocabularySize);
        Assert.Equal(["lower", "\n", "newest"], result.Tokenizer.Encode("lower\nnewest").Select(id => result.Tokenizer.Decode([id])));
    }

    [Fact]
    public void Minimum_frequency_and_vocabulary_size_stop_training()
    {
        var text = Lines(("low", 5), ("lower", 2), ("newest", 6), ("widest", 3));

        var frequent = Train(text, minimumPairFrequency: 3);
        Assert.Equal(10, frequent.MergeCount); // e+r and low+er occur twice only

        var small = Train(text, vocabularySize: 256 + 4 + 1, specials: ["<|endoftext|>"]);
        Assert.Equal([("e", "s"), ("es", "t"), ("l", "o"), ("lo", "w")], MergesAsText(small));
        Assert.False(small.StoppedEarly);
        Assert.Equal(261, small.Tokenizer.VocabularySize);
        Assert.Equal(260, small.Tokenizer.TokenToId("<|endoftext|>"));
    }

    [Fact]
    public void Merges_match_a_naive_trainer_that_recounts_every_pair_after_each_merge()
    {
        var random = new Random(7);
        var words = Enumerable.Range(0, 300)
            .Select(_ => (Word: new string(Enumerable.Range(0, random.Next(1, 9)).Select(_ => "abcde"[random.Next(5)]).ToArray()), Count: random.Next(1, 20)))
            .ToArray();

        var result = Train(Lines(words), vocabularySize: 100_000);

        var expected = NaiveMerges(words);
        Assert.True(expected.Count > 100, $"the corpus should need many merges, got {expected.Count}");
        Assert.Equal(expected, MergesAsText(result));
    }

    /// <summary>BPE by definition: count every adjacent pair of every word, merge the top one, repeat.</summary>
    static List<(string, string)> NaiveMerges((string Word, int Count)[] corpus)
    {
        var words = corpus.Select(entry => (Tokens: entry.Word.Select(letter => letter.ToString()).ToList(), entry.Count)).ToList();
        var merges = new List<(string, string)>();
        while (true)
        {
            var counts = new Dictionary<(string, string), long>();
            foreach (var (tokens, count) in words)
                for (int i = 0; i + 1 < tokens.Count; i++)
                    counts[(tokens[i], tokens[i + 1])] = counts.GetValueOrDefault((tokens[i], tokens[i + 1])) + count;
            if (counts.Count == 0) return merges;
            var best = counts.OrderByDescending(pair => pair.Value)
                .ThenBy(pair => pair.Key.Item1, StringComparer.Ordinal).ThenBy(pair => pair.Key.Item2, StringComparer.Ordinal).First();
            if (best.Value < 2) return merges;
            merges.Add(best.Key);
            foreach (var (tokens, _) in words)
                for (int i = 0; i + 1 < tokens.Count; i++)
                    if (tokens[i] == best.Key.Item1 && tokens[i + 1] == best.Key.Item2)
                    {
                        tokens[i] += tokens[i + 1];
                        tokens.RemoveAt(i + 1);
                    }
        }
    }

    static string MixedText() =>
        "The 12345 quick brown foxes' jumps — über Zürich, 東京タワー 🦊🎉!\n\n\tdon't  STOP\r\nnaïve café 3.14159 <tag> x=y+1;";

    [Fact]
    public void Decode_of_encode_gives_back_any_text()
    {
        var corpus = string.Concat(Enumerable.Repeat(MixedText() + " the then these there\n", 50));
        var tokenizer = Train(corpus, vocabularySize: 600, specials: ByteLevelTokenizer.DefaultSpecialTokens).Tokenizer;
        var random = new Random(11);
        var samples = new List<string> { MixedText(), "", "\0\u0001\u001f\u007f", "\u00a0\u2028\u3000\ufeff" };
        for (int i = 0; i < 200; i++)
        {
            var text = new StringBuilder();
            int length = random.Next(1, 40);
            while (text.Length < length)
            {
                // Any scalar value: ASCII and control characters often, then the BMP and the astral planes (emoji, rare CJK).
                int codePoint = random.Next(4) switch
                {
                    0 => random.Next(0, 0x80),
                    1 => random.Next(0x80, 0xD800),
                    2 => random.Next(0xE000, 0x10000),
                    _ => random.Next(0x10000, 0x110000),
                };
                text.Append(char.ConvertFromUtf32(codePoint));
            }
            samples.Add(text.ToString());
        }
        foreach (var sample in samples)
            Assert.Equal(sample, tokenizer.Decode(tokenizer.Encode(sample)));
        Assert.True(tokenizer.Encode(MixedText()).Count < Encoding.UTF8.GetByteCount(MixedText()) / 2, "trained merges should compress their own corpus");
    }

    [Fact]
    public void Special_tokens_are_never_split_nor_learned_from()
    {
        var corpus = string.Concat(Enumerable.Range(0, 200).Select(i => $"story {i % 7} ends here<|endoftext|>"));
        var result = Train(corpus, vocabularySize: 400, specials: ["<|endoftext|>", "<|pad|>"]);
        var tokenizer = result.Tokenizer;

        int endOfText = tokenizer.TokenToId("<|endoftext|>")!.Value;
        Assert.Equal(tokenizer.VocabularySize - 2, endOfText);
        Assert.Equal(endOfText, tokenizer.Special.Eos);
        Assert.Equal(endOfText, tokenizer.Special.Bos);
        Assert.Equal(endOfText + 1, tokenizer.Special.Pad);
        // Were the markers trained on, "endoftext" (200 times in the corpus) would be one of the first tokens learned.
        Assert.Null(tokenizer.TokenToId("endoftext"));
        Assert.NotNull(tokenizer.TokenToId("Ġends"));
        var ids = tokenizer.Encode("ends here<|endoftext|>story", parseSpecialTokens: true);
        Assert.Single(ids, endOfText);
        Assert.Equal("ends here<|endoftext|>story", tokenizer.Decode(ids));
    }

    [Fact]
    public void Same_text_gives_byte_identical_files_whatever_the_order_it_is_added_in()
    {
        string first = string.Concat(Enumerable.Repeat(MixedText(), 20)), second = "the cat sat on the mat with the other cat\n";
        string Save(params string[] texts)
        {
            var trainer = new BpeTrainer(new BpeTrainerOptions { VocabularySize = 500 });
            foreach (var text in texts) trainer.AddText(text);
            var directory = _temporary.Sub($"run-{Guid.NewGuid():N}");
            trainer.Train().Tokenizer.Save(directory);
            return directory;
        }
        var (a, b, c) = (Save(first, second), Save(first, second), Save(second, first));
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(b, file)));
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(c, file)));
        }
    }

    [Fact]
    public void The_chat_format_saved_is_the_one_asked_for()
    {
        foreach (var name in ChatTemplates.Names)
        {
            var trainer = new BpeTrainer(new BpeTrainerOptions { VocabularySize = 400, ChatTemplate = name });
            trainer.AddText(string.Concat(Enumerable.Repeat(MixedText(), 5)));
            var directory = _temporary.Sub($"format-{name}");
            trainer.Train().Tokenizer.Save(directory);
            Assert.Equal(name, TokenizerLoader.Load(directory).ChatTemplate.Name);
        }
        Assert.Throws<BadInputException>(() => new BpeTrainerOptions { ChatTemplate = "alpaca" }.Validate());
    }

    [Fact]
    public void Saved_tokenizer_loads_and_encodes_as_Microsoft_ML_Tokenizers_does()
    {
        var corpus = string.Concat(Enumerable.Repeat(MixedText() + "<|im_start|>user\nHello there, 2024 was long<|im_end|>\n", 30));
        var directory = _temporary.Sub("trained");
        Train(corpus, vocabularySize: 700, specials: ByteLevelTokenizer.DefaultSpecialTokens).Tokenizer.Save(directory);

        var loaded = TokenizerLoader.Load(directory);
        var huggingFace = Assert.IsType<HuggingFaceTokenizer>(loaded);
        Assert.Equal(ChatTemplates.Plain, loaded.ChatTemplate.Name); // the default, though ChatML's markers are special tokens
        Assert.Equal([PreTokenizerPipeline.Llama3Pattern], huggingFace.PreTokenizerPatterns);

        // The reference reads tokenizer.json itself and does its own splitting and byte mapping.
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer.json")))!;
        var vocabulary = json["model"]!["vocab"]!.AsObject().ToDictionary(pair => pair.Key, pair => (int)pair.Value!);
        var specials = json["added_tokens"]!.AsArray().ToDictionary(token => (string)token!["content"]!, token => (int)token!["id"]!);
        var pattern = (string)json["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"]!;
        var reference = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = json["model"]!["merges"]!.AsArray().Select(merge => (string)merge!),
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern), specials),
            SpecialTokens = specials,
            ByteLevel = true,
        });
        var text = "<|im_start|>user\n" + MixedText() + " Hello there!<|im_end|>\n";
        var ids = loaded.Encode(text, parseSpecialTokens: true);
        Assert.Equal(reference.EncodeToIds(text), ids);
        Assert.Contains(specials["<|im_end|>"], ids);
    }

    [Fact]
    public void Token_text_bytes_add_up_to_the_text_and_special_tokens_count_none()
    {
        var tokenizer = Train(string.Concat(Enumerable.Repeat(MixedText(), 20)), vocabularySize: 500, specials: ["<|endoftext|>"]).Tokenizer;
        var text = MixedText() + "<|endoftext|>" + MixedText();
        var ids = tokenizer.Encode(text, parseSpecialTokens: true);
        Assert.Equal(2 * Encoding.UTF8.GetByteCount(MixedText()), ids.Sum(tokenizer.TextByteCount));
        // ln 2 nats per token over 4 tokens standing for 2 bytes: 1 bit per token, 2 bits per byte.
        Assert.Equal(2.0, Engine.Training.BitsPerByte.FromLoss(Math.Log(2), targets: 4, textBytes: 2), 12);
    }

    [Fact]
    public void Vocabulary_smaller_than_bytes_and_specials_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<BadInputException>(() => new BpeTrainer(new BpeTrainerOptions { VocabularySize = 259 }));
        Assert.Contains("vocabulary size", error.Message);
        Assert.Contains("at least 260", error.Message);
    }

    [Fact]
    public void Missing_or_non_UTF8_files_are_refused_naming_the_file()
    {
        var trainer = new BpeTrainer(new BpeTrainerOptions());
        var missing = _temporary.File("missing.txt");
        Assert.Equal(missing, Assert.Throws<InputFileException>(() => trainer.AddFile(missing)).FilePath);

        var binary = _temporary.File("binary.txt");
        File.WriteAllBytes(binary, [(byte)'o', (byte)'k', 0xC3, 0x28, 0xFF]);
        var error = Assert.Throws<InputFileException>(() => trainer.AddFile(binary));
        Assert.Equal(binary, error.FilePath);
        Assert.Contains("UTF-8", error.Message);
    }
}
