using System.Globalization;
using Twinforge.Engine;
using Twinforge.Voice.Audio;

namespace Twinforge.Voice.Synthesis;

/// <summary>
/// Speaks a sentence with a <see cref="SynthesisVoice"/> by running Debian's <c>espeak-ng</c> or <c>flite</c>, and
/// returns the audio at the corpus's sample rate. The text goes through a file, never the command line, so no
/// sentence is taken for an option.
/// </summary>
public static class SpeechSynthesiser
{
    /// <exception cref="BadInputException">The synthesiser is not installed, or failed on the text.</exception>
    public static Waveform Speak(SynthesisVoice voice, string text, int sampleRate)
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"twinforge-say-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            var textFile = Path.Combine(scratch, "text.txt");
            var wav = Path.Combine(scratch, "out.wav");
            File.WriteAllText(textFile, text);
            var (program, arguments) = voice.Engine switch
            {
                SynthesisEngine.EspeakNg => ("espeak-ng", EspeakArguments(voice, textFile, wav)),
                _ => ("flite", new List<string> { "-voice", voice.Voice, "-f", textFile, "-o", wav }),
            };
            ExternalTool.Run(program, arguments, $"speaking with {voice}");
            return WavFile.Resample(WavFile.Read(wav), sampleRate);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    static List<string> EspeakArguments(SynthesisVoice voice, string textFile, string wav)
    {
        var arguments = new List<string> { "-v", voice.Voice, "-w", wav, "-f", textFile };
        if (voice.Pitch is int pitch) arguments.AddRange(["-p", pitch.ToString(CultureInfo.InvariantCulture)]);
        if (voice.WordsPerMinute is int rate) arguments.AddRange(["-s", rate.ToString(CultureInfo.InvariantCulture)]);
        return arguments;
    }
}
