using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>
/// torch.nn.Conv1d as an <see cref="AdaptableLayer"/>, stride 1 and padded by half the kernel (an odd kernel keeps
/// the length): input [batch, channels, length], W [outputs, inputs, kernel].
/// </summary>
public sealed class AdaptableConv1d(string name, long inputs, long outputs, long kernel) : AdaptableLayer(name, [outputs, inputs, kernel])
{
    readonly long padding = kernel / 2;

    public override Tensor forward(Tensor input)
    {
        using var effective = EffectiveWeight();
        return nn.functional.conv1d(input, effective, bias, padding: padding);
    }
}
