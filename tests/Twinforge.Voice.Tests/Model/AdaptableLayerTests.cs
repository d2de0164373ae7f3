using Twinforge.Voice.Model;
using static TorchSharp.torch;

namespace Twinforge.Voice.Tests.Model;

public sealed class AdaptableLayerTests
{
    [Fact]
    public void A_convolution_computes_what_torchs_own_does_with_the_same_weights_so_checkpoints_load_unchanged()
    {
        using var layer = new AdaptableConv1d("conv", 3, 5, 9);
        using var reference = nn.Conv1d(3, 5, 9, padding: 4);
        using (no_grad())
        {
            reference.weight!.copy_(layer.weight);
            reference.bias!.copy_(layer.bias);
        }
        using var input = randn(2, 3, 17, generator: new Generator(1));
        using var ours = layer.forward(input);
        using var theirs = reference.forward(input);
        Assert.Equal(new long[] { 2, 5, 17 }, ours.shape);
        Assert.True(ours.allclose(theirs, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(["weight", "bias"], layer.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void A_fresh_update_changes_nothing_and_a_set_one_adds_B_times_A_to_the_weight()
    {
        using var layer = new AdaptableLinear("linear", 4, 3);
        using var input = randn(6, 4, generator: new Generator(2));
        using var before = layer.forward(input);
        using var generator = new Generator(3);
        var fresh = layer.BeginUpdate(2, generator);
        Assert.True(fresh.A.requires_grad && fresh.B.requires_grad);
        using (var unchanged = layer.forward(input)) Assert.True(unchanged.allclose(before));

        using var update = new LowRankUpdate(randn(2, 4, generator: generator), randn(3, 2, generator: generator));
        layer.SetUpdate(update);
        using var after = layer.forward(input);
        using var weight = layer.weight.add(update.B.matmul(update.A));
        using var expected = nn.functional.linear(input, weight, layer.bias);
        Assert.True(after.allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.DoesNotContain(layer.named_parameters(), p => p.name != "weight" && p.name != "bias"); // the update is never saved with the layer

        layer.ClearUpdate();
        using var cleared = layer.forward(input);
        Assert.True(cleared.allclose(before));
    }

    [Fact]
    public void A_convolutions_update_spans_its_whole_kernel()
    {
        using var layer = new AdaptableConv1d("conv", 2, 3, 5);
        using var update = new LowRankUpdate(ones(1, 2 * 5), ones(3, 1));
        layer.SetUpdate(update);
        using var input = zeros(1, 2, 9);
        using (no_grad()) input[0, 0, 4] = tensor(1f);
        using var plain = new AdaptableConv1d("plain", 2, 3, 5);
        using (no_grad())
        {
            plain.weight.copy_(layer.weight.add(1));
            plain.bias.copy_(layer.bias);
        }
        using var adapted = layer.forward(input);
        using var expected = plain.forward(input);
        Assert.True(adapted.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void An_update_that_does_not_fit_the_weight_is_refused_with_its_shapes()
    {
        using var layer = new AdaptableConv1d("widen", 4, 8, 3);
        using var wrong = new LowRankUpdate(zeros(2, 4), zeros(8, 2)); // fan-in 4, the kernel's is 12
        var error = Assert.Throws<ArgumentException>(() => layer.SetUpdate(wrong));
        Assert.Contains("[8, 4, 3]", error.Message);
        Assert.Null(layer.Update);
    }
}
