using System.Globalization;
using Twinforge.Engine;
using Twinforge.Voice.Audio;
using Twinforge.Voice.Recordings;
using Twinforge.Voice.Synthesis;

namespace Twinforge.Voice.Corpus;

/// <summary>
/// Writes a synthetic creator's clips the way a person's recordings arrive — a folder of WAV files and a
/// <c>metadata.csv</c> of transcripts, no phonemes, no timings — so that adapting to a built-in creator goes through
/// exactly the path a real creator's recordings take (<see cref="RecordingsFolder"/>). Clips already written are
/// kept, so an interrupted build resumes.
/// </summary>
public static class CreatorRecordingsWriter
{
    /// <exception cref="BadInputException">Too few sentences, or the synthesiser is missing.</exception>
    public static void Write(string directory, SynthesisVoice voice, IReadOnlyList<string> sentences, int clips, int sampleRate = SpeechCorpusBuilder.DefaultSampleRate,
        Action<int, int>? onClip = null, CancellationToken cancellationToken = default)
    {
        if (sentences.Count < clips) throw new BadInputException($"{sentences.Count} sentences are too few for {clips} clips of {voice}");
        Directory.CreateDirectory(directory);
        var lines = new List<string>();
        for (int clip = 0; clip < clips; clip++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = string.Create(CultureInfo.InvariantCulture, $"{voice.Id}-{clip + 1:0000}");
            var path = Path.Combine(directory, id + ".wav");
            if (!File.Exists(path)) WavFile.Write(path, SpeechSynthesiser.Speak(voice, sentences[clip], sampleRate));
            lines.Add($"{id}|{sentences[clip]}");
            onClip?.Invoke(clip + 1, clips);
        }
        AtomicFile.WriteAllText(Path.Combine(directory, RecordingsFolder.MetadataFileName), string.Join('\n', lines) + "\n");
    }
}
