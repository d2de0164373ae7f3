using NAudio.Wave;
using Twinforge.Engine;
using Twinforge.Voice.Audio;

namespace Twinforge.Voice.Tests.Audio;

public sealed class WavFileTests
{
    [Fact]
    public void A_written_clip_reads_back_to_within_one_step_of_16_bits()
    {
        using var directory = new TemporaryDirectory();
        var tone = Tones.Tone(0.5);
        WavFile.Write(directory.File("a.wav"), tone);

        var read = WavFile.Read(directory.File("a.wav"));

        Assert.Equal(16_000, read.SampleRate);
        Assert.Equal(tone.Samples.Length, read.Samples.Length);
        Assert.All(tone.Samples.Zip(read.Samples), pair => Assert.InRange(pair.Second - pair.First, -1.5f / 32768, 1.5f / 32768));
    }

    [Fact]
    public void Stereo_is_averaged_to_mono_and_24_bit_and_float_files_are_read()
    {
        using var directory = new TemporaryDirectory();
        using (var writer = new WaveFileWriter(directory.File("stereo.wav"), new WaveFormat(22_050, 24, 2)))
            for (int i = 0; i < 100; i++) { writer.WriteSample(0.5f); writer.WriteSample(-0.1f); }
        using (var writer = new WaveFileWriter(directory.File("float.wav"), WaveFormat.CreateIeeeFloatWaveFormat(8_000, 1)))
            for (int i = 0; i < 80; i++) writer.WriteSample(0.25f);

        var stereo = WavFile.Read(directory.File("stereo.wav"));
        var single = WavFile.Read(directory.File("float.wav"));

        Assert.Equal((100, 22_050), (stereo.Samples.Length, stereo.SampleRate));
        Assert.All(stereo.Samples, sample => Assert.Equal(0.2f, sample, 3));
        Assert.Equal((80, 8_000), (single.Samples.Length, single.SampleRate));
        Assert.All(single.Samples, sample => Assert.Equal(0.25f, sample, 6));
    }

    [Fact]
    public void A_file_that_is_not_a_wav_is_an_error_naming_it()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("notes.wav"), "these are my notes, not audio");

        var error = Assert.Throws<InputFileException>(() => WavFile.Read(directory.File("notes.wav")));

        Assert.Equal(directory.File("notes.wav"), error.FilePath);
        Assert.Contains("is not a WAV file", error.Message);
    }

    [Fact]
    public void A_wav_cut_short_in_its_header_says_so_in_words()
    {
        using var directory = new TemporaryDirectory();
        WavFile.Write(directory.File("whole.wav"), new Waveform(new float[1600], 16_000));
        File.WriteAllBytes(directory.File("cut.wav"), File.ReadAllBytes(directory.File("whole.wav"))[..30]);

        var error = Assert.Throws<InputFileException>(() => WavFile.Read(directory.File("cut.wav")));

        Assert.Contains("is not a whole WAV file: it ends before its header does", error.Message);
        Assert.DoesNotContain("Unable to read", error.Message);
    }

    /// <summary>The usual failed copy: the header whole, the audio cut. Its transcript would no longer match what is heard.</summary>
    [Fact]
    public void A_wav_cut_short_in_its_audio_is_an_error_saying_how_much_is_missing()
    {
        using var directory = new TemporaryDirectory();
        WavFile.Write(directory.File("whole.wav"), Tones.Tone(1.5));
        var bytes = File.ReadAllBytes(directory.File("whole.wav"));
        File.WriteAllBytes(directory.File("cut.wav"), bytes[..(44 + 16_000 * 2 / 2)]); // the header, and a third of the audio

        var error = Assert.Throws<InputFileException>(() => WavFile.Read(directory.File("cut.wav")));

        Assert.Equal(directory.File("cut.wav"), error.FilePath);
        Assert.Contains("is cut short: its header declares 1.5 s of audio and it holds 0.5 s", error.Message);
        Assert.Equal(24_000, WavFile.Read(directory.File("whole.wav")).Samples.Length); // a whole file reads as before
    }

    [Fact]
    public void A_compressed_sample_format_is_an_error_naming_the_file_and_the_format()
    {
        using var directory = new TemporaryDirectory();
        using (var writer = new WaveFileWriter(directory.File("mulaw.wav"), WaveFormat.CreateMuLawFormat(8_000, 1)))
            writer.Write(new byte[800], 0, 800);

        var error = Assert.Throws<InputFileException>(() => WavFile.Read(directory.File("mulaw.wav")));

        Assert.Equal(directory.File("mulaw.wav"), error.FilePath);
        Assert.Contains("unsupported sample format (MuLaw", error.Message);
    }

    [Fact]
    public void Resampling_keeps_the_length_in_seconds_and_the_pitch()
    {
        var tone = Tones.Tone(1.0, sampleRate: 22_050, hertz: 440);

        var resampled = WavFile.Resample(tone, 16_000);

        Assert.Equal(16_000, resampled.SampleRate);
        Assert.InRange(resampled.Samples.Length, 15_900, 16_100);
        // 440 Hz crosses zero 880 times a second, whatever the rate.
        int crossings = resampled.Samples.Zip(resampled.Samples.Skip(1)).Count(pair => pair.First < 0 != pair.Second < 0);
        Assert.InRange(crossings, 870, 890);
    }
}
