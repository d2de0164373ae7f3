using Twinforge.Engine;
using Twinforge.Voice.Audio;
using static TorchSharp.torch;

namespace Twinforge.Voice.Features;

/// <summary>
/// Audio to log-mel frames and back to audio (Griffin and Lim's phase reconstruction, 1984). One instance holds the
/// window and the filterbank; it is not tied to a model, and is disposed with them.
/// </summary>
public sealed class MelSpectrogram : IDisposable
{
    readonly Tensor window;
    readonly Tensor filterbank;
    readonly Tensor inverseFilterbank;

    public MelSpectrogram(MelSettings settings)
    {
        Settings = settings;
        window = hann_window(settings.FftSize);
        filterbank = MelFilterbank.Create(settings);
        // Mel power back to linear power starts from the pseudo-inverse (LinearPower).
        inverseFilterbank = linalg.pinv(filterbank);
    }

    public MelSettings Settings { get; }

    /// <summary>Frames in a clip of <paramref name="samples"/> samples (the STFT is centred: one frame per hop, plus one).</summary>
    public int FrameCount(int samples) => samples / Settings.HopLength + 1;

    /// <summary>Linear magnitudes [FFT bins, frames] of mono samples.</summary>
    public Tensor Magnitudes(Tensor samples)
    {
        using var scope = NewDisposeScope();
        var spectrum = stft(samples, Settings.FftSize, Settings.HopLength, Settings.FftSize, window, center: true, return_complex: true);
        return spectrum.abs().MoveToOuterDisposeScope();
    }

    /// <summary>Log-mel frames [frames, mel bins] of a waveform at the settings' sample rate.</summary>
    public Tensor Compute(Waveform audio)
    {
        if (audio.SampleRate != Settings.SampleRate)
            throw new ArgumentException($"audio at {audio.SampleRate} Hz given to a {Settings.SampleRate} Hz mel spectrogram: resample it first");
        using var scope = NewDisposeScope();
        using var samples = tensor(audio.Samples);
        var power = Magnitudes(samples).Squared();
        var mel = filterbank.matmul(power).AtLeast(Settings.Floor * Settings.Floor).log().Times(0.5); // log magnitude = ½ log power
        return mel.t().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A waveform for log-mel frames [frames, mel bins]: linear magnitudes through the filterbank's pseudo-inverse, then
    /// <paramref name="iterations"/> rounds of Griffin-Lim (with Perraudin et al.'s momentum, 0.99, which converges in
    /// far fewer rounds), starting from a seeded random phase so the same frames always give the same audio.
    /// </summary>
    public Waveform Invert(Tensor logMel, int iterations = 32, int seed = 0)
    {
        using var scope = NewDisposeScope();
        var magnitude = LinearPower(logMel.to_type(ScalarType.Float32).t().Times(2).exp()).sqrt(); // [bins, frames]
        int samples = (int)(logMel.shape[0] - 1) * Settings.HopLength;
        var generator = new Generator((ulong)seed);
        var angles = polar(ones_like(magnitude), rand(magnitude.shape, generator: generator).Times(2 * Math.PI));
        Tensor previous = zeros_like(angles);
        for (int round = 0; round < iterations; round++)
        {
            // Each round's spectrograms go with it: kept to the end of the call, 32 rounds of them took gigabytes a
            // minute of speech.
            using var step = NewDisposeScope();
            var spoken = istft(magnitude.mul(angles), Settings.FftSize, Settings.HopLength, Settings.FftSize, window, center: true, length: samples);
            var rebuilt = stft(spoken, Settings.FftSize, Settings.HopLength, Settings.FftSize, window, center: true, return_complex: true);
            var accelerated = rebuilt.Minus(previous.Times(0.99 / 1.99));
            var nextAngles = accelerated.div(accelerated.abs().AtLeast(1e-8)).MoveToOuterDisposeScope();
            angles.Dispose();
            previous.Dispose();
            (angles, previous) = (nextAngles, rebuilt.MoveToOuterDisposeScope());
        }
        var audio = istft(magnitude.mul(angles), Settings.FftSize, Settings.HopLength, Settings.FftSize, window, center: true, length: samples);
        var peak = audio.abs().max().item<float>();
        if (peak > 0.99f) audio = audio.Times(0.99 / peak);
        return new Waveform(audio.data<float>().ToArray(), Settings.SampleRate);
    }

    /// <summary>
    /// Linear power [FFT bins, frames] whose mel power is <paramref name="melPower"/>: the pseudo-inverse's answer with
    /// its negatives clamped, then refined by multiplicative least-squares updates (Lee and Seung's, which keep every
    /// bin non-negative), so that quiet bands stay quiet instead of filling with the clamped inverse's ripple.
    /// </summary>
    Tensor LinearPower(Tensor melPower)
    {
        using var scope = NewDisposeScope();
        var power = inverseFilterbank.matmul(melPower).AtLeast(1e-10);
        var target = filterbank.t().matmul(melPower);
        for (int round = 0; round < 30; round++)
        {
            using var step = NewDisposeScope(); // as in Invert: one round's products at a time
            var refined = power.mul(target).div(filterbank.t().matmul(filterbank.matmul(power)).AtLeast(1e-12)).MoveToOuterDisposeScope();
            power.Dispose();
            power = refined;
        }
        return power.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        window.Dispose();
        filterbank.Dispose();
        inverseFilterbank.Dispose();
    }
}
