using Twinforge.Tests.Shared;
using Twinforge.Voice.Audio;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Synthesis;

namespace Twinforge.Voice.Tests.Corpus;

public sealed class SpeechCorpusBuilderTests
{
    static readonly string[] Sentences = TestSentences.First(4);

    static readonly SynthesisVoice[] Voices =
    [
        new(SynthesisEngine.EspeakNg, "en-us+f3", Pitch: 60, WordsPerMinute: 160),
        new(SynthesisEngine.EspeakNg, "en-gb-scotland+m2", Pitch: 35, WordsPerMinute: 140),
        new(SynthesisEngine.Flite, "slt"),
    ];

    [SkippableFact]
    public void Each_voice_reads_its_own_sentences_into_16_kHz_clips_with_phonemes_and_a_manifest()
    {
        SpeechTools.Require("espeak-ng", "flite");
        using var directory = new TemporaryDirectory();
        var progress = new List<(int Done, int Total)>();

        var corpus = SpeechCorpusBuilder.Build(directory.Path, Sentences, Voices, clipsPerVoice: 2, seed: 1, onClip: (done, total) => progress.Add((done, total)));

        Assert.Equal(6, corpus.Utterances.Count);
        Assert.Equal(Voices.Select(voice => voice.Id), corpus.Speakers);
        Assert.Equal(Enumerable.Range(1, 6).Select(done => (done, 6)), progress);
        // Dealt in turn from one shuffle: every sentence is read, the third voice starts the deck again.
        Assert.Equal(Sentences.Order(), corpus.Utterances.Take(4).Select(u => u.Text).Order());
        foreach (var utterance in corpus.Utterances)
        {
            var audio = WavFile.Read(corpus.PathOf(utterance));
            Assert.Equal(16_000, audio.SampleRate);
            Assert.Equal(utterance.Seconds, audio.Seconds, 3);
            Assert.InRange(audio.Seconds, 1.0, 5.0);
            Assert.Contains(" ", utterance.Phonemes);
            Assert.True(utterance.Phonemes.Count > 15, string.Join('_', utterance.Phonemes));
        }
        // The same sentence said by two voices is not the same audio.
        var shared = corpus.Utterances.GroupBy(u => u.Text).First(group => group.Count() > 1).ToList();
        Assert.NotEqual(File.ReadAllBytes(corpus.PathOf(shared[0])), File.ReadAllBytes(corpus.PathOf(shared[1])));

        var loaded = SpeechCorpus.Load(directory.Path, 16_000);
        Assert.Equal(corpus.Utterances.Select(u => (u.Id, u.Speaker, u.Wav, u.Text, string.Join('_', u.Phonemes), u.Seconds)),
            loaded.Utterances.Select(u => (u.Id, u.Speaker, u.Wav, u.Text, string.Join('_', u.Phonemes), u.Seconds)));
    }

    [SkippableFact]
    public void A_second_build_keeps_the_clips_already_made()
    {
        SpeechTools.Require("espeak-ng");
        using var directory = new TemporaryDirectory();
        var voices = Voices.Take(1).ToList();
        var first = SpeechCorpusBuilder.Build(directory.Path, Sentences, voices, clipsPerVoice: 2, seed: 3);
        var written = first.Utterances.Select(u => File.GetLastWriteTimeUtc(first.PathOf(u))).ToList();
        File.SetLastWriteTimeUtc(first.PathOf(first.Utterances[0]), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var second = SpeechCorpusBuilder.Build(directory.Path, Sentences, voices, clipsPerVoice: 2, seed: 3);

        Assert.Equal(first.Utterances.Select(u => u.Id), second.Utterances.Select(u => u.Id));
        Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(second.PathOf(second.Utterances[0])));
    }
}
