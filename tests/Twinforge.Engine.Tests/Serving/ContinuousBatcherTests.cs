using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using Twinforge.Engine.Serving;
using Twinforge.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Serving;

[Collection("Torch")]
public sealed class ContinuousBatcherTests
{
    // Small chunks and budget so that the tiny prompts are still prefilled over several steps, beside decoding streams.
    static readonly BatcherOptions SmallSteps = new() { PrefillChunkTokens = 4, StepTokenBudget = 9 };

    static TransformerConfig Config(string family) => family == "gpt2" ? TinyModels.Gpt2() with { MaxPositions = 96 } : TinyModels.Llama();

    public static IEnumerable<object[]> Families() => [["gpt2"], ["llama"]];

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Every_stream_gets_exactly_the_greedy_tokens_it_gets_decoded_alone_with_its_adapter_attached(string family)
    {
        using var fixture = new ServingFixture(Config(family), ScalarType.Float32, ServingFixture.MixedTwins);
        int vocabulary = fixture.Model.Config.VocabularySize;
        var requests = new (string? Twin, List<int> Prompt, int MaxNewTokens)[]
        {
            ("ada", ServingFixture.Prompt(3, vocabulary, 1), 80), // long enough that the later requests join while it runs
            ("bo", ServingFixture.Prompt(11, vocabulary, 2), 12),
            (null, ServingFixture.Prompt(1, vocabulary, 3), 20),
            ("cy", ServingFixture.Prompt(17, vocabulary, 4), 9),
            ("ada", ServingFixture.Prompt(6, vocabulary, 5), 15),
            ("cy", ServingFixture.Prompt(2, vocabulary, 6), 25),
        };
        using var cache = fixture.Cache();
        // Every adapter is loaded before, so that the later submissions take microseconds, not a file read, while the
        // first stream runs.
        var leases = requests.Select(request => request.Twin is null ? null : cache.Acquire(request.Twin)).ToList();

        // The first two start together; the rest join while the first is decoding — unless the test's thread is kept
        // off the CPU for the first stream's 80 steps (a loaded machine running other tests): then the whole round
        // is tried again, and each round's tokens are checked all the same.
        for (int attempt = 1; ; attempt++)
        {
            using var batcher = new ContinuousBatcher(fixture.Model, SmallSteps);
            var streams = new List<BatchedStream>();
            for (int index = 0; index < requests.Length; index++)
            {
                var (_, prompt, maxNewTokens) = requests[index];
                streams.Add(batcher.Submit(prompt, new GenerationOptions { MaxNewTokens = maxNewTokens }, leases[index]));
                if (index == 1) WaitForFirstToken(streams[0]);
            }
            var batched = streams.Select(stream => stream.ReadAll()).ToList();

            for (int index = 0; index < requests.Length; index++)
            {
                var (twin, prompt, maxNewTokens) = requests[index];
                Assert.Equal(fixture.Solo(twin, prompt, new GenerationOptions { MaxNewTokens = maxNewTokens }), batched[index]);
                Assert.Equal(StreamFinishReason.Length, await streams[index].Completion);
            }
            Assert.True(streams.Skip(2).All(stream => stream.JoinedAtStep > streams[0].JoinedAtStep), "the later requests joined a running batch");
            // The adapters differ: not every stream of one prompt would give the same tokens.
            Assert.NotEqual(fixture.Solo(null, requests[0].Prompt, new GenerationOptions { MaxNewTokens = 80 }), batched[0]);
            if (streams.Skip(2).Any(stream => stream.JoinedAtStep < streams[0].LeftAtStep)) break;
            Assert.True(attempt < 5, "in 5 rounds no later request ran beside the first");
        }
    }

    [Fact]
    public void A_stream_that_joins_late_and_ends_early_leaves_without_waiting_for_the_long_one()
    {
        using var fixture = new ServingFixture(Config("llama"), ScalarType.Float32, ServingFixture.MixedTwins);
        int vocabulary = fixture.Model.Config.VocabularySize;
        using var cache = fixture.Cache();
        using var batcher = new ContinuousBatcher(fixture.Model, SmallSteps);
        var longPrompt = ServingFixture.Prompt(4, vocabulary, 10);
        var shortPrompt = ServingFixture.Prompt(5, vocabulary, 11);

        var longStream = batcher.Submit(longPrompt, new GenerationOptions { MaxNewTokens = 58 }, cache.Acquire("ada"));
        WaitForFirstToken(longStream);
        var shortStream = batcher.Submit(shortPrompt, new GenerationOptions { MaxNewTokens = 3 }, cache.Acquire("bo"));
        var shortTokens = shortStream.ReadAll();
        var longTokens = longStream.ReadAll();

        Assert.InRange(shortStream.JoinedAtStep, longStream.JoinedAtStep + 1, longStream.LeftAtStep);
        Assert.True(shortStream.LeftAtStep < longStream.LeftAtStep, "the short stream left while the long one still ran");
        // Two prompt steps (5 tokens in chunks of 4), then one step per token after the first.
        Assert.Equal(shortStream.JoinedAtStep + 1 + 2, shortStream.LeftAtStep);
        Assert.Equal(fixture.Solo("bo", shortPrompt, new GenerationOptions { MaxNewTokens = 3 }), shortTokens);
        Assert.Equal(fixture.Solo("ada", longPrompt, new GenerationOptions { MaxNewTokens = 58 }), longTokens);
    }

    [Fact]
    public async Task A_cancelled_stream_leaves_at_once_and_the_others_are_unaffected()
    {
        using var fixture = new ServingFixture(Config("gpt2"), ScalarType.Float32, ServingFixture.MixedTwins);
        int vocabulary = fixture.Model.Config.VocabularySize;
        using var cache = fixture.Cache();
        using var batcher = new ContinuousBatcher(fixture.Model, SmallSteps);
        using var cancellation = new CancellationTokenSource();
        var prompts = Enumerable.Range(0, 3).Select(i => ServingFixture.Prompt(5 + i, vocabulary, 20 + i)).ToList();
        var options = new GenerationOptions { MaxNewTokens = 60 };

        var cancelled = batcher.Submit(prompts[0], options, cache.Acquire("cy"), cancellation.Token);
        var others = new[] { batcher.Submit(prompts[1], options, cache.Acquire("ada")), batcher.Submit(prompts[2], options) };
        var received = new List<int>();
        for (int i = 0; i < 3; i++) received.Add((await cancelled.Tokens.ReadAsync()).Id);
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => cancelled.ReadAll());
        Assert.Equal(StreamFinishReason.Cancelled, await cancelled.Completion);
        var outputs = others.Select(stream => stream.ReadAll()).ToList();
        // The references attach adapters to the base, so they run once the batcher has nothing left to serve.
        Assert.Equal(fixture.Solo("ada", prompts[1], options), outputs[0]);
        Assert.Equal(fixture.Solo(null, prompts[2], options), outputs[1]);
        Assert.Equal(fixture.Solo("cy", prompts[0], options).Take(3), received);
        Assert.True(cancelled.LeftAtStep < others[0].LeftAtStep, "the cancelled stream left before the others ended");
        Assert.Equal(0, batcher.RunningStreams);
    }

    [Fact]
    public async Task Stop_tokens_and_seeded_sampling_behave_as_with_the_single_stream_generator()
    {
        using var fixture = new ServingFixture(Config("llama"), ScalarType.Float32, ServingFixture.MixedTwins);
        int vocabulary = fixture.Model.Config.VocabularySize;
        using var cache = fixture.Cache();
        using var batcher = new ContinuousBatcher(fixture.Model, SmallSteps);
        var prompt = ServingFixture.Prompt(7, vocabulary, 40);
        var sampling = new GenerationOptions { MaxNewTokens = 20, Temperature = 0.9, TopK = 12, TopP = 0.95, RepetitionPenalty = 1.2, Seed = 5 };
        var free = fixture.Solo("bo", prompt, new GenerationOptions { MaxNewTokens = 20 });
        var stopping = new GenerationOptions { MaxNewTokens = 20, StopTokenIds = [free[4]] };

        var sampled = batcher.Submit(prompt, sampling, cache.Acquire("bo"));
        var stopped = batcher.Submit(prompt, stopping, cache.Acquire("bo"));
        var greedy = batcher.Submit(prompt, new GenerationOptions { MaxNewTokens = 20 }, cache.Acquire("bo"));

        var outputs = new[] { sampled, stopped, greedy }.Select(stream => stream.ReadAll()).ToList();

        Assert.Equal(fixture.Solo("bo", prompt, sampling), outputs[0]);
        Assert.Equal(free.TakeWhile(id => id != free[4]), outputs[1]);
        Assert.Equal(StreamFinishReason.Stop, await stopped.Completion);
        Assert.Equal(free, outputs[2]);
    }

    [Fact]
    public void More_requests_than_places_wait_and_all_complete()
    {
        using var fixture = new ServingFixture(Config("gpt2"), ScalarType.Float32, ServingFixture.MixedTwins);
        int vocabulary = fixture.Model.Config.VocabularySize;
        using var cache = fixture.Cache();
        using var batcher = new ContinuousBatcher(fixture.Model, SmallSteps with { MaxStreams = 2 });
        var twins = new string?[] { "ada", "bo", "cy", null, "ada" };
        var prompts = twins.Select((_, i) => ServingFixture.Prompt(2 + i, vocabulary, 50 + i)).ToList();
        var options = new GenerationOptions { MaxNewTokens = 6 };

        var streams = twins.Select((twin, i) => batcher.Submit(prompts[i], options, twin is null ? null : cache.Acquire(twin))).ToList();
        var outputs = streams.Select(stream => stream.ReadAll()).ToList();

        for (int i = 0; i < twins.Length; i++) Assert.Equal(fixture.Solo(twins[i], prompts[i], options), outputs[i]);
        Assert.True(streams[2].JoinedAtStep >= Math.Min(streams[0].LeftAtStep, streams[1].LeftAtStep), "the third waited for a place");
    }

    [Fact]
    public void Bad_prompts_are_refused_at_submission()
    {
        using var fixture = new ServingFixture(Config("gpt2"), ScalarType.Float32, ServingFixture.MixedTwins);
        using var batcher = new ContinuousBatcher(fixture.Model);
        Assert.Throws<BadInputException>(() => batcher.Submit([], new GenerationOptions()));
        Assert.Throws<BadInputException>(() => batcher.Submit(Enumerable.Repeat(1, 97).ToList(), new GenerationOptions()));
        Assert.Throws<ArgumentException>(() => batcher.Submit([fixture.Model.Config.VocabularySize], new GenerationOptions()));
        Assert.Empty(batcher.Submit([1, 2], new GenerationOptions { MaxNewTokens = 0 }).ReadAll());
    }

    [Fact]
    public void Asked_for_log_probabilities_a_stream_gets_the_first_tokens_from_its_model_alone()
    {
        using var fixture = new ServingFixture(Config("llama"), ScalarType.Float32, ServingFixture.MixedTwins);
        int vocabulary = fixture.Model.Config.VocabularySize;
        var prompt = ServingFixture.Prompt(5, vocabulary, 70);
        using var cache = fixture.Cache();
        using var batcher = new ContinuousBatcher(fixture.Model, SmallSteps);
        var asking = new GenerationOptions { MaxNewTokens = 5, TopLogprobs = 3 };

        var stream = batcher.Submit(prompt, asking, cache.Acquire("bo"));
        var beside = batcher.Submit(ServingFixture.Prompt(4, vocabulary, 71), new GenerationOptions { MaxNewTokens = 5 }, cache.Acquire("cy"));
        var tokens = ReadTokens(stream);

        Assert.All(ReadTokens(beside), token => Assert.Null(token.Logprob)); // the stream beside asked for none
        Assert.Equal(fixture.Solo("bo", prompt, asking with { TopLogprobs = null }), tokens.Select(token => token.Id));
        // The first token's figures against the prompt's logits from a plain forward pass with the adapter attached.
        using var expected = fixture.SoloLogits("bo", prompt).log_softmax(0);
        var first = tokens[0];
        Assert.Equal(expected[first.Id].item<float>(), first.Logprob!.Value, 1e-4f);
        var (topValues, topIds) = expected.topk(3);
        Assert.Equal(topIds.data<long>().Select(id => (int)id), first.TopAlternatives.Select(alternative => alternative.Id));
        Assert.All(tokens, token =>
        {
            Assert.Equal(3, token.TopAlternatives.Count);
            Assert.Equal(token.Id, token.TopAlternatives[0].Id); // greedy: the chosen token is the most likely
            Assert.Equal(token.TopAlternatives[0].Logprob, token.Logprob!.Value);
            Assert.True(token.Logprob <= 0);
        });
        topValues.Dispose();
        topIds.Dispose();
    }

    static List<GeneratedToken> ReadTokens(BatchedStream stream)
    {
        var tokens = new List<GeneratedToken>();
        while (stream.Tokens.WaitToReadAsync().AsTask().Result)
            while (stream.Tokens.TryRead(out var token)) tokens.Add(token);
        return tokens;
    }

    static void WaitForFirstToken(BatchedStream stream)
    {
        if (!stream.Tokens.WaitToReadAsync().AsTask().Wait(TimeSpan.FromSeconds(30)))
            throw new TimeoutException("the stream produced no token in 30 s");
    }
}
