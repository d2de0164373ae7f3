using NAudio.Wave;
using NAudio.Utils;
using NAudio.Wave.SampleProviders;
using Twinforge.Engine;

namespace Twinforge.Voice.Audio;

/// <summary>
/// WAV files through NAudio: integer PCM of 8, 16, 24 or 32 bits or 32-bit float, any number of channels (averaged
/// to mono), any sample rate; written as 16-bit mono PCM, atomically.
/// </summary>
public static class WavFile
{
    /// <exception cref="InputFileException">Not a WAV file, or a sample format other than PCM or float (μ-law, ADPCM, …).</exception>
    public static Waveform Read(string path)
    {
        WaveFileReader reader;
        try
        {
            reader = new WaveFileReader(path);
        }
        catch (Exception error) when (error is FormatException or EndOfStreamException or InvalidDataException or ArgumentException)
        {
            throw new InputFileException(path, error is EndOfStreamException
                ? "is not a whole WAV file: it ends before its header does (cut short while copying?)"
                : $"is not a WAV file ({error.Message})", inner: error);
        }
        using (reader)
        {
            var format = reader.WaveFormat;
            bool pcm = format.Encoding == WaveFormatEncoding.Pcm && format.BitsPerSample is 8 or 16 or 24 or 32
                       || format.Encoding == WaveFormatEncoding.IeeeFloat && format.BitsPerSample == 32
                       || format.Encoding == WaveFormatEncoding.Extensible && format.BitsPerSample is 16 or 24 or 32;
            if (!pcm)
                throw new InputFileException(path, $"has an unsupported sample format ({format.Encoding}, {format.BitsPerSample} bits): save it as PCM (16 or 24 bits) or 32-bit float WAV");
            ISampleProvider samples;
            try
            {
                samples = reader.ToSampleProvider();
            }
            catch (ArgumentException error)
            {
                throw new InputFileException(path, $"has an unsupported sample format ({format}): save it as PCM (16 or 24 bits) or 32-bit float WAV", inner: error);
            }
            var interleaved = new List<float>((int)Math.Min(int.MaxValue, reader.SampleCount * format.Channels));
            var buffer = new float[16384 * format.Channels];
            int read;
            while ((read = samples.Read(buffer)) > 0)
                interleaved.AddRange(buffer.AsSpan(0, read));
            // A file cut inside its audio (the usual failed copy) still has a whole header, which says how long it was;
            // NAudio reads what is there without a word.
            if (DataChunk(path) is var (declared, present) && present < declared)
                throw new InputFileException(path, $"is cut short: its header declares {Seconds(declared / format.BlockAlign, format.SampleRate)} of audio and it holds " +
                                                   $"{Seconds(present / format.BlockAlign, format.SampleRate)} (cut short while copying?)");
            return new Waveform(Downmix(interleaved, format.Channels), format.SampleRate);
        }
    }

    /// <summary>
    /// The bytes of audio a RIFF WAV's <c>data</c> chunk declares and the bytes the file has after its header; null
    /// when it declares no length (writers that stream put 0 or the largest value there, RF64 keeps it elsewhere).
    /// </summary>
    static (long Declared, long Present)? DataChunk(string path)
    {
        using var file = File.OpenRead(path);
        using var binary = new BinaryReader(file);
        // Chunk ids are four bytes, compared as bytes: read as characters, bytes that form UTF-8 would take more.
        if (file.Length < 12 || !binary.ReadBytes(4).AsSpan().SequenceEqual("RIFF"u8)) return null;
        file.Position = 12;
        while (file.Position + 8 <= file.Length)
        {
            bool data = binary.ReadBytes(4).AsSpan().SequenceEqual("data"u8);
            uint size = binary.ReadUInt32();
            if (data)
                return size is 0 or uint.MaxValue ? null : (size, file.Length - file.Position);
            file.Position += size + (size & 1); // chunks are padded to an even length
        }
        return null;
    }

    static string Seconds(long frames, int sampleRate) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(double)frames / sampleRate:0.###} s");

    static float[] Downmix(List<float> interleaved, int channels)
    {
        if (channels == 1) return [.. interleaved];
        var mono = new float[interleaved.Count / channels];
        for (int frame = 0; frame < mono.Length; frame++)
        {
            float sum = 0;
            for (int channel = 0; channel < channels; channel++) sum += interleaved[frame * channels + channel];
            mono[frame] = sum / channels;
        }
        return mono;
    }

    /// <summary>Writes 16-bit mono PCM; a reader never sees half a file.</summary>
    public static void Write(string path, Waveform waveform)
    {
        using var memory = new MemoryStream();
        using (var writer = new WaveFileWriter(memory, new WaveFormat(waveform.SampleRate, 16, 1)))
        {
            var pcm = new short[waveform.Samples.Length];
            for (int i = 0; i < pcm.Length; i++) pcm[i] = (short)Math.Round(Math.Clamp(waveform.Samples[i], -1f, 1f) * short.MaxValue);
            writer.WriteSamples(pcm, 0, pcm.Length);
        }
        AtomicFile.WriteAllBytes(path, memory.ToArray());
    }

    /// <summary>The same audio at <paramref name="sampleRate"/> (NAudio's port of the WDL resampler, band-limited).</summary>
    public static Waveform Resample(Waveform waveform, int sampleRate)
    {
        if (waveform.SampleRate == sampleRate) return waveform;
        var resampler = new WdlResamplingSampleProvider(new ArraySamples(waveform), sampleRate);
        var output = new List<float>((int)(waveform.Samples.Length * (double)sampleRate / waveform.SampleRate) + 1024);
        var buffer = new float[16384];
        int read;
        while ((read = resampler.Read(buffer)) > 0) output.AddRange(buffer.AsSpan(0, read));
        return new Waveform([.. output], sampleRate);
    }

    sealed class ArraySamples(Waveform waveform) : ISampleProvider
    {
        int position;
        public WaveFormat WaveFormat { get; } = WaveFormat.CreateIeeeFloatWaveFormat(waveform.SampleRate, 1);

        public int Read(Span<float> buffer)
        {
            int count = Math.Min(buffer.Length, waveform.Samples.Length - position);
            waveform.Samples.AsSpan(position, count).CopyTo(buffer);
            position += count;
            return count;
        }
    }
}
