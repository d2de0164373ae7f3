using Twinforge.Engine;
using Twinforge.Voice.Audio;

namespace Twinforge.Voice.Recordings;

/// <summary>
/// A creator's recordings: a folder of WAV files, each with its transcript — either a <c>metadata.csv</c> of
/// <c>id|transcript</c> lines (the LJSpeech layout most speech tools read; a third column, a normalised transcript, is
/// taken when present), or a text file beside each clip (<c>clip.txt</c> or <c>clip.lab</c>). Every clip is read and
/// checked before anything is trained, and every problem in the folder is reported at once, each naming its file.
/// </summary>
public static class RecordingsFolder
{
    public const string MetadataFileName = "metadata.csv";
    static readonly string[] TranscriptExtensions = [".txt", ".lab"];

    /// <exception cref="BadInputException">The folder is missing or has no WAV files.</exception>
    /// <exception cref="InputFileException">Clips or transcripts with problems: every one of them, each naming its file (and line).</exception>
    public static IReadOnlyList<RecordedClip> Read(string directory)
    {
        if (File.Exists(directory))
            throw new BadInputException($"{directory}: is a file, not a folder of recordings (give the folder that holds the .wav files and their transcripts)");
        if (!Directory.Exists(directory)) throw new BadInputException($"{directory}: no such folder of recordings");
        var wavs = Directory.EnumerateFiles(directory).Where(file => file.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        if (wavs.Count == 0) throw new BadInputException($"{directory}: no .wav files (a creator's recordings are WAV files with a transcript each)");
        var errors = new List<InputFileException>();
        var transcripts = Transcripts(directory, wavs, errors);
        var clips = new List<RecordedClip>();
        foreach (var wav in wavs)
        {
            var id = Path.GetFileNameWithoutExtension(wav);
            // The audio is read even when the transcript is missing, so a file that is not WAV is reported as such
            // at once rather than after its transcript has been written.
            Waveform? audio = null;
            try
            {
                audio = WavFile.Read(wav);
            }
            catch (InputFileException error)
            {
                errors.Add(error);
            }
            if (!transcripts.TryGetValue(id, out var transcript))
            {
                errors.Add(new InputFileException(wav, File.Exists(Path.Combine(directory, MetadataFileName))
                    ? $"has no transcript: add a line '{id}|what is said' to {MetadataFileName}"
                    : $"has no transcript: write what is said in {id}.txt beside it"));
                continue;
            }
            if (audio is null) continue;
            var problems = ClipChecks.Check(wav, audio, transcript);
            if (problems.Count > 0) errors.AddRange(problems);
            else clips.Add(new RecordedClip(id, wav, transcript, audio));
        }
        if (errors.Count > 0) throw InputFileException.Combine(errors);
        return clips;
    }

    static Dictionary<string, string> Transcripts(string directory, IReadOnlyList<string> wavs, List<InputFileException> errors)
    {
        var transcripts = new Dictionary<string, string>(StringComparer.Ordinal);
        var metadata = Path.Combine(directory, MetadataFileName);
        if (File.Exists(metadata))
        {
            var ids = wavs.Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
            int number = 0;
            foreach (var line in File.ReadLines(metadata))
            {
                number++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                var fields = line.Split('|');
                var id = fields[0].Trim();
                if (id.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)) id = id[..^4];
                if (fields.Length < 2)
                    errors.Add(new InputFileException(metadata, "is not 'id|transcript' (no '|' between the clip's name and what is said)", line: number));
                else if (string.IsNullOrWhiteSpace(fields[^1]))
                    errors.Add(new InputFileException(metadata, "is not 'id|transcript' (nothing after a '|')", line: number));
                else if (!ids.Contains(id))
                    errors.Add(new InputFileException(metadata, $"names a clip '{id}' with no {id}.wav in the folder", line: number));
                else if (!transcripts.TryAdd(id, (fields.Length >= 3 ? fields[2] : fields[1]).Trim()))
                    errors.Add(new InputFileException(metadata, $"gives clip '{id}' a second transcript", line: number));
            }
            return transcripts;
        }
        foreach (var wav in wavs)
        {
            var stem = Path.Combine(directory, Path.GetFileNameWithoutExtension(wav));
            if (TranscriptExtensions.Select(extension => stem + extension).FirstOrDefault(File.Exists) is { } file)
                transcripts[Path.GetFileNameWithoutExtension(wav)] = File.ReadAllText(file).Trim();
        }
        return transcripts;
    }
}
