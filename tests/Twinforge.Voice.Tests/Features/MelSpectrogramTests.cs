using Twinforge.Voice.Audio;
using Twinforge.Voice.Features;
using static TorchSharp.torch;

namespace Twinforge.Voice.Tests.Features;

public sealed class MelSpectrogramTests
{
    [Fact]
    public void A_tone_lights_the_mel_band_of_its_frequency_in_every_frame()
    {
        using var mel = new MelSpectrogram(MelSettings.Default);
        var tone = Tones.Tone(1.0, hertz: 1000);

        using var frames = mel.Compute(tone);

        Assert.Equal(new long[] { mel.FrameCount(16_000), 80 }, frames.shape);
        using var loudest = frames.argmax(1);
        // 1 kHz is 1000 mel: band (1000 / 2840 · 81) − 1 ≈ 27.5 on the 0–8 kHz scale.
        Assert.All(loudest.data<long>().ToArray().Skip(2).SkipLast(2), band => Assert.InRange(band, 27, 28));
    }

    [Fact]
    public void Griffin_lim_gives_back_audio_whose_mel_frames_are_close_to_the_originals()
    {
        using var mel = new MelSpectrogram(MelSettings.Default);
        var chirp = new Waveform(Enumerable.Range(0, 16_000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * (200 + 300.0 * i / 16_000) * i / 16_000))).ToArray(), 16_000);
        using var frames = mel.Compute(chirp);

        var rebuilt = mel.Invert(frames, iterations: 32);
        using var again = mel.Compute(rebuilt);

        Assert.InRange(rebuilt.Seconds, 0.98, 1.01);
        // Where there is sound (bands within 30 dB of their frame's loudest), the rebuilt audio's bands are within
        // about 4 dB of the original's on average (natural-log magnitudes: 30 dB is 3.45, 4 dB is 0.46).
        using var frameMax = frames.max(1, keepdim: true).values;
        using var loud = frames.gt(frameMax.sub(3.45));
        using var error = again.sub(frames).abs().masked_select(loud).mean();
        Assert.True(error.item<float>() < 0.46f, $"mean |Δ log mel| {error.item<float>():F3} in the loud bands");
        Assert.Equal(rebuilt.Samples, mel.Invert(frames, iterations: 32).Samples); // seeded: the same frames, the same audio
    }

    [Fact]
    public void Pitch_is_found_in_a_voiced_tone_and_silence_is_unvoiced()
    {
        var settings = MelSettings.Default;
        var samples = Tones.Tone(0.5, hertz: 150).Samples.Concat(new float[8_000]).ToArray();
        using var audio = tensor(samples);

        using var pitch = Prosody.LogPitch(audio, settings);

        var hertz = pitch.data<float>().ToArray();
        Assert.All(hertz.Skip(3).Take(20), value => Assert.InRange(Math.Exp(value), 145, 155));
        Assert.All(hertz.Skip(40).Take(20), value => Assert.Equal(0, value));
        Assert.Equal([2f, 4f], Prosody.PerPhoneme([1f, 3f, 0f, 5f, 3f], [2, 3], skipZeros: true));
        Assert.Equal([2f, 8f / 3], Prosody.PerPhoneme([1f, 3f, 0f, 5f, 3f], [2, 3], skipZeros: false));
    }
}
