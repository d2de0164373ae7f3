using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Watermarking;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Watermarking;

/// <summary>
/// Generation with a watermark on a tiny random model. Its next-token distributions are close to uniform (high
/// entropy), where the watermark is strongest: 200 sampled tokens carry it far beyond z = 4.
/// </summary>
[Collection("Torch")]
public sealed class WatermarkedGenerationTests
{
    static readonly ByteLevelTokenizer Tokenizer = new();
    static readonly WatermarkSettings Settings = new(new WatermarkKey("org-a", Enumerable.Range(0, 32).Select(i => (byte)(i + 1)).ToArray()));
    static readonly WatermarkSettings AnotherKey = Settings with { Key = new WatermarkKey("org-b", Enumerable.Range(0, 32).Select(i => (byte)(i + 2)).ToArray()) };
    static readonly IReadOnlyList<int> Prompt = Tokenizer.Encode("The printer is on fire");

    static CausalLanguageModel CreateModel() =>
        TinyModels.Create(TinyModels.Llama() with { VocabularySize = Tokenizer.VocabularySize, EosTokenIds = [], MaxPositions = 256 });

    static GenerationOptions Sampling(WatermarkSettings? watermark, long seed = 11) =>
        new() { MaxNewTokens = 200, Temperature = 1.0, Seed = seed, Watermark = watermark };

    [Fact]
    public void Watermarked_samples_are_detected_with_the_key_and_not_with_another()
    {
        using var model = CreateModel();
        using var generator = new TokenGenerator(model);
        var output = generator.Generate(Prompt, Sampling(Settings)).ToList();

        var withKey = WatermarkDetector.Detect(output, Settings);
        var withAnotherKey = WatermarkDetector.Detect(output, AnotherKey);

        Assert.Equal(200, output.Count);
        Assert.True(withKey.Detected && withKey.ZScore > 8, $"z = {withKey.ZScore}");
        Assert.True(withKey.PValue < 1e-15);
        Assert.False(withAnotherKey.Detected, $"z = {withAnotherKey.ZScore}");
    }

    [Fact]
    public void Unwatermarked_samples_are_not_detected()
    {
        using var model = CreateModel();
        using var generator = new TokenGenerator(model);
        foreach (long seed in new long[] { 1, 2, 3 })
        {
            var detection = WatermarkDetector.Detect(generator.Generate(Prompt, Sampling(null, seed)).ToList(), Settings);
            Assert.False(detection.Detected, $"seed {seed}: z = {detection.ZScore}");
        }
    }

    [Fact]
    public void The_watermark_changes_the_sample_and_the_same_seed_reproduces_it()
    {
        using var model = CreateModel();
        using var generator = new TokenGenerator(model);
        var plain = generator.Generate(Prompt, Sampling(null)).ToList();
        var first = generator.Generate(Prompt, Sampling(Settings)).ToList();
        var second = generator.Generate(Prompt, Sampling(Settings)).ToList();
        Assert.NotEqual(plain, first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Chat_whole_and_streamed_is_watermarked()
    {
        using var model = CreateModel();
        using var generator = new TextGenerator(model, Tokenizer);
        var messages = new[] { new ChatMessage(ChatRole.User, "Why is the network down?") };
        var options = Sampling(Settings) with { MaxNewTokens = 120 };
        var whole = generator.Chat(messages, options);
        GenerationResult? streamed = null;
        _ = string.Concat(generator.StreamChat(messages, options, result => streamed = result));

        Assert.Equal(whole.TokenIds, streamed!.TokenIds);
        var detection = WatermarkDetector.Detect(whole.TokenIds, Settings);
        Assert.True(detection.Detected, $"z = {detection.ZScore} over {detection.ScoredTokens} tokens");
    }

    [Fact]
    public void Every_stream_of_a_batch_is_watermarked()
    {
        using var model = CreateModel();
        using var generator = new BatchTokenGenerator(model);
        var prompts = new[] { Prompt, Tokenizer.Encode("Why?") };
        var outputs = generator.Generate(prompts, Sampling(Settings) with { MaxNewTokens = 80 });
        foreach (var output in outputs)
        {
            var detection = WatermarkDetector.Detect(output, Settings);
            Assert.True(detection.Detected, $"z = {detection.ZScore}");
        }
    }

    [Fact]
    public void A_greedy_choice_within_delta_of_the_best_goes_to_a_green_token()
    {
        // One token leads by 1 < δ = 2: unless it is green itself, a green token (raised by 2) overtakes it.
        var greenList = new GreenList(Settings);
        const int previous = 65;
        int leader = Enumerable.Range(0, 100).First(token => !greenList.Contains(previous, token));
        var logits = new float[100];
        logits[leader] = 1.0f;
        using var sampler = new TokenSampler(new GenerationOptions { Watermark = Settings });
        using var scores = tensor(logits);
        int chosen = sampler.Next(scores, [previous]);
        Assert.NotEqual(leader, chosen);
        Assert.True(greenList.Contains(previous, chosen));

        // A lead above δ survives the watermark.
        logits[leader] = 3.0f;
        using var clearLead = tensor(logits);
        Assert.Equal(leader, sampler.Next(clearLead, [previous]));
    }
}
