using System.Diagnostics;
using System.Globalization;
using Twinforge.Voice.Features;
using Twinforge.Voice.Model;
using Twinforge.Voice.Training;

namespace Twinforge.Cli.BuiltIn.Voice;

/// <summary>
/// The built-in foundation acoustic model: pre-trained on the built-in voice corpus's foundation speakers (each one's
/// last two clips held out), kept in the cache beside the corpus.
/// </summary>
public sealed class BuiltInVoiceFoundation(string cacheRoot)
{
    public const double DefaultMinutes = 25;
    const int HeldOutPerSpeaker = 2;

    readonly BuiltInVoiceCorpus corpus = new(cacheRoot);

    /// <summary>
    /// Where the pre-trained model is cached, named by the architecture's version (v2: the learnt aligner), so a
    /// model cached by an earlier Twinforge is pre-trained again rather than failing to load.
    /// </summary>
    public string ModelDirectory => Path.Combine(corpus.Directory, "foundation-model-v2");

    public string? Existing() => File.Exists(Path.Combine(ModelDirectory, AcousticModelFiles.WeightsFileName)) ? ModelDirectory : null;

    public string Pretrain(AcousticTrainingOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (speech, _) = corpus.Build(BuiltInVoiceCorpus.DefaultClipsPerVoice, BuiltInVoiceCorpus.DefaultCreatorClips, log, cancellationToken);
        using var mel = new MelSpectrogram(MelSettings.Default);
        var (train, heldOut, config) = VoiceFoundation.Prepare(speech, new AcousticModelConfig { Phonemes = [], Speakers = [] }, mel, HeldOutPerSpeaker, log);
        log(Invariant($"{config.Speakers.Count} speakers, {train.Seconds(mel.Settings) / 3600:F2} hours to train on, {heldOut.Utterances.Count} clips held out, ") +
            Invariant($"{config.Phonemes.Count - 2} phonemes; features in {clock.Elapsed.TotalSeconds:F0} s"));
        var (model, epochs) = VoiceFoundation.Pretrain(config, train, heldOut, options, epoch => log(Invariant(
            $"epoch {epoch.Epoch}: {epoch.Steps:N0} steps, training loss {epoch.TrainLoss:F3} (mel {epoch.TrainMelLoss:F3}), held-out mel {epoch.ValidationMelLoss:F3}{(epoch.Best ? " — best so far" : "")}, {epoch.Seconds:F0} s")),
            cancellationToken);
        using (model)
        {
            AcousticModelFiles.Save(model, ModelDirectory);
            long parameters = model.parameters().Sum(p => p.numel());
            var best = epochs.Where(e => e.ValidationMelLoss is not null).MinBy(e => e.ValidationMelLoss!.Value)!;
            return Invariant($"pre-trained the foundation ({parameters:N0} parameters) in {clock.Elapsed.TotalMinutes:F1} minutes: {epochs.Count} epochs, ") +
                   Invariant($"best held-out mel loss {best.ValidationMelLoss:F3} at epoch {best.Epoch}; saved to {ModelDirectory}");
        }
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
