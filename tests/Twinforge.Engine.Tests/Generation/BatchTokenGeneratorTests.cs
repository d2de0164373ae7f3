using Twinforge.Engine.Generation;
using Twinforge.Engine.Tests.Models;

namespace Twinforge.Engine.Tests.Generation;

[Collection("Torch")]
public sealed class BatchTokenGeneratorTests
{
    static List<int> Prompt(int length, int vocabularySize, int seed) =>
        TinyModels.RandomTokens(length, vocabularySize, seed).Select(id => (int)id).ToList();

    [Theory]
    [MemberData(nameof(TinyModels.AllConfigs), MemberType = typeof(TinyModels))]
    public void Each_stream_of_left_padded_prompts_gets_what_single_stream_greedy_decoding_gives(string configName)
    {
        var config = TinyModels.ByName(configName) with { EosTokenIds = [] };
        using var model = TinyModels.Create(config);
        var prompts = new[] { 3, 7, 1, 5 }.Select((length, i) => Prompt(length, config.VocabularySize, seed: 31 + i)).ToList();
        var options = new GenerationOptions { MaxNewTokens = 12 };

        using var batch = new BatchTokenGenerator(model);
        var batched = batch.Generate(prompts, options);

        using var single = new TokenGenerator(model);
        Assert.Equal(prompts.Count, batched.Count);
        for (int stream = 0; stream < prompts.Count; stream++)
            Assert.Equal(single.Generate(prompts[stream], options).ToList(), batched[stream]);
    }

    [Fact]
    public void Prompts_of_one_length_decode_without_masks_and_match_single_streams()
    {
        var config = TinyModels.Llama() with { EosTokenIds = [] };
        using var model = TinyModels.Create(config);
        var prompts = Enumerable.Range(0, 6).Select(i => Prompt(4, config.VocabularySize, seed: 70 + i)).ToList();
        var options = new GenerationOptions { MaxNewTokens = 10 };

        using var batch = new BatchTokenGenerator(model);
        var batched = batch.Generate(prompts, options);

        using var single = new TokenGenerator(model);
        for (int stream = 0; stream < prompts.Count; stream++)
            Assert.Equal(single.Generate(prompts[stream], options).ToList(), batched[stream]);
    }

    [Fact]
    public void A_stream_ends_at_its_stop_token_while_the_others_go_on()
    {
        var config = TinyModels.Gpt2() with { EosTokenIds = [] };
        using var model = TinyModels.Create(config);
        var prompts = new[] { Prompt(2, config.VocabularySize, 5), Prompt(4, config.VocabularySize, 6) };
        using var batch = new BatchTokenGenerator(model);
        var free = batch.Generate(prompts, new GenerationOptions { MaxNewTokens = 8 });
        int stopAt = free[0][2];

        var stopped = batch.Generate(prompts, new GenerationOptions { MaxNewTokens = 8, StopTokenIds = [stopAt] });

        Assert.Equal(free[0].TakeWhile(id => id != stopAt), stopped[0]);
        Assert.Equal(free[1].TakeWhile(id => id != stopAt), stopped[1]);
        using var single = new TokenGenerator(model);
        Assert.Equal(single.Generate(prompts[0], new GenerationOptions { MaxNewTokens = 8, StopTokenIds = [stopAt] }), stopped[0]);
    }

    [Fact]
    public void Seeded_sampling_is_reproducible()
    {
        using var model = TinyModels.Create(TinyModels.Gpt2() with { EosTokenIds = [] });
        var prompts = new[] { new[] { 5, 6 }, new[] { 7, 8, 9 } };
        var options = new GenerationOptions { MaxNewTokens = 10, Temperature = 1.2, TopK = 20, Seed = 3 };

        using var firstGenerator = new BatchTokenGenerator(model);
        using var secondGenerator = new BatchTokenGenerator(model);
        var first = firstGenerator.Generate(prompts, options);
        var second = secondGenerator.Generate(prompts, options);

        Assert.Equal(first, second);
        Assert.All(first, output => Assert.Equal(10, output.Count));
    }

    [Fact]
    public void An_empty_prompt_is_refused_by_its_index()
    {
        using var model = TinyModels.Create(TinyModels.Gpt2());
        using var batch = new BatchTokenGenerator(model);
        var error = Assert.Throws<ArgumentException>(() => batch.Generate([[1, 2], []], new GenerationOptions()));
        Assert.Contains("prompt 1", error.Message);
    }
}
