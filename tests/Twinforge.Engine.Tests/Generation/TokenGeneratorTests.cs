using Twinforge.Engine.Generation;
using Twinforge.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Generation;

[Collection("Torch")]
public sealed class TokenGeneratorTests
{
    [Theory]
    [MemberData(nameof(TinyModels.AllConfigs), MemberType = typeof(TinyModels))]
    public void Cached_greedy_generation_gives_the_tokens_of_full_recomputation(string configName)
    {
        var config = TinyModels.ByName(configName) with { EosTokenIds = [] };
        using var model = TinyModels.Create(config);
        var prompt = TinyModels.RandomTokens(4, config.VocabularySize, seed: 11).Select(id => (int)id).ToList();

        using var generator = new TokenGenerator(model);
        var cached = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 15 }).ToList();

        var recomputed = new List<int>(prompt);
        using (no_grad())
        {
            for (int step = 0; step < 15; step++)
            {
                using var scope = NewDisposeScope();
                var logits = model.forward(tensor(recomputed.Select(id => (long)id).ToArray()).unsqueeze(0));
                recomputed.Add((int)logits[0, -1].argmax().item<long>());
            }
        }
        Assert.Equal(recomputed.Skip(prompt.Count), cached);
    }

    [Fact]
    public void Generation_stops_at_an_end_of_sequence_token_without_yielding_it()
    {
        var config = TinyModels.Llama();
        using var model = TinyModels.Create(config);
        var prompt = new[] { 1, 2, 3 };
        using var generator = new TokenGenerator(model);
        var free = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 10 }).ToList();
        int stopAt = free[3];
        int firstIndex = free.IndexOf(stopAt);

        var stopped = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 10, StopTokenIds = [stopAt] }).ToList();

        Assert.Equal(free.Take(firstIndex), stopped);
    }

    [Fact]
    public void Sampling_with_a_seed_is_reproducible_and_differs_across_seeds()
    {
        using var model = TinyModels.Create(TinyModels.Gpt2() with { EosTokenIds = [] });
        using var generator = new TokenGenerator(model);
        List<int> Run(long seed) => generator.Generate([5, 6], new GenerationOptions
        {
            MaxNewTokens = 20, Temperature = 1.5, TopK = 40, TopP = 0.95, Seed = seed,
        }).ToList();

        Assert.Equal(Run(1), Run(1));
        Assert.NotEqual(Run(1), Run(2));
    }

    /// <summary>
    /// At the context's end, whatever the positions: GPT-2 has no 25th learned position, and a rotary (Llama) model
    /// would compute one but never trained on it, and ran on into repetition until this stopped it too.
    /// </summary>
    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Generation_stops_at_the_context_length(string family)
    {
        var config = (family == "gpt2" ? TinyModels.Gpt2() : TinyModels.Llama() with { MaxPositions = 24 }) with { EosTokenIds = [] }; // 24 positions
        using var model = TinyModels.Create(config);
        using var generator = new TokenGenerator(model);
        var output = generator.Generate(Enumerable.Range(1, 20).ToList(), new GenerationOptions { MaxNewTokens = 50 }).ToList();
        // Positions 20…23 hold the first four generated tokens; the fifth is predicted from the full context and
        // would need a 25th position to be fed back, so generation ends there.
        Assert.Equal(5, output.Count);
    }

    // A prompt is the user's text: one the model cannot take is bad input, not a caller's mistake.
    [Fact]
    public void A_prompt_longer_than_the_context_is_bad_input()
    {
        var config = TinyModels.Llama();
        using var model = TinyModels.Create(config);
        var prompt = Enumerable.Repeat(1, config.MaxPositions + 1).ToList();

        var error = Assert.Throws<BadInputException>(() => new TokenGenerator(model).Generate(prompt, new GenerationOptions()).ToList());

        Assert.Contains($"the prompt has {config.MaxPositions + 1} tokens; the model's context is {config.MaxPositions}", error.Message);
    }

    [Fact]
    public void An_empty_prompt_is_bad_input()
    {
        using var model = TinyModels.Create(TinyModels.Llama());

        Assert.Throws<BadInputException>(() => new TokenGenerator(model).Generate([], new GenerationOptions()).ToList());
    }
}
