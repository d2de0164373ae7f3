using Twinforge.Voice.Audio;

namespace Twinforge.Cli.Tests;

/// <summary><c>twinforge voice check</c>: a creator's usable recordings summarised; every bad clip reported with its file, exit 2.</summary>
public sealed class VoiceCommandTests
{
    static Waveform Tone(double seconds, float amplitude = 0.3f) =>
        new(Enumerable.Range(0, (int)(seconds * 16_000)).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * 200 * i / 16_000))).ToArray(), 16_000);

    [Fact]
    public void Check_summarises_usable_recordings()
    {
        using var directory = new TemporaryDirectory();
        WavFile.Write(directory.File("a.wav"), Tone(3));
        WavFile.Write(directory.File("b.wav"), Tone(3));
        File.WriteAllText(directory.File("metadata.csv"), "a|The old clock on the wall struck nine.\nb|She walked slowly along the quiet river.\n");

        var (exitCode, output, error) = CliTesting.Run("voice", "check", directory.Path);

        Assert.True(exitCode == 0, error);
        Assert.Contains("2 clips, 0.1 minutes, all usable (16,000 Hz)", output);
    }

    [Fact]
    public void Check_names_every_bad_clip_and_exits_with_the_input_error_code()
    {
        using var directory = new TemporaryDirectory();
        WavFile.Write(directory.File("a.wav"), Tone(3));
        WavFile.Write(directory.File("quiet.wav"), new Waveform(new float[48_000], 16_000));
        File.WriteAllText(directory.File("metadata.csv"), "a|The old clock on the wall struck nine.\n");

        var (exitCode, _, error) = CliTesting.Run("voice", "check", directory.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{directory.File("quiet.wav")}: has no transcript: add a line 'quiet|what is said' to metadata.csv", error);
    }
}
