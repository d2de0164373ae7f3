using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Models;
using Twinforge.Engine.Tests.Serving;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Generation;

/// <summary>
/// The fused one-token decoding step (<see cref="SingleTokenStep"/>) against the plain model's full forward pass, which
/// never reads the session's copies or the step's buffers: every family and activation, mixed precision, the step
/// actually taken (not a silent fallback), and a ragged step's own adapter against the module's adapter arithmetic.
/// </summary>
[Collection("Torch")]
public sealed class SingleTokenStepTests
{
    public static IEnumerable<object[]> Shapes() =>
    [
        ["gpt2"], ["gpt2-exact-gelu"], ["llama"], ["llama-tied"], ["qwen2"], ["llama-64-dimension-heads"],
    ];

    static TransformerConfig Config(string name) => name switch
    {
        "gpt2-exact-gelu" => TinyModels.ByName("gpt2") with { Activation = "gelu" },
        // Whole SIMD blocks in the products and the attention (the tiny configs' 8-dimension heads take the scalar tails).
        "llama-64-dimension-heads" => TransformerConfig.Llama(vocabularySize: 59, hiddenSize: 256, layerCount: 2, headCount: 4,
            keyValueHeadCount: 2, intermediateSize: 256, maxPositions: 32, tieWordEmbeddings: false),
        _ => TinyModels.ByName(name),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void One_token_steps_are_fused_and_give_the_full_forward_pass_logits(string shape)
    {
        var config = Config(shape);
        using var model = TinyModels.Create(config);
        var tokens = TinyModels.RandomTokens(9, config.VocabularySize, seed: 3);
        using var noGrad = no_grad();
        using var full = model.forward(tensor(tokens).unsqueeze(0));

        using var session = new InferenceSession(model);
        session.Start(batchSize: 1, capacity: tokens.Length);
        var pieces = new List<Tensor> { session.Forward(tensor(tokens[..3]).unsqueeze(0)) };
        Assert.False(session.DecodesSingleTokensInPlace); // a prompt of three goes through libtorch
        for (int t = 3; t < tokens.Length; t++) pieces.Add(session.Forward(tensor(tokens[t..(t + 1)]).unsqueeze(0)));
        using var incremental = cat(pieces, 1);

        Assert.True(session.DecodesSingleTokensInPlace);
        double error = (incremental - full).abs().max().item<float>();
        Assert.InRange(error, 0, 1e-5);
        foreach (var piece in pieces) piece.Dispose();
    }

    /// <summary>float32 parameters with bfloat16 products (training's mixed precision): float32 logits within bf16's rounding.</summary>
    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama-64-dimension-heads")]
    public void Mixed_precision_steps_are_fused_and_within_bfloat16_rounding_of_float32(string shape)
    {
        var config = Config(shape);
        using var model = TinyModels.Create(config);
        var tokens = TinyModels.RandomTokens(8, config.VocabularySize, seed: 4);
        using var noGrad = no_grad();
        using var full = model.forward(tensor(tokens).unsqueeze(0));
        model.ComputeDType = ScalarType.BFloat16;

        using var session = new InferenceSession(model);
        session.Start(batchSize: 1, capacity: tokens.Length);
        var pieces = new List<Tensor> { session.Forward(tensor(tokens[..2]).unsqueeze(0)) };
        for (int t = 2; t < tokens.Length; t++) pieces.Add(session.Forward(tensor(tokens[t..(t + 1)]).unsqueeze(0)));
        using var incremental = cat(pieces, 1);

        Assert.True(session.DecodesSingleTokensInPlace);
        Assert.Equal(ScalarType.Float32, incremental.dtype);
        double scale = full.abs().max().item<float>(), error = (incremental - full).abs().max().item<float>();
        Assert.InRange(error, 0, 0.03 * scale);
        foreach (var piece in pieces) piece.Dispose();
    }

    /// <summary>A stream decoding alone in a ragged step, with its twin's adapter, against the model with that adapter attached.</summary>
    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void A_lone_decoding_stream_with_an_adapter_is_fused_and_matches_the_model_with_the_adapter_attached(string family)
    {
        using var fixture = new ServingFixture(TinyModels.ByName(family), ScalarType.Float32, ServingFixture.MixedTwins);
        var prompt = ServingFixture.Prompt(6, fixture.Model.Config.VocabularySize, seed: 11);
        using var expected = fixture.SoloLogits("cy", prompt);
        using var adapter = AdapterWeights.Load(fixture.Model, fixture.AdapterDirectory("cy"), ScalarType.Float32);
        using var session = new InferenceSession(fixture.Model);
        using var cache = session.CreateStreamCache(prompt.Count);
        using (session.ForwardRagged([new RaggedSegment(cache, prompt.Take(5).ToList(), adapter, NeedsLogits: false)])) { }
        Assert.False(session.DecodesSingleTokensInPlace);
        using var last = session.ForwardRagged([new RaggedSegment(cache, [prompt[5]], adapter, NeedsLogits: true)]);

        Assert.True(session.DecodesSingleTokensInPlace);
        Assert.Equal(6, cache.Length);
        double error = (last[0] - expected).abs().max().item<float>();
        Assert.InRange(error, 0, 1e-5);
    }

    [Fact]
    public void A_full_cache_is_refused_with_its_size_and_nothing_is_written()
    {
        var config = TinyModels.ByName("llama");
        using var model = TinyModels.Create(config);
        using var noGrad = no_grad();
        using var session = new InferenceSession(model);
        session.Start(batchSize: 1, capacity: 2);
        using (session.Forward(tensor(new long[] { 1 }).unsqueeze(0))) { }
        using (session.Forward(tensor(new long[] { 2 }).unsqueeze(0))) { }
        var error = Assert.Throws<InvalidOperationException>(() => session.Forward(tensor(new long[] { 3 }).unsqueeze(0)));
        Assert.Contains("holds 2 positions", error.Message);
        Assert.Equal(2, session.Length);
    }
}
