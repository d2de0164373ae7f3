using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>torch.nn.Linear as an <see cref="AdaptableLayer"/>: y = x·Wᵀ + b, W [outputs, inputs].</summary>
public sealed class AdaptableLinear(string name, long inputs, long outputs) : AdaptableLayer(name, [outputs, inputs])
{
    public override Tensor forward(Tensor input)
    {
        using var effective = EffectiveWeight();
        return nn.functional.linear(input, effective, bias);
    }
}
