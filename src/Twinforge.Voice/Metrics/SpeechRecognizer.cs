using Twinforge.Voice.Audio;

namespace Twinforge.Voice.Metrics;

/// <summary>
/// An independent judge of intelligibility: CMU PocketSphinx (Debian's <c>pocketsphinx</c> with its US English
/// acoustic model, language model and dictionary, <c>pocketsphinx-en-us</c>), which shares nothing with the voice
/// model, transcribing a clip. It takes 16 kHz mono; other audio is resampled first.
/// </summary>
public static class SpeechRecognizer
{
    public static string Transcribe(Waveform audio)
    {
        var path = Path.Combine(Path.GetTempPath(), $"twinforge-asr-{Guid.NewGuid():N}.wav");
        try
        {
            WavFile.Write(path, WavFile.Resample(audio, 16_000));
            var output = ExternalTool.Run("pocketsphinx_continuous", ["-infile", path, "-logfn", "/dev/null"], "transcribing");
            return string.Join(' ', output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
