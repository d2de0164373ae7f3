using Twinforge.Engine.Training;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Training;

public sealed class GradientNormTests
{
    [Fact]
    public void Global_norm_matches_a_float64_sum_of_squares_over_every_tensor()
    {
        var values = new[] { new double[] { 3, -4, 0.5 }, new double[] { 1e-3, 2, -7, 0.25, 9 }, new double[] { -0.125 } };
        using var first = tensor(values[0].Select(v => (float)v).ToArray());
        using var second = tensor(values[1].Select(v => (float)v).ToArray()).reshape(5, 1);
        using var third = tensor(values[2].Select(v => (float)v).ToArray()).to(ScalarType.BFloat16); // exactly representable

        double expected = Math.Sqrt(values.SelectMany(v => v).Sum(v => v * v));

        Assert.Equal(expected, GradientNorm.Of([first, second, third]), 5);
        Assert.Equal(0, GradientNorm.Of([]));
    }
}
