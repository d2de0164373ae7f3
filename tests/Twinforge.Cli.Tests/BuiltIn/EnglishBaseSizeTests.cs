using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.BuiltIn.English;
using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Recipes;

namespace Twinforge.Cli.Tests.BuiltIn;

/// <summary>
/// The built-in English size (issue 20, item 3): its architecture and budget, its tokenizer learned from a corpus file,
/// and its place among the sizes (its own cache entry, its recipe's round trip). The real pre-training is measured, not
/// tested: it takes an hour or more.
/// </summary>
public sealed class EnglishBaseSizeTests
{
    [Fact]
    public void The_english_size_is_a_llama_of_about_twelve_million_parameters_on_a_learned_vocabulary()
    {
        var size = BuiltInModelSize.Parse("english");
        Assert.Same(BuiltInModelSize.English, size);
        Assert.False(size.ByteLevel);
        var config = size.Config;
        Assert.Equal(8192, config.VocabularySize);
        Assert.Equal(ModelFamily.Llama, config.Family);
        Assert.True(config.TieWordEmbeddings);
        using var model = new CausalLanguageModel(config);
        Assert.InRange(model.ParameterCount, 10_000_000, 30_000_000);
        Assert.True(BuiltInModelSize.Standard.ByteLevel);
    }

    [Fact]
    public void Each_size_has_its_own_cache_entry_and_the_english_one_names_its_corpus_version()
    {
        var keys = new[] { BuiltInModelSize.English, BuiltInModelSize.Standard, BuiltInModelSize.Tiny }.Select(size => size.CacheKey).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.StartsWith("english-", keys[0]);
        // A corpus or vocabulary change must not reuse a base pre-trained on the old one.
        var otherVocabulary = BuiltInModelSize.English with { TrainedVocabularySize = 4096 };
        Assert.NotEqual(BuiltInModelSize.English.CacheKey, otherVocabulary.CacheKey);
    }

    [Fact]
    public void An_unknown_size_names_every_size_there_is()
    {
        var error = Assert.Throws<BadInputException>(() => BuiltInModelSize.Parse("huge"));
        Assert.Contains("english", error.Message);
        Assert.Contains("standard", error.Message);
        Assert.Contains("tiny", error.Message);
    }

    [Fact]
    public void The_english_pretraining_options_survive_the_round_trip_through_a_recipe()
    {
        var options = BuiltInBaseModel.PretrainingOptions(BuiltInModelSize.English) is var defaults
            ? defaults with { Data = defaults.Data with { ValidationFile = "english-v1-heldout.txt" } }
            : null!;
        var reloaded = RecipeMapper.ToFineTuningOptions(RecipeMapper.ToRecipe(options, "initial", [EnglishCorpus.TrainFileName], "run"));
        Assert.Equal(options, reloaded);
        Assert.Equal("%", options.Data.PlainTextSeparator);
    }

    [Fact]
    public void The_tokenizer_is_learned_from_the_corpus_file_to_the_asked_size_and_the_same_file_gives_the_same_tokenizer()
    {
        var directory = Directory.CreateTempSubdirectory("twinforge-english-tokenizer-");
        try
        {
            var corpus = Path.Combine(directory.FullName, "corpus.txt");
            var words = new[] { "the", "network", "is", "slow", "because", "of", "solar", "flares", "and", "cosmic", "rays", "today" };
            var random = new Random(3);
            File.WriteAllLines(corpus, Enumerable.Range(0, 400).Select(_ => string.Join(' ', Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)]))));

            var first = BuiltInBaseModel.TrainedTokenizer(corpus, vocabularySize: 300);
            var second = BuiltInBaseModel.TrainedTokenizer(corpus, vocabularySize: 300);
            Assert.Equal(300, first.VocabularySize);
            var text = "the network is slow because of cosmic rays";
            var ids = first.Encode(text);
            Assert.Equal(ids, second.Encode(text));
            Assert.True(ids.Count < text.Length / 2, $"{ids.Count} tokens for {text.Length} bytes: frequent words should be merged");
            Assert.Equal(text, first.Decode(ids));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
