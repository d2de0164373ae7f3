using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Models;

[Collection("Torch")]
public sealed class ForwardParityTests
{
    [Theory]
    [MemberData(nameof(TinyModels.AllConfigs), MemberType = typeof(TinyModels))]
    public void Logits_match_an_independent_float64_reference(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var tokens = TinyModels.RandomTokens(11, config.VocabularySize, seed: 3);

        using var logits = model.forward(tensor(tokens).unsqueeze(0));
        var actual = logits.squeeze(0).to(float64).data<double>().ToArray();
        var expected = new ReferenceTransformer(config, TinyModels.WeightsAsDoubles(model)).Logits(tokens);

        Assert.Equal(new long[] { 1, tokens.Length, config.VocabularySize }, logits.shape);
        double scale = expected.SelectMany(row => row).Max(Math.Abs);
        Assert.True(scale > 0.1, "logits too small for a meaningful comparison");
        for (int t = 0; t < tokens.Length; t++)
        for (int v = 0; v < config.VocabularySize; v++)
        {
            double reference = expected[t][v], value = actual[t * config.VocabularySize + v];
            Assert.True(Math.Abs(value - reference) <= 1e-4 * Math.Max(Math.Abs(reference), 1e-2 * scale),
                $"{configName}: logit[{t},{v}] = {value}, reference {reference}");
        }
    }

    [Theory]
    [MemberData(nameof(TinyModels.AllConfigs), MemberType = typeof(TinyModels))]
    public void Incremental_decoding_with_a_cache_matches_the_full_forward_pass(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var tokens = TinyModels.RandomTokens(12, config.VocabularySize, seed: 5);
        using var noGrad = no_grad();
        using var full = model.forward(tensor(tokens).unsqueeze(0));
        model.EnsureInferenceLayout(); // as generation does: one-token steps then run the matrix-vector kernel

        // Prefill 5 tokens, then a chunk of 3 (masked after a non-empty cache), then one token at a time.
        using var cache = new KeyValueCache(config, batchSize: 1, capacity: 16, ScalarType.Float32);
        var pieces = new List<Tensor>();
        foreach (var (start, length) in new[] { (0, 5), (5, 3), (8, 1), (9, 1), (10, 1), (11, 1) })
            pieces.Add(model.Forward(tensor(tokens[start..(start + length)]).unsqueeze(0), cache));
        using var incremental = cat(pieces, 1);

        Assert.Equal(12, cache.Length);
        Assert.True(allclose(incremental, full, rtol: 1e-5, atol: 1e-5),
            $"max difference {(incremental - full).abs().max().item<float>()}");
        foreach (var piece in pieces) piece.Dispose();
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Bfloat16_decoding_through_the_decoding_kernels_matches_the_full_forward_pass(string family)
    {
        // Heads of 64 dimensions, as real models have, so the kernel's whole-vector loops run (the tiny configs'
        // 8-dimension heads take its scalar tails); the Llama shape has grouped-query heads.
        var config = family == "gpt2"
            ? TransformerConfig.Gpt2(vocabularySize: 61, hiddenSize: 128, layerCount: 2, headCount: 2, maxPositions: 32)
            : TransformerConfig.Llama(vocabularySize: 59, hiddenSize: 256, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
                intermediateSize: 256, maxPositions: 32, tieWordEmbeddings: false);
        using var model = TinyModels.Create(config, dtype: ScalarType.BFloat16);
        var tokens = TinyModels.RandomTokens(10, config.VocabularySize, seed: 9);
        using var noGrad = no_grad();
        using var full = model.forward(tensor(tokens).unsqueeze(0)).to(float32);
        model.EnsureInferenceLayout();

        using var cache = new KeyValueCache(config, batchSize: 1, capacity: 10, ScalarType.BFloat16);
        var pieces = new List<Tensor> { model.Forward(tensor(tokens[..4]).unsqueeze(0), cache) };
        for (int t = 4; t < tokens.Length; t++) pieces.Add(model.Forward(tensor(tokens[t..(t + 1)]).unsqueeze(0), cache));
        using var incremental = cat(pieces, 1).to(float32);

        // bf16 rounds every activation to 8 bits of mantissa; the two paths round in different places.
        double scale = full.abs().max().item<float>();
        Assert.True(allclose(incremental, full, rtol: 0, atol: 0.03 * scale),
            $"max difference {(incremental - full).abs().max().item<float>()} against logits up to {scale}");
        foreach (var piece in pieces) piece.Dispose();
    }

    [Fact]
    public void Gpt2_parameter_names_and_shapes_are_the_hugging_face_ones()
    {
        using var model = new CausalLanguageModel(TinyModels.Gpt2());
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(new long[] { 61, 32 }, shapes["transformer.wte.weight"]);
        Assert.Equal(new long[] { 24, 32 }, shapes["transformer.wpe.weight"]);
        Assert.Equal(new long[] { 32, 96 }, shapes["transformer.h.1.attn.c_attn.weight"]); // Conv1D: (in, out)
        Assert.Equal(new long[] { 96 }, shapes["transformer.h.1.attn.c_attn.bias"]);
        Assert.Equal(new long[] { 32, 128 }, shapes["transformer.h.0.mlp.c_fc.weight"]);
        Assert.Equal(new long[] { 128, 32 }, shapes["transformer.h.0.mlp.c_proj.weight"]);
        Assert.Equal(new long[] { 32 }, shapes["transformer.ln_f.bias"]);
        Assert.DoesNotContain("lm_head.weight", shapes.Keys); // tied to wte
        Assert.Equal(2 + 2 * 12 + 2, shapes.Count);
    }

    [Fact]
    public void Llama_parameter_names_and_shapes_are_the_hugging_face_ones()
    {
        using var model = new CausalLanguageModel(TinyModels.Llama());
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(new long[] { 59, 32 }, shapes["model.embed_tokens.weight"]);
        Assert.Equal(new long[] { 32, 32 }, shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal(new long[] { 16, 32 }, shapes["model.layers.0.self_attn.k_proj.weight"]); // 2 kv heads × 8
        Assert.Equal(new long[] { 48, 32 }, shapes["model.layers.1.mlp.gate_proj.weight"]);
        Assert.Equal(new long[] { 32, 48 }, shapes["model.layers.1.mlp.down_proj.weight"]);
        Assert.Equal(new long[] { 32 }, shapes["model.layers.1.post_attention_layernorm.weight"]);
        Assert.Equal(new long[] { 59, 32 }, shapes["lm_head.weight"]);
        Assert.DoesNotContain("model.layers.0.self_attn.q_proj.bias", shapes.Keys);
        Assert.Equal(1 + 2 * 9 + 1 + 1, shapes.Count);

        using var qwen = new CausalLanguageModel(TinyModels.Qwen2());
        var qwenNames = qwen.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.layers.0.self_attn.k_proj.bias", qwenNames);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", qwenNames);
    }
}
