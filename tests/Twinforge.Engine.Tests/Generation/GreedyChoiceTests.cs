using Twinforge.Engine.Generation;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Generation;

/// <summary>The greedy scan against torch.argmax: ties, NaN, bfloat16, several rows, strided and other dtypes.</summary>
[Collection("Torch")]
public sealed class GreedyChoiceTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]   // converted first
    public void Matches_argmax_row_by_row(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var logits = randn([3, 1, 50257], generator: generator).mul_(4).to(dtype);
        var expected = logits.to(float32).argmax(-1).flatten().data<long>().Select(id => (int)id).ToArray();
        Assert.Equal(expected, GreedyChoice.PerRow(logits));
    }

    [Fact]
    public void Takes_the_first_of_equal_scores_and_a_NaN_above_every_number()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[,] { { 1, 5, 2, 5 }, { 1, float.NaN, 9, float.NaN }, { float.NegativeInfinity, float.NegativeInfinity, -1, 0 } });
        var expected = logits.argmax(-1).data<long>().Select(id => (int)id).ToArray();
        Assert.Equal(new[] { 1, 1, 3 }, expected); // what libtorch does, which the scan must match
        Assert.Equal(expected, GreedyChoice.PerRow(logits));
        Assert.Equal(expected, GreedyChoice.PerRow(logits.to(bfloat16)));
    }

    [Fact]
    public void Reads_a_strided_view_in_its_logical_order()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[,] { { 0, 7 }, { 3, 1 }, { 9, 2 } }).t(); // rows (0, 3, 9) and (7, 1, 2)
        Assert.Equal(new[] { 2, 0 }, GreedyChoice.PerRow(logits));
    }
}
