using Twinforge.Engine.Lora;
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
    [Theory]
    [MemberData(nameof(TinyModels.AllConfigs), MemberType = typeof(TinyModels))]
    public void Frozen_compute_copies_give_identical_logits_and_adapter_gradients(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        LoraInjector.Apply(model, new LoraConfig { Rank = 4, TargetModules = LoraConfig.DefaultTargets(config.Family) }, seed: 2);
        using (no_grad())
            foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.Contains("lora_B")))
                parameter.normal_(0, 0.05); // B starts at zero: make the adapters matter
        model.ComputeDType = ScalarType.BFloat16;
        var tokens = tensor(TinyModels.RandomTokens(9, config.VocabularySize, seed: 5)).unsqueeze(0);

        (Tensor Logits, Dictionary<string, Tensor> Gradients) Pass()
        {
            foreach (var parameter in model.parameters()) { parameter.grad?.Dispose(); parameter.grad = null; }
            var logits = model.forward(tokens);
            using var loss = logits.pow(2).mean();
            loss.backward();
            return (logits.detach(), model.named_parameters().Where(p => p.parameter.requires_grad)
                .ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
        }

        var (castEachTime, castGradients) = Pass();
        using (model.CacheFrozenComputeCopies())
        {
            var (cached, cachedGradients) = Pass();
            Assert.True(cached.eq(castEachTime).all().item<bool>(), "cached copies must be the very casts made per call");
            foreach (var (name, gradient) in castGradients)
                Assert.True(cachedGradients[name].eq(gradient).all().item<bool>(), $"{name}'s gradient differs with cached copies");

            // The copies are snapshots: a frozen weight changed while they live is not seen (which is why the trainer
            // caches only for the length of a run, in which frozen weights never change).
            foreach (var (_, projection) in model.NamedProjections()) using (no_grad()) projection.weight.mul_(3);
            using var snapshot = model.forward(tokens).detach();
            Assert.True(snapshot.eq(cached).all().item<bool>(), "with cached copies the frozen weights are read once");
        }
    }

    [Fact]
    public void A_weight_made_trainable_or_changed_after_release_is_never_served_stale()
    {
        var config = TinyModels.Gpt2();
        using var model = TinyModels.Create(config);
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        model.ComputeDType = ScalarType.BFloat16;
        var tokens = tensor(TinyModels.RandomTokens(6, config.VocabularySize, seed: 8)).unsqueeze(0);
        var projection = model.Blocks[0].Mlp.Projections.First();

        using (model.CacheFrozenComputeCopies())
        {
            projection.weight.requires_grad = true; // unfrozen while cached: must be cast per call so it gets a gradient
            using var loss = model.forward(tokens).pow(2).mean();
            loss.backward();
            Assert.NotNull(projection.weight.grad);
            projection.weight.requires_grad = false;
        }
        using var before = model.forward(tokens).detach();
        using (no_grad()) projection.weight.mul_(2);
        using var after = model.forward(tokens).detach();
        Assert.False(after.eq(before).all().item<bool>(), "after release the forward pass reads the current weights");
    }
}
