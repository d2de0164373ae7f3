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
