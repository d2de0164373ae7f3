using Twinforge.Tests.Shared;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Features;
using Twinforge.Voice.Model;
using Twinforge.Voice.Recordings;
using Twinforge.Voice.Synthesis;
using Twinforge.Voice.Training;
using static TorchSharp.torch;

namespace Twinforge.Voice.Tests.Training;

public sealed class VoiceAdaptationTests
{
    static readonly string[] Sentences = TestSentences.First(8);

    [SkippableFact]
    [Trait("Category", "Slow")]
    public void Adapting_to_an_unheard_voice_lowers_its_held_out_loss_and_leaves_the_foundation_untouched()
    {
        SpeechTools.Require("espeak-ng", "flite");
        using var directory = new TemporaryDirectory();
        SynthesisVoice[] voices = [new(SynthesisEngine.EspeakNg, "en-us+m1", 40, 150), new(SynthesisEngine.EspeakNg, "en-gb+f2", 70, 170)];
        var corpus = SpeechCorpusBuilder.Build(Path.Combine(directory.Path, "corpus"), Sentences, voices, clipsPerVoice: 8, seed: 1);
        using var mel = new MelSpectrogram(MelSettings.Default);
        var shape = new AcousticModelConfig { Phonemes = [], Speakers = [], Hidden = 32, Heads = 2, EncoderLayers = 1, DecoderLayers = 1, FilterSize = 64, SpeakerSize = 8 };
        var (train, heldOut, config) = VoiceFoundation.Prepare(corpus, shape, mel, heldOutPerSpeaker: 1);
        var (foundation, _) = VoiceFoundation.Pretrain(config, train, heldOut, new AcousticTrainingOptions { Epochs = 15, FramesPerBatch = 1_200, LearningRate = 3e-3, WarmupSteps = 10, Patience = 15 });
        using var _ = foundation;
        // The creator: flite's awb, a kind of voice the foundation never heard, as a folder of recordings.
        var recordings = Path.Combine(directory.Path, "awb");
        CreatorRecordingsWriter.Write(recordings, new SynthesisVoice(SynthesisEngine.Flite, "awb"), Sentences, clips: 8);
        var clips = RecordingsFolder.Read(recordings);
        var creatorTrain = CreatorSpeech.Prepare(clips.Take(6), config, mel);
        var creatorHeldOut = CreatorSpeech.Prepare(clips.Skip(6), config, mel);
        var before = foundation.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        using var mean = foundation.SpeakerTable.mean([0]);
        double unadapted = AcousticTrainer.MelLoss(foundation, batch => mean.unsqueeze(0).expand(batch.Size, -1), creatorHeldOut);

        var (adapter, epochs) = VoiceAdaptation.Adapt(foundation, creatorTrain, creatorHeldOut, VoiceAdaptation.DefaultOptions with { FramesPerBatch = 1_200, Epochs = 20, Patience = 20 });

        using (adapter)
        {
            Assert.True(epochs.Min(e => e.ValidationMelLoss!.Value) < unadapted, $"adapted {epochs.Min(e => e.ValidationMelLoss):F3} against {unadapted:F3} unadapted");
            foreach (var (name, value) in foundation.state_dict())
            {
                using var same = value.eq(before[name]).all();
                Assert.True(same.item<bool>(), $"{name} changed");
            }
            Assert.All(foundation.AdaptableLayers, l => Assert.Null(l.Layer.Update)); // the voice's layer updates are in the adapter alone
            Assert.Equal(VoiceAdaptation.DefaultOptions.AdapterRank, adapter.Rank);
            Assert.Equal(foundation.AdaptableLayers.Count, adapter.Updates.Count);
            // The adapter's voice is what it was trained to: its loss with the adapter applied is the best epoch's.
            adapter.ApplyTo(foundation);
            double adapted = AcousticTrainer.MelLoss(foundation, batch => adapter.Speaker.unsqueeze(0).expand(batch.Size, -1), creatorHeldOut);
            Assert.Equal(epochs.Min(e => e.ValidationMelLoss!.Value), adapted, 4);
            adapter.Save(Path.Combine(directory.Path, VoiceAdapter.WeightsFileName));
            using var loaded = VoiceAdapter.Load(Path.Combine(directory.Path, VoiceAdapter.WeightsFileName), foundation);
            using var sameSpeaker = loaded.Speaker.eq(adapter.Speaker).all();
            Assert.True(sameSpeaker.item<bool>());
            Assert.Equal(adapter.Norms.Keys.Order(), loaded.Norms.Keys.Order());
            Assert.Equal(adapter.Updates.Keys.Order(), loaded.Updates.Keys.Order());
        }
        foreach (var tensor in before.Values) tensor.Dispose();
    }
}
