using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.BuiltIn.Voice;
using Twinforge.Cli.Runs;
using Twinforge.Registry.Records;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Recordings;
using Twinforge.Voice.Training;
using Twinforge.Voice.Audio;
using Twinforge.Voice.Features;
using Twinforge.Voice.Model;
using Twinforge.Voice.Phonemes;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge voice …</c>: the voice twin. <c>voice corpus</c> renders the built-in speech corpus (the foundation's
/// synthetic speakers and the built-in creators' recordings); <c>voice check DIR</c> reads a creator's recordings and
/// reports every problem with them before anything is trained.
/// </summary>
public static class VoiceCommand
{
    public static Command Create() => new("voice", "The voice twin: speech corpora, the foundation acoustic model, a creator's recordings.") { Corpus(), Pretrain(), Check(), Adapt(), CreateTwin(), UpdateTwin(), Say(), StudyCommand() };

    static Command CreateTwin()
    {
        var cache = CommonOptions.Cache();
        var name = new Argument<string>("name") { Description = "The voice twin's name (unique per creator)" };
        var creator = new Option<string>("--creator") { Description = "The creator, who must have given 'voice' consent (creator consent NAME --scope voice)", Required = true };
        var recordings = new Option<DirectoryInfo>("--recordings") { Description = "The creator's recordings: WAV files with a transcript each", Required = true };
        var foundationOption = new Option<DirectoryInfo>("--foundation") { Description = "The acoustic model to adapt [default: the built-in foundation]" };
        var heldOut = HeldOutClips("to stop it early and to judge it");
        var registry = new Twins.RegistryArguments();
        var command = new Command("create", "A voice twin in the registry: the recordings stored under the creator's voice consent, version 1 adapted from them.")
        {
            cache, name, creator, recordings, foundationOption, heldOut,
        };
        registry.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var foundationDirectory = FoundationDirectory(result.GetValue(foundationOption), result.GetValue(cache), console, cancellationToken);
            using var opened = registry.Open(result);
            var owner = opened.Creator(result.GetValue(creator)!);
            var voices = VoiceTwinsOf(opened, registry, result);
            var dataset = voices.RegisterRecordings(owner.Id, result.GetValue(recordings)!.FullName);
            var foundation = voices.RegisterFoundation(foundationDirectory);
            var version = voices.Create(owner.Id, result.GetValue(name)!, foundation, dataset, result.GetValue(heldOut), cancellationToken: cancellationToken);
            var figures = Twinforge.Twins.Voice.VoiceVersionMetrics.FromJson(version.MetricsJson)?.Summary ?? "no figures recorded";
            console.WriteLine($"voice twin '{result.GetValue(name)}' version {version.Number}: {version.Status.Name()}, {figures}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static Command UpdateTwin()
    {
        var name = new Argument<string>("name") { Description = "The voice twin" };
        var creator = Twins.TwinTrainingCommands.CreatorOption();
        var recordings = new Option<DirectoryInfo>("--recordings") { Description = "The creator's recordings as they are now (the earlier clips and the new ones)", Required = true };
        var heldOut = HeldOutClips("to stop it early and to judge both versions on");
        var promoteTo = new Option<string>("--promote-to") { Description = "An alias (production, …) to move to the new version if it beats the one it updates by --margin on the same held-out clips [default: none]" };
        var margin = new Option<double>("--margin")
        {
            Description = "Least improvement of the held-out mel loss (L1 on log-mel) for --promote-to; a negative margin tolerates that much regression", DefaultValueFactory = _ => Twinforge.Twins.Voice.VoiceTwins.DefaultMargin,
        };
        var registry = new Twins.RegistryArguments();
        var command = new Command("update", "The voice twin's next version: its foundation adapted afresh on the creator's recordings as they are now, judged against the version before.")
        {
            name, creator, recordings, heldOut, promoteTo, margin,
        };
        registry.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var dataset = VoiceTwinsOf(opened, registry, result).RegisterRecordings(twin.CreatorId, result.GetValue(recordings)!.FullName);
            var update = VoiceTwinsOf(opened, registry, result).Update(twin.Id, dataset, result.GetValue(heldOut), result.GetValue(promoteTo),
                margin: result.GetValue(margin), cancellationToken: cancellationToken);
            console.WriteLine($"voice twin '{twin.Name}' version {update.Version.Number} (from version {update.ParentNumber}): {update.Verdict}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static Option<int> HeldOutClips(string purpose) =>
        new Option<int>("--held-out") { Description = $"Clips kept out of adaptation (the last ones) {purpose}", DefaultValueFactory = _ => 10 }.AtLeast(1);

    static Twinforge.Twins.Voice.VoiceTwins VoiceTwinsOf(Twins.OpenedRegistry opened, Twins.RegistryArguments registry, ParseResult result) =>
        new(opened.Registry, opened.Store, result.GetValue(registry.By) ?? Environment.UserName);

    /// <summary>What a voice study writes at its output's top level.</summary>
    static readonly RunDirectoryGuard StudyDirectory = new(["study.json", Twinforge.Voice.Study.VoiceStudy.ListenDirectoryName],
        ["study.json", Twinforge.Voice.Study.VoiceStudy.ListenDirectoryName, Twinforge.Voice.Study.VoiceStudyReport.FileName, Twinforge.Voice.Study.VoiceStudyReport.PlotFileName],
        what: "voice study", resumable: false);

    static Command StudyCommand()
    {
        var cache = CommonOptions.Cache();
        var creator = new Option<string>("--creator")
        {
            Description = "A built-in creator (flite-awb, flite-rms)", DefaultValueFactory = _ => Twinforge.Voice.Corpus.BuiltInVoices.Creators[0].Id,
        };
        var shares = new Option<string>("--shares") { Description = "Seconds of the creator to adapt on, comma-separated", DefaultValueFactory = _ => "10,30,60,300" };
        var heldOut = new Option<int>("--held-out") { Description = "The creator's last clips, kept to judge on", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var output = new Option<DirectoryInfo>("--output") { Description = "A directory of its own for study.json, report.html and the clips to listen to [default: runs/voice-study]" };
        var force = new Option<bool>("--force") { Description = "Replace an earlier study at --output (never a directory holding other files) [default: false]" };
        var command = new Command("study", "The voice data-efficiency study: adapted against from scratch on 10 s, 30 s, 1 min and 5 min of a creator, with distortion, similarity and intelligibility.")
        {
            cache, creator, shares, heldOut, output, force,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var cacheRoot = CacheLocation.Resolve(result.GetValue(cache));
            var outputDirectory = result.GetValue(output)?.FullName ?? Path.GetFullPath(Path.Combine("runs", "voice-study"));
            // Never into a folder of the user's (their recordings), and an earlier study is replaced only when asked:
            // a study half-written over another would leave a report whose clips are not its figures'.
            StudyDirectory.Check(outputDirectory, resume: false, result.GetValue(force));
            var seconds = result.GetValue(shares)!.Split(',').Select(part => double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value : throw new Engine.BadInputException($"--shares: '{part}' is not a positive number of seconds")).ToList();
            if (result.GetValue(heldOut) >= BuiltInVoiceCorpus.DefaultCreatorClips)
                throw new Engine.BadInputException($"--held-out: a built-in creator has {BuiltInVoiceCorpus.DefaultCreatorClips} clips; holding out " +
                                                   $"{result.GetValue(heldOut)} leaves none to adapt on (the default is 20)");
            var voice = Twinforge.Voice.Corpus.BuiltInVoices.Creators.FirstOrDefault(v => v.Id == result.GetValue(creator))
                ?? throw new Engine.BadInputException($"--creator: no built-in creator '{result.GetValue(creator)}' ({string.Join(", ", Twinforge.Voice.Corpus.BuiltInVoices.Creators)})");
            var foundationDirectory = FoundationDirectory(null, result.GetValue(cache), console, cancellationToken);
            var corpus = new BuiltInVoiceCorpus(cacheRoot);
            // The study is measured on the corpus at its defaults: a smaller one made with 'voice corpus' is completed to them (minutes), said as it goes.
            console.WriteLine(Invariant($"the built-in speech corpus at its defaults ({BuiltInVoiceCorpus.DefaultClipsPerVoice} clips a voice, {BuiltInVoiceCorpus.DefaultCreatorClips} a creator); what is missing is rendered:"));
            var (speech, _) = corpus.Build(BuiltInVoiceCorpus.DefaultClipsPerVoice, BuiltInVoiceCorpus.DefaultCreatorClips, line => console.WriteLine("  " + line), cancellationToken);
            using var mel = new MelSpectrogram(MelSettings.Default);
            var (train, held, config) = VoiceFoundation.Prepare(speech, new AcousticModelConfig { Phonemes = [], Speakers = [] }, mel, 2, line => console.WriteLine("  " + line));
            console.WriteLine("training the speaker judge on the foundation corpus…");
            var (encoder, threshold, eer) = Twinforge.Voice.Study.SpeakerJudge.Train(train, held, config.Speakers.Count, steps: 800, seed: 1);
            using var _ = encoder;
            console.WriteLine(Invariant($"  verifier threshold {threshold:F3}, equal-error rate {eer:P1} on the corpus's held-out clips"));
            using var foundation = AcousticModelFiles.Load(foundationDirectory);
            var clips = RecordingsFolder.Read(corpus.CreatorDirectory(voice));
            StudyDirectory.ReplaceIfForced(outputDirectory, result.GetValue(force));
            Directory.CreateDirectory(outputDirectory);
            var study = new Twinforge.Voice.Study.VoiceStudy(foundation, encoder, threshold, eer, mel, listenDirectory: Path.Combine(outputDirectory, Twinforge.Voice.Study.VoiceStudy.ListenDirectoryName));
            var scratchOptions = new AcousticTrainingOptions { Epochs = 200, Patience = 8, WarmupSteps = 20, TimeLimit = TimeSpan.FromMinutes(5) };
            var studyResult = study.Run(voice.Id, clips, result.GetValue(heldOut), seconds, VoiceAdaptation.DefaultOptions, scratchOptions, line => console.WriteLine("  " + line), cancellationToken);
            var kin = Twinforge.Voice.Corpus.BuiltInVoices.CreatorsKin.Id;
            if (foundation.Config.Speakers.Contains(kin))
            {
                // As many of its pre-training clips as sentences judged: the foundation's best case, beside the same voice's real clips.
                var kinClips = speech.Utterances.Where(utterance => utterance.Speaker == kin).Take(result.GetValue(heldOut))
                    .Select(utterance => new RecordedClip(utterance.Id, speech.PathOf(utterance), utterance.Text, WavFile.Read(speech.PathOf(utterance)))).ToList();
                var trained = study.MeasureTrainedVoice(kin, kinClips);
                console.WriteLine(Invariant($"  the foundation in {kin}'s voice, on {kinClips.Count} sentences it was pre-trained on: WER {trained.Spoken.WordErrorRateText} (its real clips {trained.Real.WordErrorRateText})"));
                studyResult = studyResult with { TrainedVoice = trained };
            }
            console.Write(studyResult.Table());
            AtomicFile.WriteAllText(Path.Combine(outputDirectory, "study.json"), System.Text.Json.JsonSerializer.Serialize(studyResult, new System.Text.Json.JsonSerializerOptions
            {
                WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            }));
            console.WriteLine($"figures: {Path.Combine(outputDirectory, "study.json")}");
            console.WriteLine($"report (with the sentences to listen to): {Twinforge.Voice.Study.VoiceStudyReport.Write(outputDirectory, studyResult)}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static Command Adapt()
    {
        var cache = CommonOptions.Cache();
        var recordings = new Option<DirectoryInfo>("--recordings") { Description = "The creator's recordings: WAV files with a transcript each (see voice check)", Required = true };
        var output = new Option<DirectoryInfo>("--output") { Description = "Directory for the voice (voice_adapter.safetensors and voice.json)", Required = true };
        var foundationOption = new Option<DirectoryInfo>("--foundation") { Description = "An acoustic model directory to adapt [default: the built-in foundation, pre-trained first if needed]" };
        var seconds = new Option<double?>("--seconds") { Description = "Adapt on the first clips adding up to this many seconds (above 0) [default: every clip but the held-out ones]" }.Positive();
        var force = new Option<bool>("--force") { Description = "Replace a voice already in --output (only a voice: a folder holding anything else is refused) [default: off]" };
        var heldOut = HeldOutClips("to stop it early and to judge it");
        var rank = new Option<int>("--rank")
        {
            Description = "Rank of the low-rank updates of the foundation's layers (0: the speaker vector and conditional norms alone)",
            DefaultValueFactory = _ => VoiceAdaptation.DefaultOptions.AdapterRank,
        }.AtLeast(0);
        var command = new Command("adapt", "Adapt the foundation to a creator's voice: a speaker vector, conditional norms and low-rank updates of its layers trained on their recordings, the foundation frozen.")
        {
            cache, recordings, output, foundationOption, seconds, heldOut, rank, force,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var outputDirectory = result.GetValue(output)!.FullName;
            OptionChecks.RequireOutputDirectory(outputDirectory, "--output");
            // The voice replaces the folder whole: never the recordings or anything else of the user's in it.
            OptionChecks.RequireReplaceable(outputDirectory, result.GetValue(force), [VoiceAdapter.WeightsFileName, VoiceRecord.FileName], "a voice");
            var foundationDirectory = FoundationDirectory(result.GetValue(foundationOption), result.GetValue(cache), console, cancellationToken);
            var clips = RecordingsFolder.Read(result.GetValue(recordings)!.FullName);
            int held = result.GetValue(heldOut);
            if (clips.Count <= held) throw new Engine.BadInputException($"--held-out: {clips.Count} clips leave none to adapt on after holding out {held}");
            var adaptOn = clips.Take(clips.Count - held).ToList();
            if (result.GetValue(seconds) is double share) adaptOn = [.. CreatorSpeech.FirstSeconds(adaptOn, share)];
            var clock = Stopwatch.StartNew();
            using var foundation = AcousticModelFiles.Load(foundationDirectory);
            using var mel = new MelSpectrogram(MelSettings.Default);
            var train = CreatorSpeech.Prepare(adaptOn, foundation.Config, mel);
            var judge = CreatorSpeech.Prepare(clips.Skip(clips.Count - held), foundation.Config, mel);
            using var average = foundation.SpeakerTable.mean([0]);
            double before = AcousticTrainer.MelLoss(foundation, batch => average.unsqueeze(0).expand(batch.Size, -1), judge);
            console.WriteLine(Invariant($"adapting on {adaptOn.Count} clips ({adaptOn.Sum(c => c.Audio.Seconds):F0} s), {held} held out; the foundation's average voice scores {before:F3} on them"));
            var (adapter, epochs) = VoiceAdaptation.Adapt(foundation, train, judge, VoiceAdaptation.DefaultOptions with { AdapterRank = result.GetValue(rank) }, epoch => console.WriteLine(Invariant(
                $"  epoch {epoch.Epoch}: training mel {epoch.TrainMelLoss:F3}, held-out mel {epoch.ValidationMelLoss:F3}{(epoch.Best ? " — best so far" : "")}")), cancellationToken);
            using (adapter)
            {
                double after = epochs.Min(e => e.ValidationMelLoss!.Value);
                AtomicDirectory.Write(outputDirectory, staging =>
                {
                    adapter.Save(Path.Combine(staging, VoiceAdapter.WeightsFileName));
                    new VoiceRecord(foundationDirectory, BuiltIn.English.EnglishCorpus.Sha256(Path.Combine(foundationDirectory, AcousticModelFiles.WeightsFileName)), result.GetValue(recordings)!.FullName,
                        adaptOn.Count, adaptOn.Sum(c => c.Audio.Seconds), held, before, after, epochs.Count, clock.Elapsed.TotalSeconds, DateTimeOffset.UtcNow, adapter.Rank).Save(staging);
                });
                console.WriteLine(Invariant($"held-out mel loss {before:F3} → {after:F3} in {clock.Elapsed.TotalSeconds:F0} s; the voice is in {outputDirectory}"));
            }
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static Command Say()
    {
        var cache = CommonOptions.Cache();
        var text = new Argument<string>("text") { Description = "What to say (any length: it is spoken clause by clause)" };
        text.Validators.Add(given =>
        {
            if (string.IsNullOrWhiteSpace(given.GetValueOrDefault<string>())) given.AddError("text: it is empty; give the words to say");
        });
        var voice = new Option<DirectoryInfo>("--voice") { Description = "A voice made by voice adapt [default: the foundation's own --speaker]" };
        var speaker = new Option<string>("--speaker") { Description = "One of the foundation's speakers, by name (an unknown name lists them) [default: their average voice]" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The WAV file to write", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace a file already at --output [default: off]" };
        var twin = new Option<string>("--twin") { Description = "A voice twin in the registry (its --version, else its production alias, else its latest version) [default: none, --voice or the foundation]" };
        var twinCreator = new Option<string>("--creator") { Description = "The twin's creator, when two creators have a twin of that name [default: the only creator with a twin of that name]" };
        var versionNumber = new Option<int?>("--version") { Description = "The twin's version [default: production, else the latest that succeeded]" };
        var registry = new Twins.RegistryArguments();
        var command = new Command("say", "Speak a text in a creator's adapted voice (or one of the foundation's) into a WAV file.")
        {
            cache, text, voice, twin, twinCreator, versionNumber, speaker, output, force,
        };
        registry.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var path = result.GetValue(output)!.FullName;
            OptionChecks.RequireOutputFile(path, result.GetValue(force), "--output");
            // A WAV under another format's name would be opened as that format, and fail, by the player it is given to.
            if (Path.GetExtension(path).ToLowerInvariant() is ".mp3" or ".ogg" or ".oga" or ".opus" or ".flac" or ".m4a" or ".aac" or ".wma" or ".aiff")
                throw new Engine.BadInputException($"--output: {Path.GetFileName(path)}: say writes WAV audio (16-bit mono PCM); name the file .wav");
            // A voice speaks as itself: one of the foundation's speakers is a voice of its own, not a setting of another.
            if (result.GetValue(speaker) is not null && (result.GetValue(voice) is not null || result.GetValue(twin) is not null))
                throw new Engine.BadInputException($"--speaker and {(result.GetValue(voice) is not null ? "--voice" : "--twin")} name two voices: give one");
            var scratch = Directory.CreateTempSubdirectory("twinforge-say-").FullName;
            try
            {
                var (foundationPath, adapterFile) = VoiceToSpeak(result, cache, voice, twin, twinCreator, versionNumber, registry, scratch, console, cancellationToken);
                using var foundation = AcousticModelFiles.Load(foundationPath);
                using var adapter = adapterFile is null ? null : VoiceAdapter.Load(adapterFile, foundation);
                adapter?.ApplyTo(foundation);
                using var vector = adapter is not null ? adapter.Speaker.clone()
                    : result.GetValue(speaker) is string name
                        ? foundation.SpeakerTable[foundation.Config.Speakers.ToList().IndexOf(name) is var index and >= 0 ? index
                            : throw new Engine.BadInputException($"--speaker: the foundation has no speaker '{name}'; its {foundation.Config.Speakers.Count} are " +
                                string.Join(", ", foundation.Config.Speakers))].clone()
                        : foundation.SpeakerTable.mean([0]);
                var phonemes = Phonemiser.Phonemise(result.GetValue(text)!);
                if (phonemes.Count == 0) throw new Engine.BadInputException("text: there is nothing to say in it (no word espeak-ng can pronounce)");
                using var mel = new MelSpectrogram(MelSettings.Default);
                using var frames = foundation.SynthesiseText(phonemes, vector);
                var audio = mel.Invert(frames);
                WavFile.Write(path, audio);
                console.WriteLine(Invariant($"{audio.Seconds:F1} s written to {path}"));
                return Task.FromResult(ExitCodes.Success);
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        });
        return command;
    }

    /// <summary>The foundation to speak with and the adapter of the voice, if any: a voice directory, a voice twin's version, or the foundation alone.</summary>
    static (string Foundation, string? Adapter) VoiceToSpeak(ParseResult result, Option<DirectoryInfo> cache, Option<DirectoryInfo> voice, Option<string> twin, Option<string> creator,
        Option<int?> versionNumber, Twins.RegistryArguments registry, string scratch, TextWriter console, CancellationToken cancellationToken)
    {
        var voiceDirectory = result.GetValue(voice)?.FullName;
        if (result.GetValue(twin) is not string twinName)
            return voiceDirectory is null
                ? (FoundationDirectory(null, result.GetValue(cache), console, cancellationToken), null)
                : (VoiceOf(voiceDirectory).Foundation, Path.Combine(voiceDirectory, VoiceAdapter.WeightsFileName));
        if (voiceDirectory is not null) throw new Engine.BadInputException("--voice and --twin name two voices: give one");
        using var opened = registry.Open(result);
        var found = opened.Twin(twinName, result.GetValue(creator));
        var version = result.GetValue(versionNumber) is int number ? opened.Registry.GetVersionByNumber(found.Id, number)
            : opened.Registry.ListAliases(found.Id).Any(a => a.Name == "production") ? opened.Registry.ResolveAlias(found.Id, "production")
            : opened.Registry.ListVersions(found.Id).Where(v => v.Status == Twinforge.Registry.Records.VersionStatus.Succeeded).MaxBy(v => v.Number)
              ?? throw new Engine.BadInputException($"voice twin '{twinName}' has no version that succeeded");
        var adapterFile = new Twinforge.Twins.Voice.VoiceTwins(opened.Registry, opened.Store, Environment.UserName).ExtractAdapter(version, Path.Combine(scratch, "adapter"));
        var foundationPath = opened.Registry.GetBaseModel(version.BaseModelId).Path
            ?? throw new Engine.BadInputException($"voice twin '{twinName}' version {version.Number}: its foundation has no path");
        return (foundationPath, adapterFile);
    }

    /// <summary>The voice record of --voice, its problem said as the option's.</summary>
    static VoiceRecord VoiceOf(string voiceDirectory)
    {
        try
        {
            return VoiceRecord.Load(voiceDirectory);
        }
        catch (Engine.InputFileException problem)
        {
            throw new Engine.BadInputException($"--voice: {problem.Message}", problem);
        }
    }

    static string FoundationDirectory(DirectoryInfo? given, DirectoryInfo? cache, TextWriter console, CancellationToken cancellationToken)
    {
        if (given is not null)
            return Directory.Exists(given.FullName) && File.Exists(Path.Combine(given.FullName, "config.json")) ? given.FullName
                : throw new Engine.BadInputException($"--foundation: {given.FullName} is not an acoustic model directory " +
                                                     $"({(Directory.Exists(given.FullName) ? "it has no config.json" : "it does not exist")})");
        var builtIn = new BuiltInVoiceFoundation(CacheLocation.Resolve(cache));
        if (builtIn.Existing() is { } existing) return existing;
        console.WriteLine("pre-training the built-in voice foundation first (voice pretrain; about half an hour on 2 cores)…");
        console.WriteLine(builtIn.Pretrain(new AcousticTrainingOptions { TimeLimit = TimeSpan.FromMinutes(BuiltInVoiceFoundation.DefaultMinutes) }, line => console.WriteLine("  " + line), cancellationToken));
        return builtIn.ModelDirectory;
    }


    static Command Pretrain()
    {
        var cache = CommonOptions.Cache();
        var epochs = new Option<int>("--epochs") { Description = "Passes over the corpus at most (early stopping on held-out clips may end sooner)", DefaultValueFactory = _ => new AcousticTrainingOptions().Epochs }.AtLeast(1);
        var minutes = new Option<double>("--time-limit")
        {
            Description = "Minutes of training at most (the epoch under way finishes)", DefaultValueFactory = _ => BuiltInVoiceFoundation.DefaultMinutes,
        }.AtLeast(0.1);
        var force = new Option<bool>("--force") { Description = "Train again even if the foundation is in the cache [default: false]" };
        var resume = new Option<bool>("--continue")
        {
            Description = "Another sitting for the cached foundation: train it further, keeping the result only if its held-out loss is lower [default: false]",
        };
        var learningRate = new Option<double>("--learning-rate") { Description = "AdamW's learning rate", DefaultValueFactory = _ => new AcousticTrainingOptions().LearningRate };
        var publish = new Option<DirectoryInfo>("--publish")
        {
            Description = "Then write the foundation as shipped with the project into this directory (models/voice in the repository), with the SHA-256 of its files [default: none]",
        };
        var command = new Command("pretrain", "Pre-train the built-in foundation acoustic model on the built-in speech corpus (many synthetic speakers), into the cache.")
        {
            cache, epochs, minutes, force, resume, learningRate, publish,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var foundation = new BuiltInVoiceFoundation(CacheLocation.Resolve(result.GetValue(cache)));
            if (result.GetValue(resume) && result.GetValue(force))
                throw new Engine.BadInputException("--continue trains the cached foundation further and --force trains a new one: give one of them");
            double rate = result.GetValue(learningRate);
            if (!(rate > 0 && rate < 1)) throw new Engine.BadInputException($"--learning-rate {rate.ToString(CultureInfo.InvariantCulture)}: give a rate between 0 and 1, such as 0.001");
            void Publish()
            {
                if (result.GetValue(publish) is not { } target) return;
                var published = foundation.Existing() ?? throw new InvalidOperationException("no foundation to publish after pre-training");
                ShippedVoiceFoundation.Publish(published, BuiltInVoiceFoundation.Architecture, target.FullName);
                console.WriteLine($"published as shipped: {target.FullName} ({ShippedVoiceFoundation.MarkerFileName} lists its files' SHA-256)");
            }
            if (foundation.Existing() is { } existing && !result.GetValue(force) && !result.GetValue(resume))
            {
                console.WriteLine($"the foundation was pre-trained before: {existing} (--continue trains it further, --force trains it again)");
                Publish();
                return Task.FromResult(ExitCodes.Success);
            }
            var options = new AcousticTrainingOptions { Epochs = result.GetValue(epochs), TimeLimit = TimeSpan.FromMinutes(result.GetValue(minutes)), LearningRate = rate };
            var summary = result.GetValue(resume)
                ? foundation.Continue(options, line => console.WriteLine("  " + line), cancellationToken)
                : foundation.Pretrain(options, line => console.WriteLine("  " + line), cancellationToken);
            console.WriteLine(summary);
            Publish();
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
