using static TorchSharp.torch;

namespace Twinforge.Engine.Gguf;

/// <summary>
/// How a Hugging Face tensor becomes a GGUF one: the rotary row permutation llama.cpp's llama architecture needs, the
/// encoding each tensor gets, and the float32 values to hand to <see cref="GgufWriter"/>.
/// </summary>
internal static class GgufTensorLayout
{
    /// <summary>
    /// convert_hf_to_gguf.py's <c>LlamaModel.permute</c>: Hugging Face's rotary embedding pairs element i of a head with
    /// element i + d/2 (rotate_half), llama.cpp's llama RoPE pairs 2i with 2i + 1; reordering each head's rows
    /// (d/2 × 2 → 2 × d/2 transposed) makes q·k and the rotation identical. Works on a weight (out, in), a bias (out) and
    /// a LoRA B (out, r) alike, since only the rows move.
    /// </summary>
    public static Tensor PermuteRotaryRows(Tensor rows, int heads)
    {
        using var scope = NewDisposeScope();
        long outputs = rows.shape[0];
        long half = outputs / heads / 2;
        var rest = rows.shape.Skip(1).ToArray();
        return rows.reshape([heads, 2, half, .. rest]).transpose(1, 2).reshape(rows.shape).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The encoding of one tensor as llama.cpp's converter chooses it: vectors (norms, biases) stay F32; matrices get the
    /// requested type, except Q8_0 for rows that are not whole 32-element blocks, which fall back to F16.
    /// </summary>
    public static GgmlType TypeFor(IReadOnlyList<long> shape, GgmlType requested)
    {
        if (shape.Count < 2) return GgmlType.F32;
        if (requested == GgmlType.Q8_0 && shape[^1] % GgmlTypes.Q8BlockSize != 0) return GgmlType.F16;
        return requested;
    }

    /// <summary>A tensor's values as row-major float32 on the CPU.</summary>
    public static float[] Values(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return tensor.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
    }
}
