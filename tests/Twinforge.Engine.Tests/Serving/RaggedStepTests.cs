using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Serving;

/// <summary>
/// One ragged step of <see cref="InferenceSession.ForwardRagged"/> against each stream's logits computed alone by the
/// plain model with the adapter attached (an independent path: no cache, no session, the module's own adapter
/// arithmetic).
/// </summary>
[Collection("Torch")]
public sealed class RaggedStepTests
{
    public static IEnumerable<object[]> Families() => [["gpt2"], ["llama"]];

    [Theory]
    [MemberData(nameof(Families))]
    public void Float32_logits_of_every_stream_match_the_stream_alone(string family)
    {
        using var fixture = new ServingFixture(TinyModels.ByName(family), ScalarType.Float32, ServingFixture.MixedTwins);
        var worst = MaxLogitErrors(fixture, ScalarType.Float32);
        Assert.All(worst, error => Assert.InRange(error, 0, 1e-5));
    }

    /// <summary>
    /// bf16 products, cache and adapter factors against the float32 model alone: the stated tolerance is 0.03 on any
    /// logit (bf16 keeps 8 bits of mantissa, a relative rounding of up to 0.4% per product, which the layers
    /// accumulate). Measured: at most 0.0096 (GPT-2) and 0.0062 (Llama). Float32 matches to 3·10⁻⁷.
    /// </summary>
    [Theory]
    [MemberData(nameof(Families))]
    public void BFloat16_logits_of_every_stream_are_within_the_stated_tolerance_of_the_float32_stream_alone(string family)
    {
        using var fixture = new ServingFixture(TinyModels.ByName(family), ScalarType.Float32, ServingFixture.MixedTwins);
        var worst = MaxLogitErrors(fixture, ScalarType.BFloat16);
        Assert.All(worst, error => Assert.InRange(error, 0, 0.03));
    }

    /// <summary>
    /// Runs 4 streams (three adapters and the bare base; prompts of 5, 9, 1 and 6 tokens) through two ragged steps —
    /// the first feeds a prompt chunk of each, the second the rest, so the second step reads the caches the first
    /// wrote — with the model's compute dtype set to <paramref name="dtype"/>; returns each stream's largest logit
    /// error against the float32 model alone.
    /// </summary>
    static double[] MaxLogitErrors(ServingFixture fixture, ScalarType dtype)
    {
        int vocabulary = fixture.Model.Config.VocabularySize;
        var twins = new[] { "ada", "bo", null, "cy" };
        var prompts = new[] { 5, 9, 1, 6 }.Select((length, i) => ServingFixture.Prompt(length, vocabulary, 60 + i)).ToList();
        var expected = twins.Select((twin, i) => fixture.SoloLogits(twin, prompts[i])).ToList();

        var adapters = twins.Select(twin => twin is null ? null : AdapterWeights.Load(fixture.Model, fixture.AdapterDirectory(twin), dtype)).ToList();
        fixture.Model.ComputeDType = dtype == ScalarType.Float32 ? null : dtype;
        try
        {
            using var session = new InferenceSession(fixture.Model);
            var caches = prompts.Select(prompt => session.CreateStreamCache(prompt.Count)).ToList();
            int[] firstChunk = [3, 4, 1, 6];
            var first = prompts.Select((prompt, i) => new RaggedSegment(caches[i], prompt.Take(firstChunk[i]).ToList(), adapters[i],
                NeedsLogits: firstChunk[i] == prompt.Count)).ToList();
            using var firstLogits = session.ForwardRagged(first);
            Assert.Equal(2, firstLogits.shape[0]); // the two prompts fed whole
            var second = prompts.Select((prompt, i) => (Prompt: prompt, Index: i)).Where(entry => firstChunk[entry.Index] < entry.Prompt.Count)
                .Select(entry => new RaggedSegment(caches[entry.Index], entry.Prompt.Skip(firstChunk[entry.Index]).ToList(), adapters[entry.Index], NeedsLogits: true))
                .ToList();
            using var secondLogits = session.ForwardRagged(second);

            var errors = new double[prompts.Count];
            int[] rowOf = [0, 1, 0, 1];   // stream → row of the step that completed its prompt
            bool[] inFirst = [false, false, true, true];
            for (int i = 0; i < prompts.Count; i++)
            {
                using var row = (inFirst[i] ? firstLogits : secondLogits)[rowOf[i]].to(float32);
                errors[i] = (row - expected[i]).abs().max().item<float>();
            }
            foreach (var cache in caches) cache.Dispose();
            return errors;
        }
        finally
        {
            fixture.Model.ComputeDType = null;
            foreach (var adapter in adapters) adapter?.Dispose();
            foreach (var logits in expected) logits.Dispose();
        }
    }
}
