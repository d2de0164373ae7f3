using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Models;

/// <summary>
/// Attention dropout is written out (the fused attention would draw its masks from libtorch's process-wide generator):
/// it must compute the fused attention's function, and draw its masks from the model's own generator.
/// </summary>
[Collection("Torch")]
public sealed class AttentionDropoutTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void With_a_vanishing_rate_the_written_out_attention_equals_the_fused_one_causal_and_with_document_masks(string family)
    {
        using var model = TinyModels.Create(TinyModels.ByName(family));
        long[] ids = TinyModels.RandomTokens(12, model.Config.VocabularySize, seed: 5);
        using var tokens = tensor(ids).reshape(2, 6);
        // Two documents of 3 in each row: causal within a document only.
        using var documents = tensor(new long[] { 0, 0, 0, 1, 1, 1 });
        using var mask = documents.unsqueeze(1).eq(documents.unsqueeze(0)).logical_and(ones(6, 6, ScalarType.Bool).tril());

        model.train(); // training mode with no dropout: the fused path
        using var fusedCausal = model.Forward(tokens);
        using var fusedMasked = model.Forward(tokens, attentionMask: mask);
        foreach (var block in model.Blocks) block.Attention.Dropout = 1e-12; // the written-out path, keeping every weight
        using var writtenCausal = model.Forward(tokens);
        using var writtenMasked = model.Forward(tokens, attentionMask: mask);

        Assert.True(allclose(fusedCausal, writtenCausal, rtol: 1e-5, atol: 1e-5), $"causal: max difference {(fusedCausal - writtenCausal).abs().max().item<float>()}");
        Assert.True(allclose(fusedMasked, writtenMasked, rtol: 1e-5, atol: 1e-5), $"masked: max difference {(fusedMasked - writtenMasked).abs().max().item<float>()}");
        Assert.False(allclose(writtenCausal, writtenMasked, rtol: 1e-3, atol: 1e-3)); // the mask mattered
    }

    [Fact]
    public void Attention_dropout_masks_come_from_the_model_generator_alone()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        foreach (var block in model.Blocks) block.Attention.Dropout = 0.3;
        using var tokens = tensor(TinyModels.RandomTokens(8, model.Config.VocabularySize, seed: 2)).reshape(1, 8);
        model.train();

        model.Randomness.Seed(4);
        using var first = model.Forward(tokens);
        manual_seed(99);
        model.Randomness.Seed(4);
        using var again = model.Forward(tokens);
        using var next = model.Forward(tokens);

        Assert.True(Lora.LoraTestModels.BitwiseEqual(first, again));
        Assert.False(Lora.LoraTestModels.BitwiseEqual(first, next));
    }
}
