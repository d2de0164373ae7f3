using Twinforge.Tests.Shared;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Features;
using Twinforge.Voice.Model;
using Twinforge.Voice.Phonemes;
using Twinforge.Voice.Synthesis;
using Twinforge.Voice.Training;
using static TorchSharp.torch;

namespace Twinforge.Voice.Tests.Training;

public sealed class VoiceFoundationTests
{
    static readonly string[] Sentences = TestSentences.First(8);

    static AcousticModelConfig Tiny => new()
    {
        Phonemes = [], Speakers = [], Hidden = 32, Heads = 2, EncoderLayers = 1, DecoderLayers = 1, FilterSize = 64, SpeakerSize = 8,
    };

    [SkippableFact]
    [Trait("Category", "Slow")]
    public void A_tiny_foundation_learns_two_voices_and_aligns_without_timings()
    {
        SpeechTools.Require("espeak-ng");
        using var directory = new TemporaryDirectory();
        SynthesisVoice[] voices = [new(SynthesisEngine.EspeakNg, "en-us+m1", 40, 150), new(SynthesisEngine.EspeakNg, "en-gb+f2", 70, 170)];
        var corpus = SpeechCorpusBuilder.Build(directory.Path, Sentences, voices, clipsPerVoice: 8, seed: 1);
        using var mel = new MelSpectrogram(MelSettings.Default);
        var (train, heldOut, config) = VoiceFoundation.Prepare(corpus, Tiny, mel, heldOutPerSpeaker: 2);
        Assert.Equal((12, 4), (train.Utterances.Count, heldOut.Utterances.Count));
        Assert.Equal(["<pad>", "<unk>"], config.Phonemes.Take(2));
        Assert.Contains(Phonemiser.Pause, config.Phonemes);
        Assert.InRange(Math.Exp(config.PitchMean), 80, 300);
        // The features are kept beside the corpus and read back the same the second time.
        Assert.True(File.Exists(Path.Combine(directory.Path, VoiceFoundation.FeatureCacheFileName)));
        var again = VoiceFoundation.Prepare(corpus, Tiny, mel, heldOutPerSpeaker: 2);
        Assert.Equal(train.Utterances.Select(u => (u.Id, u.Frames, u.Mel.Sum(), u.Pitch.Sum())), again.Train.Utterances.Select(u => (u.Id, u.Frames, u.Mel.Sum(), u.Pitch.Sum())));
        Assert.Equal(config.ToJson(), again.Config.ToJson());

        var (model, epochs) = VoiceFoundation.Pretrain(config, train, heldOut, new AcousticTrainingOptions { Epochs = 25, FramesPerBatch = 1_200, LearningRate = 3e-3, WarmupSteps = 10, Patience = 25 });
        using (model)
        {
            Assert.True(epochs[^1].TrainMelLoss < 0.6 * epochs[0].TrainMelLoss, string.Join(", ", epochs.Select(e => $"{e.TrainMelLoss:F3}")));
            Assert.True(epochs.Min(e => e.ValidationMelLoss!.Value) < 0.8 * epochs[0].ValidationMelLoss!.Value, string.Join(", ", epochs.Select(e => $"{e.ValidationMelLoss:F3}")));
            // Synthesis: frames for a sentence it never heard, about as long as speech of it should be.
            var phonemes = Phonemiser.Phonemise("The rain stopped by the old gate.");
            int[] ids = [config.PhonemeId(Phonemiser.Pause), .. phonemes.Select(config.PhonemeId), config.PhonemeId(Phonemiser.Pause)];
            using var speaker = model.SpeakerTable[0];
            using var frames = model.Synthesise(ids, speaker);
            Assert.Equal(config.MelBins, frames.shape[1]);
            Assert.InRange(frames.shape[0] / mel.Settings.FramesPerSecond, 0.8, 5.0);
            using var finite = frames.isfinite().all();
            Assert.True(finite.item<bool>());
            var audio = mel.Invert(frames, iterations: 8);
            Assert.True(audio.Seconds > 0.5);
        }
    }

    [Fact]
    public void A_saved_model_loads_with_the_same_weights_and_config()
    {
        using var directory = new TemporaryDirectory();
        var config = Tiny with { Phonemes = ["<pad>", "<unk>", ".", "a", "b"], Speakers = ["one", "two"], PitchMean = 5, EnergyMean = -1 };
        using var model = new AcousticModel(config, seed: 4);
        AcousticModelFiles.Save(model, directory.File("model"));

        using var loaded = AcousticModelFiles.Load(directory.File("model"));

        Assert.Equal(config.ToJson(), loaded.Config.ToJson());
        foreach (var ((name, expected), (_, actual)) in model.state_dict().Zip(loaded.state_dict()))
        {
            using var equal = expected.eq(actual).all();
            Assert.True(equal.item<bool>(), name);
        }
        using var other = new AcousticModel(config, seed: 5);
        using var differs = other.SpeakerTable.eq(model.SpeakerTable).all();
        Assert.False(differs.item<bool>());
    }

    [Fact]
    public void A_model_of_an_earlier_architecture_is_an_error_naming_the_file_and_the_missing_tensor()
    {
        // A foundation saved before the aligner existed: its weights lack the aligner's tensors.
        using var directory = new TemporaryDirectory();
        var config = Tiny with { Phonemes = ["<pad>", "<unk>", ".", "a"], Speakers = ["one"] };
        using var model = new AcousticModel(config, seed: 4);
        AcousticModelFiles.Save(model, directory.File("model"));
        var weights = Path.Combine(directory.File("model"), AcousticModelFiles.WeightsFileName);
        Twinforge.Engine.Checkpoints.SafetensorsWriter.Write(weights, model.state_dict().Where(pair => !pair.Key.StartsWith("aligner.", StringComparison.Ordinal)));

        var error = Assert.Throws<Twinforge.Engine.InputFileException>(() => AcousticModelFiles.Load(directory.File("model")));

        Assert.Contains(weights, error.Message);
        Assert.Contains("aligner.", error.Message);
        Assert.Contains("pre-train it again", error.Message);
    }
}
