using Twinforge.Voice.Model;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace Twinforge.Voice.Training;

/// <summary>
/// Adapting the frozen foundation to a new voice: a new speaker vector, starting at the mean of the voices it knows,
/// the decoder's conditional-norm projections (AdaSpeech's recipe) and, at <see cref="AcousticTrainingOptions.AdapterRank"/>
/// above 0, a low-rank update of every layer but the aligner's (LoRA) are trained on the creator's clips; every
/// pre-trained weight stays as it was. Held-out clips stop it early. The foundation model is left exactly as it was.
/// </summary>
/// <remarks>
/// Why the layers too: a speaker vector and norms only rescale what the frozen decoder already draws, and the
/// foundation has heard one voice like the creators'; updating the encoder, the duration, pitch and energy predictors,
/// the decoder and the post-net lets a voice change its timing and the shape of its spectra (README, "The voice twin").
/// </remarks>
public static class VoiceAdaptation
{
    public static AcousticTrainingOptions DefaultOptions { get; } = new() { Epochs = 60, LearningRate = 1e-3, WarmupSteps = 10, Patience = 6, AdapterRank = 8 };

    public static (VoiceAdapter Adapter, IReadOnlyList<AcousticEpoch> Epochs) Adapt(AcousticModel foundation, SpeechDataset clips, SpeechDataset heldOut,
        AcousticTrainingOptions options, Action<AcousticEpoch>? onEpoch = null, CancellationToken cancellationToken = default)
    {
        using var original = VoiceAdapter.Capture(foundation, foundation.SpeakerTable.mean([0]));
        using var speaker = new Parameter(original.Speaker.clone());
        try
        {
            Tensor Voices(SpeechBatch batch) => speaker.unsqueeze(0).expand(batch.Size, -1);
            using var generator = new Generator((ulong)options.Seed);
            var updates = options.AdapterRank > 0 ? foundation.AdaptableLayers.Select(layer => layer.Layer.BeginUpdate(options.AdapterRank, generator)).ToList() : [];
            IReadOnlyList<Parameter> trainable = [speaker, .. VoiceAdapter.NormParameters(foundation).Select(p => p.Parameter), .. updates.SelectMany(u => new[] { u.A, u.B })];
            // The aligner is frozen and learns nothing here: a prior would only bend its durations, so there is none.
            var epochs = AcousticTrainer.Train(foundation, Voices, trainable, clips, heldOut, options with { AlignmentPriorSteps = 0 }, onEpoch, cancellationToken);
            return (VoiceAdapter.Capture(foundation, speaker), epochs);
        }
        finally
        {
            original.ApplyTo(foundation);
        }
    }

    /// <summary>The same architecture with every weight trained on the creator's clips alone: the baseline adaptation must beat.</summary>
    public static (AcousticModel Model, IReadOnlyList<AcousticEpoch> Epochs) FromScratch(AcousticModelConfig foundationConfig, SpeechDataset clips, SpeechDataset heldOut,
        AcousticTrainingOptions options, Action<AcousticEpoch>? onEpoch = null, CancellationToken cancellationToken = default)
    {
        var config = SpeechDataset.WithMelStatistics(SpeechDataset.WithProsodyStatistics(foundationConfig with { Speakers = ["creator"] }, clips.Utterances), clips.Utterances);
        return VoiceFoundation.Pretrain(config, Relabel(clips), Relabel(heldOut), options, onEpoch, cancellationToken);
    }

    static SpeechDataset Relabel(SpeechDataset data) => new([.. data.Utterances.Select(u => u with { Speaker = 0 })], data.MelBins);
}
