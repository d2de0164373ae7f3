using Twinforge.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>
/// Layer normalisation whose scale and shift are computed from the speaker's embedding (AdaSpeech, Chen et al. 2021):
/// a new voice changes how every decoder layer is scaled, through two small projections that adaptation trains while
/// the rest of the model stays frozen.
/// </summary>
public sealed class ConditionalLayerNorm : nn.Module<Tensor, Tensor, Tensor>
{
    readonly TorchSharp.Modules.Linear scale;
    readonly TorchSharp.Modules.Linear shift;
    readonly long size;

    public ConditionalLayerNorm(string name, int size, int speakerSize) : base(name)
    {
        this.size = size;
        scale = nn.Linear(speakerSize, size);
        shift = nn.Linear(speakerSize, size);
        // Starts as a plain layer norm: scale 1, shift 0, whatever the speaker.
        using (no_grad())
        {
            scale.weight!.FillInPlace(0);
            scale.bias!.FillInPlace(1);
            shift.weight!.FillInPlace(0);
            shift.bias!.FillInPlace(0);
        }
        register_module("scale", scale);
        register_module("shift", shift);
    }

    /// <param name="hidden">[batch, length, size]</param>
    /// <param name="speaker">[batch, speaker size]</param>
    public override Tensor forward(Tensor hidden, Tensor speaker)
    {
        using var scope = NewDisposeScope();
        var normalised = nn.functional.layer_norm(hidden, [size]);
        return normalised.mul(scale.forward(speaker).unsqueeze(1)).Plus(shift.forward(speaker).unsqueeze(1)).MoveToOuterDisposeScope();
    }
}
