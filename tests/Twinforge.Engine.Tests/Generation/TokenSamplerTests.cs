using Twinforge.Engine.Generation;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Generation;

public sealed class TokenSamplerTests
{
    static readonly float[] Logits = [1.0f, 3.0f, -2.0f, 2.9f, 0.5f];

    [Fact]
    public void Greedy_picks_the_largest_logit()
    {
        using var sampler = new TokenSampler(new GenerationOptions());
        Assert.Equal(1, sampler.Next(tensor(Logits), []));
    }

    [Fact]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_logits()
    {
        // Penalty 2 on token 1 (3.0 → 1.5) makes token 3 (2.9) the greedy choice; on token 2 (−2 → −4) nothing changes.
        using var sampler = new TokenSampler(new GenerationOptions { RepetitionPenalty = 2.0 });
        Assert.Equal(3, sampler.Next(tensor(Logits), [1, 2]));
    }

    [Fact]
    public void Top_k_of_one_always_samples_the_most_likely_token()
    {
        using var sampler = new TokenSampler(new GenerationOptions { Temperature = 5.0, TopK = 1, Seed = 3 });
        for (int i = 0; i < 50; i++) Assert.Equal(1, sampler.Next(tensor(Logits), []));
    }

    [Fact]
    public void Scores_of_a_diverged_model_are_refused_in_words_not_by_libtorchs_check()
    {
        using var sampler = new TokenSampler(new GenerationOptions { Temperature = 0.7, TopK = 3, Seed = 1 });
        var error = Assert.Throws<NonFiniteScoresException>(() => sampler.Next(tensor(new[] { 0.5f, float.NaN, 1f, 2f }), []));
        Assert.Contains("diverged", error.Message);
        Assert.Throws<NonFiniteScoresException>(() => sampler.Next(tensor(new[] { float.PositiveInfinity, float.PositiveInfinity, 1f, 2f }), []));
    }

    [Fact]
    public void Top_p_keeps_only_the_nucleus()
    {
        // softmax(Logits): token 1 ≈ 0.45, token 3 ≈ 0.41, the rest ≈ 0.14 together. p = 0.8 keeps tokens 1 and 3.
        using var sampler = new TokenSampler(new GenerationOptions { Temperature = 1.0, TopP = 0.8, Seed = 9 });
        var drawn = Enumerable.Range(0, 300).Select(_ => sampler.Next(tensor(Logits), [])).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 3 }, drawn);
    }

    [Fact]
    public void Sampling_follows_the_softmax_distribution()
    {
        using var sampler = new TokenSampler(new GenerationOptions { Temperature = 1.0, Seed = 4 });
        var counts = new int[Logits.Length];
        const int draws = 4000;
        for (int i = 0; i < draws; i++) counts[sampler.Next(tensor(Logits), [])]++;
        var exp = Logits.Select(l => Math.Exp(l)).ToArray();
        for (int token = 0; token < Logits.Length; token++)
            Assert.Equal(exp[token] / exp.Sum(), counts[token] / (double)draws, 1); // within 0.05
    }

    [Theory]
    [InlineData(-1, 0, 1.0, 1.0)]
    [InlineData(10, -1, 1.0, 1.0)]
    [InlineData(10, 0, 0.0, 1.0)]
    [InlineData(10, 0, 1.0, 0.0)]
    public void Out_of_range_options_are_rejected(int maxNew, int topK, double topP, double penalty)
    {
        var options = new GenerationOptions { MaxNewTokens = maxNew, TopK = topK, TopP = topP, RepetitionPenalty = penalty };
        Assert.Throws<ArgumentException>(() => options.Validate());
    }
}
