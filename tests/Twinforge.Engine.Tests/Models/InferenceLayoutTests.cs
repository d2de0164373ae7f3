using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Models;

/// <summary>
/// GPT-2's decoding copies of its Conv1D weights: the same logits as the weights themselves, used only outside
/// autograd, and never stale after anything that changes weights. The autograd path never reads the copies, so it
/// is the oracle.
/// </summary>
[Collection("Torch")]
public sealed class InferenceLayoutTests
{
    static CausalLanguageModel Gpt2()
    {
        var model = new CausalLanguageModel(TransformerConfig.Gpt2(vocabularySize: 260, hiddenSize: 32, layerCount: 2, headCount: 4, maxPositions: 64));
        model.InitializeWeights(seed: 5);
        model.eval();
        return model;
    }

    static readonly long[] Tokens = [3, 14, 15, 92, 65, 35];

    static Tensor Logits(CausalLanguageModel model, bool autograd)
    {
        using var input = tensor(Tokens).unsqueeze(0);
        using var mode = autograd ? enable_grad() : no_grad();
        return model.forward(input).detach();
    }

    /// <summary>Changes every Conv1D weight in place, as an optimizer step would (not uniformly: LayerNorm would undo that).</summary>
    static void Nudge(CausalLanguageModel model)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(17);
        foreach (var projection in model.NamedProjections().Select(entry => entry.Projection).Where(p => p.Layout == WeightLayout.InputsByOutputs))
        {
            using var step = randn(projection.weight.shape, generator: generator).mul_(0.1);
            projection.weight.add_(step);
        }
    }

    [Fact]
    public void The_decoding_copies_give_the_logits_of_the_weights_themselves()
    {
        using var model = Gpt2();
        using var reference = Logits(model, autograd: true);

        model.EnsureInferenceLayout();
        using var decoded = Logits(model, autograd: false);

        Assert.True(allclose(reference, decoded, rtol: 1e-5, atol: 1e-6), $"max difference {(reference - decoded).abs().max().item<float>()}");
    }

    [Fact]
    public void The_copies_are_used_outside_autograd_and_dropped_by_everything_that_changes_weights()
    {
        using var model = Gpt2();
        model.EnsureInferenceLayout();
        Nudge(model);
        // Without a release the copies are what inference reads: stale, so the two paths now differ.
        using (var stale = Logits(model, autograd: false))
        using (var truth = Logits(model, autograd: true))
            Assert.False(allclose(stale, truth, rtol: 1e-3, atol: 1e-3));

        foreach (var change in new Action[]
                 {
                     () => { model.train(); model.eval(); },
                     () => model.InitializeWeights(seed: 9),
                     () => { LoraInjector.Apply(model, new LoraConfig { Rank = 2, TargetModules = ["c_attn"] }, seed: 1); LoraMerger.Merge(model); },
                 })
        {
            model.EnsureInferenceLayout();
            Nudge(model);
            change();
            using var afterChange = Logits(model, autograd: false);
            using var truth = Logits(model, autograd: true);
            Assert.True(allclose(afterChange, truth, rtol: 1e-5, atol: 1e-6));
        }
    }
}
