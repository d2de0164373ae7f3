using Twinforge.Engine.Generation;
using Twinforge.Service.Completions;

namespace Twinforge.Service.Tests;

/// <summary>How a seeded request's choices are seeded: by the seed and the prompt, plus the choice's index.</summary>
public sealed class ChoiceSeedTests
{
    /// <summary>The seed a request seeded <paramref name="seed"/> samples <paramref name="prompt"/>'s first choice with, to repeat it in the engine.</summary>
    internal static long FirstChoiceSeed(long seed, CompletionPrompt prompt) => Seeded(seed).GenerationOf(prompt, 0).Seed!.Value;

    static CompletionSettings Seeded(long? seed) =>
        new("ana-style", new GenerationOptions { Temperature = 0.7, Seed = seed }, Choices: 2, Stream: false, IncludeUsage: false, User: null);

    static readonly CompletionPrompt Printer = new CompletionPrompt.Text("The printer is");
    static readonly CompletionPrompt Coffee = new CompletionPrompt.Text("The coffee machine is");

    [Fact]
    public void The_same_prompt_and_seed_give_the_same_seeds_and_the_choices_of_a_prompt_follow_each_other()
    {
        var settings = Seeded(7);

        Assert.Equal(settings.GenerationOf(Printer, 0).Seed, Seeded(7).GenerationOf(new CompletionPrompt.Text("The printer is"), 0).Seed);
        Assert.Equal(settings.GenerationOf(Printer, 0).Seed + 1, settings.GenerationOf(Printer, 1).Seed);
        Assert.InRange(settings.GenerationOf(Printer, 0).Seed!.Value, 0, (1L << 53) - 1);
    }

    [Fact]
    public void Different_prompts_or_seeds_do_not_share_their_random_draws()
    {
        var seeds = new[] { Seeded(7).GenerationOf(Printer, 0).Seed, Seeded(7).GenerationOf(Coffee, 0).Seed, Seeded(8).GenerationOf(Printer, 0).Seed };

        Assert.Equal(3, seeds.Distinct().Count());
        // Not merely shifted: a neighbour's choices would reuse the same draws.
        Assert.True(Math.Abs(seeds[0]!.Value - seeds[1]!.Value) > 8 && Math.Abs(seeds[0]!.Value - seeds[2]!.Value) > 8);
    }

    [Fact]
    public void Without_a_seed_each_choice_draws_its_own()
    {
        Assert.Null(Seeded(null).GenerationOf(Printer, 1).Seed);
    }
}
