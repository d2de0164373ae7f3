using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Lora;

/// <summary>Tiny models with LoRA adapters for the LoRA tests.</summary>
internal static class LoraTestModels
{
    public static IEnumerable<object[]> Families() => [["gpt2"], ["llama"]];

    public static LoraConfig DefaultConfig(CausalLanguageModel model, int rank = 4) =>
        new() { Rank = rank, Alpha = 8, TargetModules = LoraConfig.DefaultTargets(model.Config.Family) };

    public static Tensor Tokens(TransformerConfig config, int count = 9, int seed = 5) =>
        tensor(TinyModels.RandomTokens(count, config.VocabularySize, seed)).unsqueeze(0);

    /// <summary>Gives every B a seeded non-zero value, as training would, so the adapters change the output.</summary>
    public static void PerturbB(AdapterSet adapters, long seed = 11, double scale = 0.05)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var module in adapters.Modules)
            module.Adapter.B.copy_(randn(module.Adapter.B.shape, generator: generator).mul_(scale));
    }

    public static Tensor Logits(CausalLanguageModel model, Tensor tokens)
    {
        using var noGrad = no_grad();
        return model.forward(tokens);
    }

    public static bool BitwiseEqual(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();

    public static double MaxDifference(Tensor a, Tensor b) => (a.to(float64) - b.to(float64)).abs().max().item<double>();
}
