using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Models;

public sealed class RotaryEmbeddingTests
{
    [Fact]
    public void Rotation_follows_the_hugging_face_rotate_half_formula_on_hand_values()
    {
        // head dim 4, θ = 10000: inv_freq = [1, 10000^(-2/4)] = [1, 0.01]. At position 2 the angles are [2, 0.02],
        // duplicated to [2, 0.02, 2, 0.02]; rotate_half([1,2,3,4]) = [-3,-4,1,2].
        var rotary = new RotaryEmbedding(headDimension: 4, theta: 10000, scaling: null);
        Assert.Equal(new[] { 1f, 0.01f }, rotary.InverseFrequencies);
        var (cos, sin) = rotary.Angles(tensor(new long[] { 0, 2 }).unsqueeze(0), ScalarType.Float64);
        using var x = tensor(new double[] { 1, 2, 3, 4, 1, 2, 3, 4 }).view(1, 1, 2, 4);
        var rotated = RotaryEmbedding.Apply(x, cos, sin).data<double>().ToArray();

        double c2 = Math.Cos(2), s2 = Math.Sin(2), c = Math.Cos(0.02f), s = Math.Sin(0.02f);
        double[] expected =
        [
            1, 2, 3, 4, // position 0: unchanged
            1 * c2 - 3 * s2, 2 * c - 4 * s, 3 * c2 + 1 * s2, 4 * c + 2 * s,
        ];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], rotated[i], 1e-6);
    }

    [Fact]
    public void Llama3_scaling_keeps_high_frequencies_and_divides_low_ones()
    {
        var scaling = new RopeScaling("llama3", Factor: 8, LowFrequencyFactor: 1, HighFrequencyFactor: 4, OriginalMaxPositions: 8192);
        double high = 1.0, low = 2 * Math.PI / 20000; // wavelengths 2π (< 2048) and 20000 (> 8192)
        double medium = 2 * Math.PI / 4096;            // wavelength 4096: smooth = (8192/4096 - 1) / 3 = 1/3
        var scaled = scaling.Apply([high, low, medium]);
        Assert.Equal(high, scaled[0], 12);
        Assert.Equal(low / 8, scaled[1], 12);
        Assert.Equal((1 - 1.0 / 3) * medium / 8 + 1.0 / 3 * medium, scaled[2], 12);
    }
}
