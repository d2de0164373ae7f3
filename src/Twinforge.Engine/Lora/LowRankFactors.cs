using static TorchSharp.torch;

namespace Twinforge.Engine.Lora;

/// <summary>
/// One projection's LoRA update held apart from the model: A (r, in) and B (out, r) as PEFT stores them, and the
/// scaling, so the delta for inputs x is scaling · x·Aᵀ·Bᵀ. Owned by an <see cref="AdapterWeights"/>.
/// </summary>
public sealed record LowRankFactors(Tensor A, Tensor B, double Scaling)
{
    public int Rank => (int)A.shape[0];

    /// <summary>Bytes of both factors.</summary>
    public long Bytes => A.numel() * A.element_size() + B.numel() * B.element_size();
}
