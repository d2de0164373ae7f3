using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Tests.Models;
using static Twinforge.Engine.Tests.Lora.LoraTestModels;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Lora;

[Collection("Torch")]
public sealed class LoraMergeTests
{
    [Theory]
    [MemberData(nameof(TinyModels.AllConfigs), MemberType = typeof(TinyModels))]
    public void Merged_model_gives_the_adapted_logits_has_no_lora_parameters_and_reloads_identically(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var tokens = Tokens(config);
        using var baseLogits = Logits(model, tokens);
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        PerturbB(adapters);
        using var adapted = Logits(model, tokens);
        Assert.True(MaxDifference(adapted, baseLogits) > 1e-4, "a non-zero B must change the logits");

        var merged = LoraMerger.Merge(model);
        using var mergedLogits = Logits(model, tokens);

        Assert.Equal(adapters.Modules.Select(m => m.Name), merged);
        Assert.False(model.HasAdapters);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("lora_"));
        Assert.True(MaxDifference(mergedLogits, adapted) < 1e-5, $"max difference {MaxDifference(mergedLogits, adapted)}");

        using var directory = new TemporaryDirectory();
        HuggingFaceModelCheckpoint.Save(model, directory.Path);
        using var reloaded = HuggingFaceModelCheckpoint.Load(directory.Path);
        using var reloadedLogits = Logits(reloaded, tokens);
        Assert.True(BitwiseEqual(mergedLogits, reloadedLogits));
    }

    [Fact]
    public void Merging_a_bfloat16_model_computes_in_float32_and_casts_back()
    {
        using var model = TinyModels.Create(TinyModels.Gpt2(), dtype: ScalarType.BFloat16);
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        PerturbB(adapters);
        var module = adapters.Modules[0];
        using var expected = module.Projection.weight.detach().to(float32)
            .add(module.Adapter.B.detach().matmul(module.Adapter.A.detach()).mul(2.0).t()).to(ScalarType.BFloat16);

        LoraMerger.Merge(model);

        Assert.Equal(ScalarType.BFloat16, module.Projection.weight.dtype);
        Assert.True(BitwiseEqual(expected, module.Projection.weight.detach()));
    }

    [Fact]
    public void A_non_finite_merge_is_refused_naming_the_module_and_leaves_the_model_unchanged()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        PerturbB(adapters);
        var broken = adapters.Modules[^1];
        using (no_grad()) broken.Adapter.B[0, 0] = tensor(float.PositiveInfinity);
        using var firstWeight = adapters.Modules[0].Projection.weight.detach().clone();

        var error = Assert.Throws<InvalidOperationException>(() => LoraMerger.Merge(model));

        Assert.Contains(broken.Name, error.Message);
        Assert.True(model.HasAdapters);
        Assert.True(BitwiseEqual(firstWeight, adapters.Modules[0].Projection.weight.detach()));
    }

    [Fact]
    public void Saving_a_model_with_adapters_attached_is_refused()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        using var directory = new TemporaryDirectory();

        var error = Assert.Throws<InvalidOperationException>(() => HuggingFaceModelCheckpoint.Save(model, directory.Path));

        Assert.Contains("LoraMerger.Merge", error.Message);
        Assert.Contains("PeftAdapter.Save", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory.Path));
    }
}
