using Twinforge.Voice.Audio;
using Twinforge.Voice.Features;
using Twinforge.Voice.Metrics;
using Twinforge.Voice.Model;
using Twinforge.Voice.Recordings;
using Twinforge.Voice.Training;
using static TorchSharp.torch;

namespace Twinforge.Voice.Study;

/// <summary>
/// The voice data-efficiency study: for growing shares of a creator's recordings (the first clips adding up to 10 s,
/// 30 s, 1 min, 5 min), the foundation adapted to them against the same architecture trained from scratch on the
/// same clips, both judged on held-out sentences neither heard — synthesised, turned into audio by Griffin-Lim, and
/// measured against the creator's real clips of those sentences. The last clips are held out for judging; the five
/// before them stop both trainings early; the shares come from the clips before those.
/// </summary>
/// <remarks>With a listening directory, the first <see cref="ListenedSentences"/> judged sentences as every system said them are
/// kept there (WAV and spectrogram) for the report.</remarks>
public sealed class VoiceStudy(AcousticModel foundation, SpeakerEncoder encoder, double verifierThreshold, double verifierEqualErrorRate, MelSpectrogram mel,
    string? listenDirectory = null)
{
    public const int ValidationClips = 5;

    /// <summary>The folder beside a study's figures that holds the sentences to listen to (the study's listen directory, by convention).</summary>
    public const string ListenDirectoryName = "listen";
    public const int ListenedSentences = 3;

    readonly List<VoiceSample> samples = [];

    public VoiceStudyResult Run(string creator, IReadOnlyList<RecordedClip> clips, int heldOut, IReadOnlyList<double> shares,
        AcousticTrainingOptions adaptOptions, AcousticTrainingOptions scratchOptions, Action<string> log, CancellationToken cancellationToken = default)
    {
        if (clips.Count < heldOut + ValidationClips + 1)
            throw new Engine.BadInputException($"{creator}: {clips.Count} clips are too few for {heldOut} held out, {ValidationClips} to stop on and one to learn from");
        var judged = clips.Skip(clips.Count - heldOut).ToList();
        var validationClips = clips.Skip(clips.Count - heldOut - ValidationClips).Take(ValidationClips).ToList();
        var pool = clips.Take(clips.Count - heldOut - ValidationClips).ToList();
        var judgedData = CreatorSpeech.Prepare(judged, foundation.Config, mel);
        var validation = CreatorSpeech.Prepare(validationClips, foundation.Config, mel);
        var enrolment = SpeakerVerification.Enrol([.. pool.Select(clip => Embedding(clip.Audio))]);

        Keep("real", judged.Select(clip => clip.Audio).ToList(), judged);
        var (realWer, realLow, realHigh) = Wer(judged, judged.Select(clip => clip.Audio).ToList());
        var real = new VoiceFidelity(double.NaN, judged.Average(clip => SpeakerEncoder.Cosine(Embedding(clip.Audio), enrolment)),
            judged.Count(clip => SpeakerEncoder.Cosine(Embedding(clip.Audio), enrolment) >= verifierThreshold) / (double)judged.Count,
            realWer, realLow, realHigh);
        log($"real held-out clips: similarity {real.Similarity:F3}, WER {real.WordErrorRate:P0}");
        using var average = foundation.SpeakerTable.mean([0]);
        var baseline = Measure("foundation's average voice", foundation, average, judged, judgedData, enrolment);
        var vocoded = MeasureAudio("real mel, Griffin-Lim", [.. judgedData.Utterances.Select(utterance =>
        {
            using var frames = tensor(utterance.Mel, [utterance.Frames, mel.Settings.MelBins]);
            return mel.Invert(frames);
        })], judged, judgedData, enrolment);
        log($"the real clips' own mel through Griffin-Lim: MCD {vocoded.MelCepstralDistortion:F2} dB, WER {vocoded.WordErrorRate:P0}");
        VoiceFidelity? givenTiming = null;
        log($"the foundation's average voice: MCD {baseline.MelCepstralDistortion:F2} dB, similarity {baseline.Similarity:F3}");

        var points = new List<VoiceStudyPoint>();
        foreach (var seconds in shares)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var share = CreatorSpeech.FirstSeconds(pool, seconds);
            var train = CreatorSpeech.Prepare(share, foundation.Config, mel);
            double taken = share.Sum(clip => clip.Audio.Seconds); // the clips' own length, which the labels and table use
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (adapter, _) = VoiceAdaptation.Adapt(foundation, train, validation, adaptOptions, cancellationToken: cancellationToken);
            double adaptSeconds = clock.Elapsed.TotalSeconds;
            VoiceFidelity adapted;
            using (adapter)
            using (var original = VoiceAdapter.Capture(foundation, average))
            {
                adapter.ApplyTo(foundation);
                adapted = Measure(FormattableString.Invariant($"adapted, {taken:F0} s"), foundation, adapter.Speaker, judged, judgedData, enrolment);
                if (seconds == shares.Max())
                    givenTiming = MeasureAudio(FormattableString.Invariant($"adapted, {taken:F0} s, real timing"), [.. judgedData.Utterances.Select(utterance =>
                    {
                        using var batch = judgedData.Collate([utterance]);
                        using var voices = adapter.Speaker.unsqueeze(0);
                        using var frames = foundation.Reconstruct(batch, voices);
                        using var first = frames[0];
                        return mel.Invert(first);
                    })], judged, judgedData, enrolment);
                original.ApplyTo(foundation);
            }
            clock.Restart();
            var (scratch, _) = VoiceAdaptation.FromScratch(foundation.Config, train, validation, scratchOptions, cancellationToken: cancellationToken);
            double scratchSeconds = clock.Elapsed.TotalSeconds;
            VoiceFidelity fromScratch;
            using (scratch)
            using (var voice = scratch.SpeakerTable[0].clone())
                fromScratch = Measure(FormattableString.Invariant($"from scratch, {taken:F0} s"), scratch, voice, judged, judgedData, enrolment);
            log(FormattableString.Invariant($"{taken:F0} s ({share.Count} clips): adapted MCD {adapted.MelCepstralDistortion:F2} dB, similarity {adapted.Similarity:F3} in {adaptSeconds:F0} s; ") +
                FormattableString.Invariant($"from scratch MCD {fromScratch.MelCepstralDistortion:F2} dB, similarity {fromScratch.Similarity:F3} in {scratchSeconds:F0} s"));
            points.Add(new VoiceStudyPoint(taken, share.Count, adapted, fromScratch, adaptSeconds, scratchSeconds));
        }
        if (givenTiming is not null) log($"the largest share's adapted voice given the real timing: MCD {givenTiming.MelCepstralDistortion:F2} dB, WER {givenTiming.WordErrorRate:P0}");
        return new VoiceStudyResult(creator, judged.Count, verifierThreshold, verifierEqualErrorRate, real, baseline, points)
        {
            Samples = [.. samples], Vocoded = vocoded, AdaptedGivenTiming = givenTiming,
        };
    }

    /// <summary>
    /// The ceiling of what adapting this foundation can give: the foundation speaking, in a voice it was pre-trained
    /// on, sentences it was pre-trained on (its best case: nothing is new to it), beside the same voice's real clips of
    /// them. When its speech is not intelligible even there, no adapter on a frozen foundation makes a new voice so.
    /// </summary>
    /// <param name="speaker">The voice's name among the foundation's speakers.</param>
    /// <param name="clips">That voice's clips from the foundation's training corpus.</param>
    public TrainedVoiceCheck MeasureTrainedVoice(string speaker, IReadOnlyList<RecordedClip> clips)
    {
        int index = foundation.Config.Speakers.ToList().IndexOf(speaker);
        if (index < 0) throw new ArgumentException($"the foundation was not trained on a voice named '{speaker}'", nameof(speaker));
        var data = CreatorSpeech.Prepare(clips, foundation.Config, mel);
        var enrolment = SpeakerVerification.Enrol([.. clips.Select(clip => Embedding(clip.Audio))]);
        // Not kept for listening: the report's listening rows are the creator's sentences.
        var real = MeasureAudio($"{speaker}, real", [.. clips.Select(clip => clip.Audio)], clips, data, enrolment, keep: false);
        using var voice = foundation.SpeakerTable[index].clone();
        var spoken = MeasureAudio($"{speaker}, the foundation", [.. data.Utterances.Select(utterance =>
        {
            using var frames = foundation.Synthesise(utterance.Phonemes, voice);
            return mel.Invert(frames);
        })], clips, data, enrolment, keep: false);
        return new TrainedVoiceCheck(speaker, clips.Count, real with { MelCepstralDistortion = double.NaN }, spoken);
    }

    /// <summary>Every held-out sentence spoken by <paramref name="model"/> in <paramref name="voice"/>, measured against the creator's real clip of it.</summary>
    VoiceFidelity Measure(string system, AcousticModel model, Tensor voice, IReadOnlyList<RecordedClip> judged, SpeechDataset judgedData, float[] enrolment) =>
        MeasureAudio(system, [.. judgedData.Utterances.Select(utterance =>
        {
            using var frames = model.Synthesise(utterance.Phonemes, voice);
            return mel.Invert(frames);
        })], judged, judgedData, enrolment);

    /// <summary>Audio of every held-out sentence, by whatever system made it, measured against the creator's real clip of it.</summary>
    VoiceFidelity MeasureAudio(string system, IReadOnlyList<Waveform> spoken, IReadOnlyList<RecordedClip> judged, SpeechDataset judgedData, float[] enrolment,
        bool keep = true)
    {
        if (keep) Keep(system, spoken, judged);
        double mcd = 0, similarity = 0;
        int accepted = 0;
        for (int i = 0; i < spoken.Count; i++)
        {
            using var heard = mel.Compute(spoken[i]);
            using var truth = tensor(judgedData.Utterances[i].Mel, [judgedData.Utterances[i].Frames, mel.Settings.MelBins]);
            mcd += MelCepstralDistortion.Between(heard, truth);
            double cosine = SpeakerEncoder.Cosine(encoder.Embed(heard), enrolment);
            similarity += cosine;
            if (cosine >= verifierThreshold) accepted++;
        }
        var (wer, low, high) = Wer(judged, spoken);
        return new VoiceFidelity(mcd / spoken.Count, similarity / spoken.Count, accepted / (double)spoken.Count, wer, low, high);
    }

    /// <summary>The first sentences as <paramref name="system"/> said them, into the listening directory.</summary>
    void Keep(string system, IReadOnlyList<Waveform> spoken, IReadOnlyList<RecordedClip> judged)
    {
        if (listenDirectory is null) return;
        var slug = new string([.. system.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]).Replace("--", "-").Trim('-');
        Directory.CreateDirectory(listenDirectory);
        for (int i = 0; i < Math.Min(ListenedSentences, spoken.Count); i++)
        {
            var name = $"{i + 1}-{slug}";
            WavFile.Write(Path.Combine(listenDirectory, name + ".wav"), spoken[i]);
            using var frames = mel.Compute(WavFile.Resample(spoken[i], mel.Settings.SampleRate));
            var png = Reporting.Charts.Spectrogram.RenderPng(frames.data<float>().ToArray(), (int)frames.shape[0], mel.Settings.MelBins, system, mel.Settings.FramesPerSecond);
            AtomicFile.WriteAllBytes(Path.Combine(listenDirectory, name + ".png"), png);
            var folder = Path.GetFileName(listenDirectory);
            samples.Add(new VoiceSample(i + 1, judged[i].Transcript, system, $"{folder}/{name}.wav", $"{folder}/{name}.png"));
        }
    }

    /// <summary>The corpus WER of the recogniser on <paramref name="audio"/>, with its 95% interval over the sentences.</summary>
    static (double Rate, double Low, double High) Wer(IReadOnlyList<RecordedClip> judged, IReadOnlyList<Waveform> audio)
    {
        var sentences = judged.Select((clip, i) => WordErrorRate.Count(clip.Transcript, SpeechRecognizer.Transcribe(audio[i]))).ToList();
        var (low, high) = WordErrorRate.Interval(sentences);
        return ((double)sentences.Sum(s => s.Errors) / Math.Max(1, sentences.Sum(s => s.Words)), low, high);
    }

    float[] Embedding(Waveform audio)
    {
        using var frames = mel.Compute(WavFile.Resample(audio, mel.Settings.SampleRate));
        return encoder.Embed(frames);
    }
}
