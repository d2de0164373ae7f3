using Twinforge.Tests.Shared;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Features;
using Twinforge.Voice.Metrics;
using Twinforge.Voice.Model;
using Twinforge.Voice.Recordings;
using Twinforge.Voice.Study;
using Twinforge.Voice.Synthesis;
using Twinforge.Voice.Training;

namespace Twinforge.Voice.Tests.Study;

public sealed class VoiceStudyTests
{
    [SkippableFact]
    [Trait("Category", "Slow")]
    public void The_study_measures_every_share_adapted_and_from_scratch_against_the_real_clips()
    {
        SpeechTools.Require("espeak-ng", "flite", "pocketsphinx_continuous");
        using var directory = new TemporaryDirectory();
        var sentences = TestSentences.First(10);
        var recordings = Path.Combine(directory.Path, "awb");
        CreatorRecordingsWriter.Write(recordings, new SynthesisVoice(SynthesisEngine.Flite, "awb"), sentences, clips: 10);
        var clips = RecordingsFolder.Read(recordings);
        var config = new AcousticModelConfig
        {
            Phonemes = SpeechDataset.Inventory(sentences.Select(Twinforge.Voice.Phonemes.Phonemiser.Phonemise)), Speakers = ["one", "two"],
            Hidden = 16, Heads = 2, EncoderLayers = 1, DecoderLayers = 1, FilterSize = 32, SpeakerSize = 4,
        };
        using var foundation = new AcousticModel(config, seed: 1);
        using var encoder = new SpeakerEncoder(80, 2, seed: 1);
        using var mel = new MelSpectrogram(MelSettings.Default);
        var quick = new AcousticTrainingOptions { Epochs = 3, FramesPerBatch = 1_500, WarmupSteps = 2, Patience = 3 };

        var study = new VoiceStudy(foundation, encoder, verifierThreshold: 0.5, verifierEqualErrorRate: 0.1, mel, listenDirectory: Path.Combine(directory.Path, "listen"));
        var result = study.Run("flite-awb", clips, heldOut: 2, shares: [3, 6], quick, quick, _ => { });
        // The ceiling of adaptation: the foundation in one of its own voices (here an untrained one, on awb's clips).
        var trained = study.MeasureTrainedVoice("two", clips.Take(2).ToList());
        Assert.Throws<ArgumentException>(() => study.MeasureTrainedVoice("three", clips.Take(2).ToList()));
        result = result with { TrainedVoice = trained };
        var report = File.ReadAllText(VoiceStudyReport.Write(directory.Path, result));

        // Not kept for listening: the listening rows are the creator's sentences (16 below: eight systems, two sentences).
        Assert.Equal(2, result.Points.Count);
        Assert.True(result.Points[0].Seconds < result.Points[1].Seconds);
        Assert.Equal(1, result.Points[0].Clips);
        // The vocoder alone (the real mel through Griffin-Lim) and the decoder alone (the largest share, real timing) are measured too.
        Assert.NotNull(result.Vocoded);
        Assert.NotNull(result.AdaptedGivenTiming);
        foreach (var fidelity in result.Points.SelectMany(p => new[] { p.Adapted, p.FromScratch }).Concat([result.Base, result.Vocoded, result.AdaptedGivenTiming]))
        {
            Assert.True(double.IsFinite(fidelity.MelCepstralDistortion) && fidelity.MelCepstralDistortion > 0);
            Assert.InRange(fidelity.Similarity, -1, 1);
            Assert.InRange(fidelity.Accepted, 0, 1);
            Assert.True(fidelity.WordErrorRate >= 0);
        }
        Assert.True(double.IsNaN(result.Real.MelCepstralDistortion));
        Assert.True(result.Real.WordErrorRate < 0.6, $"the recogniser on the real clips: {result.Real.WordErrorRate:P0}");
        Assert.Contains("adapted, ", result.Table());
        Assert.Matches(@"real clips \(ceiling\)\s+—\s", result.Table()); // no distortion from themselves: a dash, not NaN
        Assert.DoesNotContain("NaN", result.Table());
        // Both judged sentences by all eight systems (real, average, the vocoder alone, two shares adapted and from
        // scratch, the decoder alone), each a WAV and a spectrogram the report links.
        Assert.Equal(16, result.Samples.Count);
        Assert.All(result.Samples, sample =>
        {
            Assert.True(File.Exists(Path.Combine(directory.Path, sample.Wav)), sample.Wav);
            Assert.True(File.Exists(Path.Combine(directory.Path, sample.Spectrogram)), sample.Spectrogram);
            Assert.Contains($"src=\"{sample.Wav}\"", report);
        });
        Assert.Contains(FormattableString.Invariant($"from scratch, {result.Points[1].Seconds:F0} s"), report);
        Assert.Contains("(the vocoder alone)", report);
        Assert.Contains("real timing", result.Table());
        Assert.Equal(("two", 2), (trained.Speaker, trained.Clips));
        Assert.True(double.IsNaN(trained.Real.MelCepstralDistortion));
        Assert.True(trained.Spoken.MelCepstralDistortion > 0 && double.IsFinite(trained.Spoken.MelCepstralDistortion));
        Assert.True(trained.Real.WordErrorRate < trained.Spoken.WordErrorRate, $"real {trained.Real.WordErrorRate:P0}, an untrained model {trained.Spoken.WordErrorRate:P0}");
        Assert.Contains("the foundation in two's voice", result.Table());
        Assert.Contains("(the ceiling of adaptation)", report);
        // Griffin-Lim of the real clips' own mel is close to them: far closer than anything synthesised.
        Assert.True(result.Vocoded!.MelCepstralDistortion < result.Base.MelCepstralDistortion, $"{result.Vocoded.MelCepstralDistortion:F2} vs {result.Base.MelCepstralDistortion:F2}");
        Assert.Contains(result.Samples, sample => sample.System == FormattableString.Invariant($"adapted, {result.Points[0].Seconds:F0} s"));
        Assert.True(File.Exists(Path.Combine(directory.Path, VoiceStudyReport.PlotFileName)));
    }

    [Fact]
    public void The_data_multiple_is_read_off_the_from_scratch_curve_in_log_seconds()
    {
        static VoiceFidelity At(double mcd) => new(mcd, 0, 0, 0);
        var result = new VoiceStudyResult("c", 1, 0.5, 0.1, At(double.NaN), At(12), [
            new VoiceStudyPoint(10, 3, At(8), At(11), 0, 0),
            new VoiceStudyPoint(100, 30, At(6), At(7), 0, 0),
        ]);

        // Adapted at 10 s (8 dB): from scratch passes 8 between 10 s (11) and 100 s (7), three quarters of the way in log seconds.
        Assert.Equal(Math.Pow(10, 1.75), result.ScratchSecondsToMatch(result.Points[0])!.Value, 6);
        Assert.Null(result.ScratchSecondsToMatch(result.Points[1]));
        Assert.Equal("5.6× (56 s from scratch)", result.DataMultiple(result.Points[0]));
        Assert.Equal("from scratch never matched it on any share", result.DataMultiple(result.Points[1])); // no "more than 1.0×"
        var beyond = result with { Points = [.. result.Points, new VoiceStudyPoint(1000, 300, At(5.5), At(6.5), 0, 0)] };
        Assert.Equal("more than 10.0× (from scratch never matched it)", beyond.DataMultiple(beyond.Points[1]));
    }
}
