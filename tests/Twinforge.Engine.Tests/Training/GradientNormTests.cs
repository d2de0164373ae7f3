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

    /// <summary>
    /// An embedding-sized gradient (40 M elements) against a float64 sum in plain loops: libtorch's float32 norm reads
    /// such a tensor ~1e-3 low, which clipping then divides by; the norm must agree to 1e-9 (the reference's own
    /// sequential float64 sum is only good to about 1e-12 here).
    /// </summary>
    [Fact]
    public void The_norm_of_tens_of_millions_of_elements_matches_a_float64_reference()
    {
        const int count = 40_000_000;
        var random = new Random(7);
        var values = new float[count];
        double squares = 0;
        for (int i = 0; i < count; i++)
        {
            values[i] = (random.NextSingle() - 0.5f) * 1e-2f + 3e-3f; // small, same-signed bias: float32 sums drift
            squares += (double)values[i] * values[i];
        }
        using var large = tensor(values).reshape(8_000, 5_000);
        using var small = tensor(new[] { 0.5f, -0.25f });
        double expected = Math.Sqrt(squares + 0.25 + 0.0625);

        double norm = GradientNorm.Of([large, small]);

        Assert.True(Math.Abs(norm - expected) <= 1e-9 * expected, $"norm {norm:R}, float64 reference {expected:R}");
        using var onDevice = GradientNorm.OnDevice([large, small]);
        Assert.Equal(norm, onDevice.item<double>());
    }
}
