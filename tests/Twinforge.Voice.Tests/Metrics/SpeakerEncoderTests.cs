using Twinforge.Tests.Shared;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Features;
using Twinforge.Voice.Metrics;
using Twinforge.Voice.Model;
using Twinforge.Voice.Synthesis;
using Twinforge.Voice.Training;
using static TorchSharp.torch;

namespace Twinforge.Voice.Tests.Metrics;

public sealed class SpeakerEncoderTests
{
    [Fact]
    public void The_equal_error_threshold_sits_where_false_accepts_meet_false_rejects()
    {
        var (threshold, rate) = SpeakerVerification.EqualError([0.9, 0.8, 0.7, 0.4], [0.1, 0.2, 0.3, 0.75]);

        Assert.Equal(0.7, threshold);
        Assert.Equal(0.25, rate);
        Assert.Equal(0, SpeakerVerification.EqualError([0.9, 0.8], [0.1, 0.2]).Rate);
    }

    [SkippableFact]
    [Trait("Category", "Slow")]
    public void Trained_on_some_voices_it_scores_clips_of_one_voice_above_clips_of_two()
    {
        SpeechTools.Require("espeak-ng");
        using var directory = new TemporaryDirectory();
        var sentences = TestSentences.First(6);
        SynthesisVoice[] voices =
        [
            new(SynthesisEngine.EspeakNg, "en-us+m1", 30, 140), new(SynthesisEngine.EspeakNg, "en-gb+f2", 75, 170),
            new(SynthesisEngine.EspeakNg, "en-gb-scotland+m3", 50, 160), new(SynthesisEngine.EspeakNg, "en-029+f4", 60, 150),
        ];
        var corpus = SpeechCorpusBuilder.Build(directory.Path, sentences, voices, clipsPerVoice: 6, seed: 2);
        using var mel = new MelSpectrogram(MelSettings.Default);
        var (train, heldOut, _) = VoiceFoundation.Prepare(corpus, new AcousticModelConfig { Phonemes = [], Speakers = [] }, mel, heldOutPerSpeaker: 2);
        using var encoder = new SpeakerEncoder(80, voices.Length, seed: 1);

        double accuracy = encoder.Train(train, steps: 150, seed: 3, batchSize: 16);

        Assert.True(accuracy > 0.6, $"accuracy {accuracy:P0} on its training crops (chance 25%)");
        var embeddings = heldOut.Utterances.Select(u =>
        {
            using var frames = tensor(u.Mel, [u.Frames, 80]);
            return (u.Speaker, Embedding: encoder.Embed(frames));
        }).ToList();
        var same = new List<double>();
        var different = new List<double>();
        for (int i = 0; i < embeddings.Count; i++)
            for (int j = i + 1; j < embeddings.Count; j++)
                (embeddings[i].Speaker == embeddings[j].Speaker ? same : different).Add(SpeakerEncoder.Cosine(embeddings[i].Embedding, embeddings[j].Embedding));
        Assert.True(same.Average() > different.Average() + 0.1, $"same {same.Average():F2}, different {different.Average():F2}");
    }
}
