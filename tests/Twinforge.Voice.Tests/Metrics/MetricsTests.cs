using Twinforge.Tests.Shared;
using Twinforge.Voice.Audio;
using Twinforge.Voice.Features;
using Twinforge.Voice.Metrics;
using Twinforge.Voice.Synthesis;

namespace Twinforge.Voice.Tests.Metrics;

public sealed class MetricsTests
{
    [Fact]
    public void Word_error_rate_counts_substitutions_deletions_and_insertions_over_the_reference()
    {
        Assert.Equal(0, WordErrorRate.Of("The quick brown fox.", "the quick, brown FOX"));
        Assert.Equal((2, 9), WordErrorRate.Count("The quick brown fox jumps over the lazy dog.", "the quick brown fox jumped over the lazy dog today"));
        Assert.Equal(1.0, WordErrorRate.Of("one two", ""));
        Assert.Equal(["don't", "stop", "3"], WordErrorRate.Words("Don't -- stop (3)!"));
    }

    [Fact]
    public void The_word_error_rates_interval_holds_the_rate_narrows_with_more_sentences_and_is_zero_wide_when_every_sentence_agrees()
    {
        // Half the sentences wholly wrong, half right: a corpus WER of 50%.
        (int, int)[] Sentences(int count) => [.. Enumerable.Range(0, count).Select(i => i % 2 == 0 ? (4, 4) : (0, 4))];
        var (low, high) = WordErrorRate.Interval(Sentences(20));
        Assert.InRange(0.5, low, high);
        Assert.InRange(low, 0.2, 0.45); // about ±22 points with 20 sentences
        Assert.InRange(high, 0.55, 0.8);
        var (manyLow, manyHigh) = WordErrorRate.Interval(Sentences(400));
        Assert.True(manyHigh - manyLow < (high - low) / 3, $"{manyLow:F3}–{manyHigh:F3} against {low:F3}–{high:F3}");
        Assert.Equal((low, high), WordErrorRate.Interval(Sentences(20))); // seeded
        Assert.Equal((0.25, 0.25), WordErrorRate.Interval([.. Enumerable.Repeat((1, 4), 10)]));
    }

    [Fact]
    public void Mcd_is_zero_for_the_same_frames_and_dtw_forgives_a_change_of_pace()
    {
        // Two halves of different sounds; the same two at a slower pace; and the halves swapped.
        static float[][] Frames(params (int Count, float Value)[] runs) =>
            [.. runs.SelectMany(run => Enumerable.Range(0, run.Count).Select(_ => Enumerable.Range(0, 24).Select(d => run.Value * (d % 3 - 1)).ToArray()))];
        var clip = Frames((10, 1f), (10, -1f));
        var slower = Frames((17, 1f), (23, -1f));
        var swapped = Frames((10, -1f), (10, 1f));

        Assert.Equal(0, MelCepstralDistortion.Between(clip, clip));
        Assert.Equal(0, MelCepstralDistortion.Between(clip, slower), 6);
        Assert.True(MelCepstralDistortion.Between(clip, swapped) > 1);
    }

    [SkippableFact]
    public void Mcd_is_smaller_between_two_clips_of_one_voice_than_between_two_voices_saying_the_same()
    {
        SpeechTools.Require("flite");
        using var mel = new MelSpectrogram(MelSettings.Default);
        const string text = "She walked slowly along the quiet river.";
        using var slt = mel.Compute(SpeechSynthesiser.Speak(new SynthesisVoice(SynthesisEngine.Flite, "slt"), text, 16_000));
        using var sltAgain = mel.Compute(SpeechSynthesiser.Speak(new SynthesisVoice(SynthesisEngine.Flite, "slt"), "She walked slowly along the quiet river bank.", 16_000));
        using var awb = mel.Compute(SpeechSynthesiser.Speak(new SynthesisVoice(SynthesisEngine.Flite, "awb"), text, 16_000));

        double same = MelCepstralDistortion.Between(sltAgain, slt), different = MelCepstralDistortion.Between(awb, slt);

        Assert.True(same < different, $"same voice {same:F2} dB, another voice {different:F2} dB");
    }

    [SkippableFact]
    public void Pocketsphinx_transcribes_a_clear_voice_nearly_word_for_word()
    {
        SpeechTools.Require("flite", "pocketsphinx_continuous");
        const string text = "The quick brown fox jumps over the lazy dog.";
        var audio = SpeechSynthesiser.Speak(new SynthesisVoice(SynthesisEngine.Flite, "slt"), text, 16_000);

        var heard = SpeechRecognizer.Transcribe(audio);

        Assert.True(WordErrorRate.Of(text, heard) <= 0.25, $"heard \"{heard}\"");
    }
}
