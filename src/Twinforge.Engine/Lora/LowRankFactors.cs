using static TorchSharp.torch;

namespace Twinforge.Engine.Lora;

/// <summary>
/// One projection's LoRA update held apart from the model: A (r, in) as PEFT stores it, B (out, r) kept transposed
/// as Bᵀ (r, out), contiguous, and the scaling, so the delta for inputs x is scaling · (x·Aᵀ)·Bᵀ. Owned by an
/// <see cref="AdapterWeights"/>.
/// </summary>
/// <remarks>
/// Bᵀ rather than B: a decoding kernel then adds each of the r intermediate values times a contiguous row of
/// outputs (vectorised across outputs), where B's rows of r values would each need a horizontal sum.
/// </remarks>
public sealed record LowRankFactors(Tensor A, Tensor BTransposed, double Scaling)
{
    public int Rank => (int)A.shape[0];

    /// <summary>Bytes of both factors.</summary>
    public long Bytes => A.numel() * A.element_size() + BTransposed.numel() * BTransposed.element_size();
}
