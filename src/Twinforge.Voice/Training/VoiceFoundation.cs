using Twinforge.Voice.Audio;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Features;
using Twinforge.Voice.Model;

namespace Twinforge.Voice.Training;

/// <summary>
/// Pre-training the foundation acoustic model on a multi-speaker corpus: every speaker's last clips held out for
/// early stopping, the phoneme inventory and prosody statistics taken from the corpus, every weight trained.
/// </summary>
public static class VoiceFoundation
{
    /// <summary>The corpus as training and held-out sets, and a model config fitted to it (phonemes, speakers, prosody).</summary>
    public static (SpeechDataset Train, SpeechDataset HeldOut, AcousticModelConfig Config) Prepare(SpeechCorpus corpus, AcousticModelConfig shape,
        MelSpectrogram mel, int heldOutPerSpeaker, Action<string>? log = null)
    {
        var speakers = corpus.Speakers.ToList();
        var config = shape with { Phonemes = SpeechDataset.Inventory(corpus.Utterances.Select(u => u.Phonemes)), Speakers = speakers, MelBins = mel.Settings.MelBins };
        var prepared = new List<(PreparedUtterance Utterance, bool HeldOut)>();
        foreach (var group in corpus.Utterances.GroupBy(u => u.Speaker))
        {
            var clips = group.ToList();
            for (int i = 0; i < clips.Count; i++)
            {
                var utterance = clips[i];
                var audio = WavFile.Read(corpus.PathOf(utterance));
                prepared.Add((SpeechDataset.Prepare(utterance.Id, speakers.IndexOf(utterance.Speaker), utterance.Phonemes, audio, mel, config), i >= clips.Count - heldOutPerSpeaker));
                if (prepared.Count % 500 == 0) log?.Invoke($"features: {prepared.Count:N0} of {corpus.Utterances.Count:N0} clips");
            }
        }
        var train = prepared.Where(p => !p.HeldOut).Select(p => p.Utterance).ToList();
        config = SpeechDataset.WithProsodyStatistics(config, train);
        return (new SpeechDataset(train, mel.Settings.MelBins), new SpeechDataset([.. prepared.Where(p => p.HeldOut).Select(p => p.Utterance)], mel.Settings.MelBins), config);
    }

    /// <summary>Trains every weight of a new model of <paramref name="config"/>.</summary>
    public static (AcousticModel Model, IReadOnlyList<AcousticEpoch> Epochs) Pretrain(AcousticModelConfig config, SpeechDataset train, SpeechDataset heldOut,
        AcousticTrainingOptions options, Action<AcousticEpoch>? onEpoch = null, CancellationToken cancellationToken = default)
    {
        var model = new AcousticModel(config, options.Seed);
        try
        {
            var epochs = AcousticTrainer.Train(model, batch => model.SpeakerVectors(batch.Speakers), [.. model.parameters()], train, heldOut, options, onEpoch, cancellationToken);
            return (model, epochs);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
