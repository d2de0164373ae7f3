using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>
/// Padded utterances for one step: phoneme ids [batch, phonemes], log-mel frames [batch, frames, bins], per-frame log
/// pitch (0 unvoiced) and log energy [batch, frames], speaker ids [batch], and each utterance's true lengths.
/// </summary>
public sealed class SpeechBatch : IDisposable
{
    public required Tensor Phonemes { get; init; }
    public required Tensor PhonemeMask { get; init; }
    public required Tensor Mel { get; init; }
    public required Tensor FrameMask { get; init; }
    public required Tensor Pitch { get; init; }
    public required Tensor Energy { get; init; }
    public required Tensor Speakers { get; init; }
    public required int[] PhonemeCounts { get; init; }
    public required int[] FrameCounts { get; init; }

    public int Size => PhonemeCounts.Length;

    public void Dispose()
    {
        foreach (var tensor in new[] { Phonemes, PhonemeMask, Mel, FrameMask, Pitch, Energy, Speakers }) tensor.Dispose();
    }
}
