using Twinforge.Engine;
using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>
/// One step's losses: mel (L1 on log-mel frames, after the post-net: what is heard), the decoder's own mel before the
/// post-net (so the decoder learns the mel itself, as in Tacotron 2 and FastSpeech 2), alignment (forward-sum), and
/// the three variance predictors'.
/// </summary>
public sealed class AcousticLosses : IDisposable
{
    public required Tensor Mel { get; init; }
    public required Tensor Decoder { get; init; }
    public required Tensor Alignment { get; init; }
    public required Tensor Duration { get; init; }
    public required Tensor Pitch { get; init; }
    public required Tensor Energy { get; init; }

    /// <summary>What the optimiser minimises: their sum.</summary>
    public Tensor Total() => Mel.Plus(Decoder).Plus(Alignment).Plus(Duration).Plus(Pitch).Plus(Energy);

    public void Dispose()
    {
        foreach (var tensor in new[] { Mel, Decoder, Alignment, Duration, Pitch, Energy }) tensor.Dispose();
    }
}
