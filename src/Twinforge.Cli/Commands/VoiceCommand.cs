using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.BuiltIn.Voice;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Recordings;
using Twinforge.Voice.Training;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge voice …</c>: the voice twin. <c>voice corpus</c> renders the built-in speech corpus (the foundation's
/// synthetic speakers and the built-in creators' recordings); <c>voice check DIR</c> reads a creator's recordings and
/// reports every problem with them before anything is trained.
/// </summary>
public static class VoiceCommand
{
    public static Command Create() => new("voice", "The voice twin: speech corpora, the foundation acoustic model, a creator's recordings.") { Corpus(), Pretrain(), Check() };

    static Command Pretrain()
    {
        var cache = CommonOptions.Cache();
        var epochs = new Option<int>("--epochs") { Description = "Passes over the corpus at most (early stopping on held-out clips may end sooner)", DefaultValueFactory = _ => new AcousticTrainingOptions().Epochs }.AtLeast(1);
        var minutes = new Option<double>("--time-limit")
        {
            Description = "Minutes of training at most (the epoch under way finishes)", DefaultValueFactory = _ => BuiltInVoiceFoundation.DefaultMinutes,
        }.AtLeast(0.1);
        var force = new Option<bool>("--force") { Description = "Train again even if the foundation is in the cache" };
        var command = new Command("pretrain", "Pre-train the built-in foundation acoustic model on the built-in speech corpus (many synthetic speakers), into the cache.")
        {
            cache, epochs, minutes, force,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var foundation = new BuiltInVoiceFoundation(CacheLocation.Resolve(result.GetValue(cache)));
            if (foundation.Existing() is { } existing && !result.GetValue(force))
            {
                console.WriteLine($"the foundation was pre-trained before: {existing} (--force trains it again)");
                return Task.FromResult(ExitCodes.Success);
            }
            var options = new AcousticTrainingOptions { Epochs = result.GetValue(epochs), TimeLimit = TimeSpan.FromMinutes(result.GetValue(minutes)) };
            var summary = foundation.Pretrain(options, line => console.WriteLine("  " + line), cancellationToken);
            console.WriteLine(summary);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static Command Corpus()
    {
        var cache = CommonOptions.Cache();
        var clipsPerVoice = new Option<int>("--clips-per-voice")
        {
            Description = "Sentences each of the foundation's speakers reads", DefaultValueFactory = _ => BuiltInVoiceCorpus.DefaultClipsPerVoice,
        }.AtLeast(1);
        var creatorClips = new Option<int>("--creator-clips")
        {
            Description = "Clips of each built-in creator (adaptation takes its shares from the first, held-out clips from the last)",
            DefaultValueFactory = _ => BuiltInVoiceCorpus.DefaultCreatorClips,
        }.AtLeast(1);
        var command = new Command("corpus",
            "Render the built-in speech corpus with Debian's synthesisers (espeak-ng, flite): the foundation's speakers, and the built-in creators' recordings.")
        {
            cache, clipsPerVoice, creatorClips,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var corpus = new BuiltInVoiceCorpus(CacheLocation.Resolve(result.GetValue(cache)));
            var clock = Stopwatch.StartNew();
            var (foundation, creators) = corpus.Build(result.GetValue(clipsPerVoice), result.GetValue(creatorClips), line => console.WriteLine("  " + line), cancellationToken);
            console.WriteLine(Invariant($"done in {clock.Elapsed.TotalSeconds:F0} s"));
            console.WriteLine();
            var speakers = foundation.Speakers.ToList();
            double seconds = foundation.Utterances.Sum(utterance => utterance.Seconds);
            console.WriteLine(Invariant($"foundation: {speakers.Count} speakers, {foundation.Utterances.Count:N0} clips, {seconds / 3600:F2} hours ") +
                              Invariant($"({seconds / 60 / speakers.Count:F1} minutes a speaker), {foundation.Utterances.Select(u => u.Text).Distinct().Count():N0} sentences"));
            console.WriteLine($"  {Path.Combine(foundation.Directory, SpeechCorpus.ManifestFileName)}");
            foreach (var directory in creators)
            {
                var clips = RecordingsFolder.Read(directory);
                console.WriteLine(Invariant($"creator {Path.GetFileName(directory)}: {clips.Count} clips, {clips.Sum(clip => clip.Audio.Seconds) / 60:F1} minutes"));
                console.WriteLine($"  {directory}");
            }
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static Command Check()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "WAV files with a transcript each (metadata.csv of id|text lines, or a .txt beside each clip)" };
        var command = new Command("check", "Read a creator's recordings and report every problem with them (format, silence, clipping, length against the transcript).") { folder };
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var clips = RecordingsFolder.Read(result.GetValue(folder)!.FullName);
            double seconds = clips.Sum(clip => clip.Audio.Seconds);
            console.WriteLine(Invariant($"{clips.Count} clips, {seconds / 60:F1} minutes, all usable (") +
                              string.Join(", ", clips.Select(clip => clip.Audio.SampleRate).Distinct().Order().Select(rate => Invariant($"{rate:N0} Hz"))) + ")");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
