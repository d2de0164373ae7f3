using Twinforge.Voice.Audio;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Features;
using Twinforge.Voice.Model;
using Twinforge.Voice.Phonemes;
using static TorchSharp.torch;

namespace Twinforge.Voice.Training;

/// <summary>
/// Utterances turned into what the acoustic model trains on, held in managed memory (a corpus of two hours is about
/// 150 MB of frames), and cut into batches of similar length so little of a batch is padding.
/// </summary>
public sealed class SpeechDataset
{
    public SpeechDataset(IReadOnlyList<PreparedUtterance> utterances, int melBins)
    {
        Utterances = utterances;
        MelBins = melBins;
    }

    public IReadOnlyList<PreparedUtterance> Utterances { get; }
    public int MelBins { get; }

    public double Seconds(MelSettings settings) => Utterances.Sum(u => u.Frames) / settings.FramesPerSecond;

    /// <summary>One utterance's frames and prosody, its phonemes as ids of <paramref name="config"/> (pauses added at both ends: the silence around speech).</summary>
    public static PreparedUtterance Prepare(string id, int speaker, IReadOnlyList<string> phonemes, Waveform audio, MelSpectrogram mel, AcousticModelConfig config)
    {
        using var scope = NewDisposeScope();
        var resampled = WavFile.Resample(audio, mel.Settings.SampleRate);
        var frames = mel.Compute(resampled);
        var samples = tensor(resampled.Samples);
        var energy = Prosody.Energy(mel.Magnitudes(samples));
        var pitch = Prosody.LogPitch(samples, mel.Settings);
        int[] ids = [config.PhonemeId(Phonemiser.Pause), .. phonemes.Select(config.PhonemeId), config.PhonemeId(Phonemiser.Pause)];
        return new PreparedUtterance(id, speaker, ids, frames.data<float>().ToArray(), (int)frames.shape[0], pitch.data<float>().ToArray(), energy.data<float>().ToArray());
    }

    /// <summary>The phoneme inventory of a corpus: padding, unknown, then every phoneme it uses, in ordinal order.</summary>
    public static IReadOnlyList<string> Inventory(IEnumerable<IReadOnlyList<string>> phonemeSequences) =>
        ["<pad>", "<unk>", .. phonemeSequences.SelectMany(sequence => sequence).Append(Phonemiser.Pause).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The corpus's voiced log-pitch and log-energy means and spreads, for the model to standardise by.</summary>
    public static AcousticModelConfig WithProsodyStatistics(AcousticModelConfig config, IReadOnlyList<PreparedUtterance> utterances)
    {
        var pitch = utterances.SelectMany(u => u.Pitch).Where(p => p != 0).Select(p => (double)p).ToList();
        var energy = utterances.SelectMany(u => u.Energy).Select(e => (double)e).ToList();
        static (double Mean, double Std) Moments(List<double> values)
        {
            if (values.Count == 0) return (0, 1);
            double mean = values.Average();
            return (mean, Math.Max(1e-3, Math.Sqrt(values.Average(v => (v - mean) * (v - mean)))));
        }
        var (pitchMean, pitchStd) = Moments(pitch);
        var (energyMean, energyStd) = Moments(energy);
        return config with { PitchMean = pitchMean, PitchStd = pitchStd, EnergyMean = energyMean, EnergyStd = energyStd };
    }

    /// <summary>Each mel band's mean and spread over the utterances' frames, for the alignment to standardise by.</summary>
    public static AcousticModelConfig WithMelStatistics(AcousticModelConfig config, IReadOnlyList<PreparedUtterance> utterances)
    {
        int bins = config.MelBins;
        var sum = new double[bins];
        var squares = new double[bins];
        long frames = 0;
        foreach (var u in utterances)
        {
            for (int f = 0; f < u.Frames; f++)
                for (int band = 0; band < bins; band++)
                {
                    double value = u.Mel[f * bins + band];
                    sum[band] += value;
                    squares[band] += value * value;
                }
            frames += u.Frames;
        }
        if (frames == 0) return config;
        var mean = sum.Select(s => s / frames).ToArray();
        var std = squares.Select((s, band) => Math.Max(1e-3, Math.Sqrt(Math.Max(0, s / frames - mean[band] * mean[band])))).ToArray();
        return config with { MelMean = mean, MelStd = std };
    }

    /// <summary>
    /// Batches of about <paramref name="framesPerBatch"/> frames: utterances sorted by length and cut in runs, the runs'
    /// order shuffled by <paramref name="random"/> (each epoch a different order, the same for the same seed).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<PreparedUtterance>> Batches(int framesPerBatch, Random? random)
    {
        var sorted = Utterances.OrderBy(u => u.Frames).ThenBy(u => u.Id, StringComparer.Ordinal).ToList();
        var batches = new List<IReadOnlyList<PreparedUtterance>>();
        var current = new List<PreparedUtterance>();
        foreach (var utterance in sorted)
        {
            if (current.Count > 0 && (current.Count + 1) * utterance.Frames > framesPerBatch)
            {
                batches.Add(current);
                current = [];
            }
            current.Add(utterance);
        }
        if (current.Count > 0) batches.Add(current);
        if (random is not null)
        {
            var shuffled = batches.ToArray();
            random.Shuffle(shuffled);
            return shuffled;
        }
        return batches;
    }

    /// <summary>Padded tensors of a batch.</summary>
    public SpeechBatch Collate(IReadOnlyList<PreparedUtterance> batch)
    {
        int size = batch.Count, maxPhonemes = batch.Max(u => u.Phonemes.Length), maxFrames = batch.Max(u => u.Frames);
        var phonemes = new long[size * maxPhonemes];
        var phonemeMask = new float[size * maxPhonemes];
        var mel = new float[size * maxFrames * MelBins];
        var frameMask = new float[size * maxFrames];
        var pitch = new float[size * maxFrames];
        var energy = new float[size * maxFrames];
        for (int b = 0; b < size; b++)
        {
            var u = batch[b];
            for (int i = 0; i < u.Phonemes.Length; i++) { phonemes[b * maxPhonemes + i] = u.Phonemes[i]; phonemeMask[b * maxPhonemes + i] = 1; }
            Array.Copy(u.Mel, 0, mel, b * maxFrames * MelBins, u.Frames * MelBins);
            Array.Fill(frameMask, 1f, b * maxFrames, u.Frames);
            Array.Copy(u.Pitch, 0, pitch, b * maxFrames, Math.Min(u.Frames, u.Pitch.Length));
            Array.Copy(u.Energy, 0, energy, b * maxFrames, Math.Min(u.Frames, u.Energy.Length));
        }
        return new SpeechBatch
        {
            Phonemes = tensor(phonemes, [size, maxPhonemes]), PhonemeMask = tensor(phonemeMask, [size, maxPhonemes]),
            Mel = tensor(mel, [size, maxFrames, MelBins]), FrameMask = tensor(frameMask, [size, maxFrames]),
            Pitch = tensor(pitch, [size, maxFrames]), Energy = tensor(energy, [size, maxFrames]),
            Speakers = tensor(batch.Select(u => (long)u.Speaker).ToArray()),
            PhonemeCounts = [.. batch.Select(u => u.Phonemes.Length)], FrameCounts = [.. batch.Select(u => u.Frames)],
        };
    }
}
