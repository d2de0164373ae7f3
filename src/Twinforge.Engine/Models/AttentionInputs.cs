using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>
/// What every attention layer of one forward pass shares: rotary angles, masking, and the model's dropout generator.
/// </summary>
internal sealed record AttentionInputs(
    Tensor? RotaryCos,
    Tensor? RotarySin,
    Tensor? Mask,
    bool IsCausal,
    DropoutRandomness Randomness);
