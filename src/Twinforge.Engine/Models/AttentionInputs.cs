using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>What every attention layer of one forward pass shares: positions, masking and the cache.</summary>
internal sealed record AttentionInputs(
    Tensor? RotaryCos,
    Tensor? RotarySin,
    Tensor? Mask,
    bool IsCausal,
    KeyValueCache? Cache);
