using System.Diagnostics;
using System.Globalization;
using Twinforge.Engine;
using Twinforge.Voice.Features;
using Twinforge.Voice.Model;
using Twinforge.Voice.Training;

namespace Twinforge.Cli.BuiltIn.Voice;

/// <summary>
/// The built-in foundation acoustic model: pre-trained on the built-in voice corpus's foundation speakers (each one's
/// last two clips held out), kept in the cache beside the corpus; until it is, the one shipped with the project
/// (<see cref="ShippedVoiceFoundation"/>) stands in.
/// </summary>
/// <param name="shippedRoot">Where the shipped foundation is looked for (models/voice under it); by default beside the program.</param>
public sealed partial class BuiltInVoiceFoundation(string cacheRoot, string? shippedRoot = null)
{
    public const double DefaultMinutes = 25;
    const int HeldOutPerSpeaker = 2;

    readonly BuiltInVoiceCorpus corpus = new(cacheRoot);

    /// <summary>
    /// The architecture's version, which names the cached model's directory and is written in the shipped one's marker
    /// (v2: the learnt aligner; v3: the post-net and the decoder's wider convolutions), so a model of an earlier
    /// Twinforge is pre-trained again rather than failing to load.
    /// </summary>
    public const string Architecture = "foundation-model-v3";

    /// <summary>Where the pre-trained model is cached.</summary>
    public string ModelDirectory => Path.Combine(corpus.Directory, Architecture);

    /// <summary>The cached foundation, else the shipped one, else null (pre-train it).</summary>
    public string? Existing() => Cached() ?? ShippedVoiceFoundation.Find(Architecture, shippedRoot);

    string? Cached() => File.Exists(Path.Combine(ModelDirectory, AcousticModelFiles.WeightsFileName)) ? ModelDirectory : null;

    public string Pretrain(AcousticTrainingOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (train, heldOut, config) = Prepare(log, clock, cancellationToken);
        var (model, epochs) = VoiceFoundation.Pretrain(config, train, heldOut, options, epoch => log(EpochLine(epoch)), cancellationToken);
        using (model)
        {
            AcousticModelFiles.Save(model, ModelDirectory);
            RemoveEarlierArchitectures(corpus.Directory, ModelDirectory, log);
            long parameters = model.parameters().Sum(p => p.numel());
            var best = epochs.Where(e => e.ValidationMelLoss is not null).MinBy(e => e.ValidationMelLoss!.Value)!;
            return Invariant($"pre-trained the foundation ({parameters:N0} parameters) in {clock.Elapsed.TotalMinutes:F1} minutes: {epochs.Count} epochs, ") +
                   Invariant($"best held-out mel loss {best.ValidationMelLoss:F3} at epoch {best.Epoch}; saved to {ModelDirectory}");
        }
    }

    /// <summary>
    /// Another sitting of the foundation's pre-training (<see cref="VoiceFoundation.Continue"/>): a longer
    /// pre-training than one sitting's limit, in parts. It continues the cached model (or the shipped one, into the
    /// cache), and the result is saved only if its held-out mel loss is lower; otherwise nothing changes.
    /// </summary>
    /// <exception cref="BadInputException">Nothing is cached to continue, or it was pre-trained on another corpus.</exception>
    public string Continue(AcousticTrainingOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var existing = Existing() ?? throw new BadInputException($"there is no pre-trained foundation to continue (none in {ModelDirectory}, none shipped): run 'voice pretrain' first");
        var clock = Stopwatch.StartNew();
        var (train, heldOut, config) = Prepare(log, clock, cancellationToken);
        using var model = AcousticModelFiles.Load(existing);
        if (!model.Config.Speakers.SequenceEqual(config.Speakers) || !model.Config.Phonemes.SequenceEqual(config.Phonemes))
            throw new BadInputException($"{existing} was pre-trained on other speakers or phonemes than the corpus has now: pre-train it again with --force");
        double before = AcousticTrainer.MelLoss(model, batch => model.SpeakerVectors(batch.Speakers), heldOut, options.FramesPerBatch);
        log(Invariant($"continuing from held-out mel loss {before:F3}"));
        var epochs = VoiceFoundation.Continue(model, train, heldOut, options, epoch => log(EpochLine(epoch)), cancellationToken);
        // The trainer left the best epoch's weights in the model, judged on the same clips in the same batches.
        double after = epochs.Min(epoch => epoch.ValidationMelLoss ?? double.PositiveInfinity);
        var sitting = Invariant($"{epochs.Count} more epochs ({(epochs.Count > 0 ? epochs[^1].Steps : 0):N0} updates) in {clock.Elapsed.TotalMinutes:F1} minutes");
        if (after >= before)
            return Invariant($"{sitting}: held-out mel loss {after:F3}, not below the cached foundation's {before:F3}; the foundation was left as it was");
        AcousticModelFiles.Save(model, ModelDirectory);
        return Invariant($"{sitting}: held-out mel loss {before:F3} → {after:F3}; saved to {ModelDirectory}");
    }

    (SpeechDataset Train, SpeechDataset HeldOut, AcousticModelConfig Config) Prepare(Action<string> log, Stopwatch clock, CancellationToken cancellationToken)
    {
        var (speech, _) = corpus.Build(BuiltInVoiceCorpus.DefaultClipsPerVoice, BuiltInVoiceCorpus.DefaultCreatorClips, log, cancellationToken);
        using var mel = new MelSpectrogram(MelSettings.Default);
        var (train, heldOut, config) = VoiceFoundation.Prepare(speech, new AcousticModelConfig { Phonemes = [], Speakers = [] }, mel, HeldOutPerSpeaker, log);
        log(Invariant($"{config.Speakers.Count} speakers, {train.Seconds(mel.Settings) / 3600:F2} hours to train on, {heldOut.Utterances.Count} clips held out, ") +
            Invariant($"{config.Phonemes.Count - 2} phonemes; features in {clock.Elapsed.TotalSeconds:F0} s"));
        return (train, heldOut, config);
    }

    static string EpochLine(AcousticEpoch epoch) => Invariant(
        $"epoch {epoch.Epoch}: {epoch.Steps:N0} steps, training loss {epoch.TrainLoss:F3} (mel {epoch.TrainMelLoss:F3}), held-out mel {epoch.ValidationMelLoss:F3}{(epoch.Best ? " — best so far" : "")}, {epoch.Seconds:F0} s");

    /// <summary>Models cached by an earlier Twinforge under an earlier architecture's name: no longer loadable, so not kept.</summary>
    public static void RemoveEarlierArchitectures(string corpusDirectory, string current, Action<string> log)
    {
        foreach (var earlier in Directory.EnumerateDirectories(corpusDirectory, "foundation-model*"))
        {
            var name = Path.GetFileName(earlier);
            if (!EarlierName().IsMatch(name) || name == Path.GetFileName(current)) continue;
            Directory.Delete(earlier, recursive: true);
            log($"removed {earlier} (a foundation of an earlier architecture)");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^foundation-model(-v[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex EarlierName();

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
