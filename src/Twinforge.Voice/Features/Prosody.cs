using Twinforge.Engine;
using static TorchSharp.torch;

namespace Twinforge.Voice.Features;

/// <summary>
/// Per frame, how loud and at what pitch: energy as the log of the frame's spectral magnitude, pitch by normalised
/// autocorrelation (the lag between 60 and 400 Hz where the frame best matches itself shifted; a frame whose best
/// match is weak is unvoiced). Plain and fast rather than state of the art; the model only needs a pitch contour to
/// condition on, and the same extractor runs on every speaker.
/// </summary>
public static class Prosody
{
    public const double MinHertz = 60, MaxHertz = 400;

    /// <summary>The autocorrelation a frame needs at its best lag to count as voiced.</summary>
    public const double VoicingThreshold = 0.5;

    /// <summary>Log energy of each frame [frames], from linear magnitudes [FFT bins, frames].</summary>
    public static Tensor Energy(Tensor magnitudes)
    {
        using var scope = NewDisposeScope();
        return magnitudes.Squared().sum(0).Plus(1e-8).log().Times(0.5).MoveToOuterDisposeScope();
    }

    /// <summary>Log pitch in hertz of each frame [frames], 0 where unvoiced; frames centred as the STFT's are.</summary>
    public static Tensor LogPitch(Tensor samples, MelSettings settings)
    {
        using var scope = NewDisposeScope();
        int size = settings.FftSize, hop = settings.HopLength;
        var padded = nn.functional.pad(samples.view(1, 1, -1), [size / 2, size / 2], TorchSharp.PaddingModes.Reflect).view(-1);
        var frames = padded.unfold(0, size, hop); // [frames, size]
        frames = frames.Minus(frames.mean([1], keepdim: true));
        var spectrum = fft.rfft(frames, 2 * size, dim: 1);
        var autocorrelation = fft.irfft(spectrum.abs().Squared(), 2 * size, dim: 1).narrow(1, 0, size);
        var zeroLag = autocorrelation.narrow(1, 0, 1).AtLeast(1e-8);
        int minLag = (int)Math.Floor(settings.SampleRate / MaxHertz), maxLag = (int)Math.Ceiling(settings.SampleRate / MinHertz);
        // Normalised by the overlap's length too, so longer lags are not penalised for overlapping less.
        var overlap = ScalarOperations.Range(0, maxLag - minLag + 1).to_type(ScalarType.Float32).Times(-1).Plus(size - minLag).DividedBy(size);
        var normalised = autocorrelation.narrow(1, minLag, maxLag - minLag + 1).div(zeroLag).div(overlap);
        int lags = maxLag - minLag + 1, frameCount = (int)normalised.shape[0];
        var values = normalised.contiguous().data<float>().ToArray();
        var logPitch = new float[frameCount];
        for (int frame = 0; frame < frameCount; frame++)
        {
            var row = values.AsSpan(frame * lags, lags);
            float best = float.MinValue;
            foreach (var value in row) best = Math.Max(best, value);
            if (best < VoicingThreshold) continue;
            // The first peak nearly as high as the best: a periodic frame matches itself at every multiple of its
            // period, and the shortest is its pitch (taking the highest would often halve it).
            int lag = 0;
            while (row[lag] < 0.9f * best) lag++;
            while (lag + 1 < lags && row[lag + 1] >= row[lag]) lag++;
            logPitch[frame] = (float)Math.Log(settings.SampleRate / (double)(lag + minLag));
        }
        return tensor(logPitch).MoveToOuterDisposeScope();
    }

    /// <summary>The mean of <paramref name="perFrame"/> [frames] over each phoneme's frames, skipping zeros (unvoiced) where asked.</summary>
    public static float[] PerPhoneme(ReadOnlySpan<float> perFrame, IReadOnlyList<int> durations, bool skipZeros)
    {
        var means = new float[durations.Count];
        int start = 0;
        for (int phoneme = 0; phoneme < durations.Count; phoneme++)
        {
            double sum = 0;
            int count = 0;
            for (int frame = start; frame < start + durations[phoneme] && frame < perFrame.Length; frame++)
            {
                if (skipZeros && perFrame[frame] == 0) continue;
                sum += perFrame[frame];
                count++;
            }
            means[phoneme] = count == 0 ? 0 : (float)(sum / count);
            start += durations[phoneme];
        }
        return means;
    }
}
