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
    /// <summary>The file in a corpus's directory where its prepared features are kept.</summary>
    public const string FeatureCacheFileName = "features.bin";

    /// <summary>
    /// The corpus as training and held-out sets, and a model config fitted to it (phonemes, speakers, prosody). The
    /// features are computed once and kept in the corpus directory (<see cref="FeatureCacheFileName"/>).
    /// </summary>
    public static (SpeechDataset Train, SpeechDataset HeldOut, AcousticModelConfig Config) Prepare(SpeechCorpus corpus, AcousticModelConfig shape,
        MelSpectrogram mel, int heldOutPerSpeaker, Action<string>? log = null)
    {
        var speakers = corpus.Speakers.ToList();
        var config = shape with { Phonemes = SpeechDataset.Inventory(corpus.Utterances.Select(u => u.Phonemes)), Speakers = speakers, MelBins = mel.Settings.MelBins };
        var cache = Path.Combine(corpus.Directory, FeatureCacheFileName);
        List<PreparedUtterance>? prepared = null;
        try
        {
            if (File.Exists(cache)) prepared = PreparedFeatureCache.Load(cache);
        }
        catch (Engine.InputFileException error)
        {
            log?.Invoke($"{error.Message}; computing the features again");
        }
        bool fits = prepared is not null && prepared.Select(u => u.Id).SequenceEqual(corpus.Utterances.Select(u => u.Id))
                    && prepared.Zip(corpus.Utterances).All(pair => pair.First.Phonemes.SequenceEqual(Ids(config, pair.Second.Phonemes)));
        if (!fits)
        {
            prepared = [];
            foreach (var utterance in corpus.Utterances)
            {
                var audio = WavFile.Read(corpus.PathOf(utterance));
                prepared.Add(SpeechDataset.Prepare(utterance.Id, speakers.IndexOf(utterance.Speaker), utterance.Phonemes, audio, mel, config));
                if (prepared.Count % 500 == 0) log?.Invoke($"features: {prepared.Count:N0} of {corpus.Utterances.Count:N0} clips");
            }
            PreparedFeatureCache.Save(cache, prepared);
        }
        var heldOutIds = corpus.Utterances.GroupBy(u => u.Speaker).SelectMany(group => group.TakeLast(heldOutPerSpeaker)).Select(u => u.Id).ToHashSet();
        var train = prepared!.Where(u => !heldOutIds.Contains(u.Id)).ToList();
        config = SpeechDataset.WithMelStatistics(SpeechDataset.WithProsodyStatistics(config, train), train);
        return (new SpeechDataset(train, mel.Settings.MelBins), new SpeechDataset([.. prepared!.Where(u => heldOutIds.Contains(u.Id))], mel.Settings.MelBins), config);
    }

    static int[] Ids(AcousticModelConfig config, IReadOnlyList<string> phonemes) =>
        [config.PhonemeId(Phonemes.Phonemiser.Pause), .. phonemes.Select(config.PhonemeId), config.PhonemeId(Phonemes.Phonemiser.Pause)];

    /// <summary>Trains every weight of a new model of <paramref name="config"/>.</summary>
    public static (AcousticModel Model, IReadOnlyList<AcousticEpoch> Epochs) Pretrain(AcousticModelConfig config, SpeechDataset train, SpeechDataset heldOut,
        AcousticTrainingOptions options, Action<AcousticEpoch>? onEpoch = null, CancellationToken cancellationToken = default)
    {
        var model = new AcousticModel(config, options.Seed);
        try
        {
            return (model, TrainAll(model, train, heldOut, options, onEpoch, cancellationToken));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains every weight of <paramref name="model"/> further: a pre-training's next sitting. The optimiser's moments
    /// start afresh (after a warm-up), and the alignment prior is not used again (the aligner has learnt to align).
    /// The best epoch's weights by held-out mel loss are left in the model.
    /// </summary>
    public static IReadOnlyList<AcousticEpoch> Continue(AcousticModel model, SpeechDataset train, SpeechDataset heldOut, AcousticTrainingOptions options,
        Action<AcousticEpoch>? onEpoch = null, CancellationToken cancellationToken = default) =>
        TrainAll(model, train, heldOut, options with { AlignmentPriorSteps = 0 }, onEpoch, cancellationToken);

    static IReadOnlyList<AcousticEpoch> TrainAll(AcousticModel model, SpeechDataset train, SpeechDataset heldOut, AcousticTrainingOptions options,
        Action<AcousticEpoch>? onEpoch, CancellationToken cancellationToken) =>
        AcousticTrainer.Train(model, batch => model.SpeakerVectors(batch.Speakers), [.. model.parameters()], train, heldOut, options, onEpoch, cancellationToken);
}
