using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Models;

[Collection("Torch")]
public sealed class MixedPrecisionTests
{
    [Theory]
    [MemberData(nameof(TinyModels.AllConfigs), MemberType = typeof(TinyModels))]
    public void Bfloat16_compute_keeps_float32_logits_close_and_float32_gradients(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var tokens = tensor(TinyModels.RandomTokens(10, config.VocabularySize, seed: 4)).unsqueeze(0);
        using var full = model.forward(tokens).detach();

        model.ComputeDType = ScalarType.BFloat16;
        using var mixed = model.forward(tokens);
        using var loss = mixed.pow(2).mean();
        loss.backward();

        Assert.Equal(ScalarType.Float32, mixed.dtype);
        // bfloat16 keeps 8 bits of mantissa: a relative error of a few percent of the logits' scale is expected.
        double scale = full.abs().max().item<float>();
        double difference = (mixed.detach() - full).abs().max().item<float>();
        Assert.True(difference < 0.05 * scale, $"max difference {difference} against logit scale {scale}");
        Assert.True(difference > 0, "the bfloat16 path should not be bit-identical to float32: was it used?");
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.Equal(ScalarType.Float32, parameter.dtype);
            Assert.True(parameter.grad is not null && parameter.grad.dtype == ScalarType.Float32, $"{name} has no float32 gradient");
        }
        model.ComputeDType = null;
        using var again = model.forward(tokens);
        Assert.True(again.detach().eq(full).all().item<bool>(), "switching mixed precision off restores the float32 path");
    }
}
