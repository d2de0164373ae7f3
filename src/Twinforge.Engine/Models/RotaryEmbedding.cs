using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>
/// Rotary position embedding in the Hugging Face convention (rotate_half: the first and second halves of a head
/// form the pairs, not interleaved elements): inv_freq_i = θ^(−2i/d); for position p the angle is p·inv_freq,
/// duplicated to length d; q' = q·cos + rotate_half(q)·sin with rotate_half(x) = [−x₂, x₁].
/// </summary>
public sealed class RotaryEmbedding
{
    readonly float[] inverseFrequencies;

    public RotaryEmbedding(int headDimension, double theta, RopeScaling? scaling)
    {
        var frequencies = Enumerable.Range(0, headDimension / 2)
            .Select(i => 1.0 / Math.Pow(theta, 2.0 * i / headDimension)).ToArray();
        if (scaling is not null) frequencies = scaling.Apply(frequencies);
        // Hugging Face keeps inv_freq as a float32 buffer; the angles are float32 products.
        inverseFrequencies = frequencies.Select(f => (float)f).ToArray();
    }

    public IReadOnlyList<float> InverseFrequencies => inverseFrequencies;

    /// <summary>cos and sin of shape (B, 1, T, d) for position ids (B, T), in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) Angles(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var frequencies = tensor(inverseFrequencies, device: positionIds.device);
        var angles = positionIds.to(float32).unsqueeze(-1).mul(frequencies); // (B, T, d/2)
        var doubled = cat([angles, angles], -1).unsqueeze(1);                 // (B, 1, T, d)
        var cos = doubled.cos().to(dtype);
        var sin = doubled.sin().to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Rotates (B, H, T, d) queries or keys by the angles from <see cref="Angles"/>; the result keeps x's dtype
    /// (under mixed precision q and k are bfloat16 while the angles are float32).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
        return x.mul(cos).PlusInPlace(rotated.mul_(sin)).to(x.dtype).MoveToOuterDisposeScope();
    }
}
