namespace Twinforge.Voice.Phonemes;

/// <summary>
/// Text to phonemes with espeak-ng's phonemiser (American English, its ASCII phoneme names, one <c>_</c> between
/// phonemes): <c>"the quick fox"</c> → <c>D @ ␣ k w 'I k ␣ f '0 k s</c>. Stress marks stay on their vowel (a stressed
/// and an unstressed vowel sound different); espeak-ng's variant marks (<c>#</c>) and its palatalisation sign are
/// dropped; word ends become <see cref="WordBoundary"/> and clause ends (its line breaks, its long pauses) become
/// <see cref="Pause"/>, where speakers pause.
/// </summary>
public static class Phonemiser
{
    public const string WordBoundary = " ";
    public const string Pause = ".";
    public const string Voice = "en-us";

    public static IReadOnlyList<string> Phonemise(string text)
    {
        var file = Path.Combine(Path.GetTempPath(), $"twinforge-phonemes-{Guid.NewGuid():N}.txt");
        File.WriteAllText(file, text);
        try
        {
            return Parse(ExternalTool.Run("espeak-ng", ["-q", "-x", "--sep=_", "-v", Voice, "-f", file], "phonemising"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>espeak-ng's <c>-x --sep=_</c> output to phoneme tokens.</summary>
    public static IReadOnlyList<string> Parse(string espeakOutput)
    {
        var tokens = new List<string>();
        void Boundary(string boundary)
        {
            if (tokens.Count == 0) return;
            if (tokens[^1] == WordBoundary) tokens.RemoveAt(tokens.Count - 1);
            if (tokens[^1] != Pause) tokens.Add(boundary);
        }
        foreach (var line in espeakOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                foreach (var raw in word.Split('_'))
                {
                    if (raw.Length > 0 && raw.All(c => c == ':')) { Boundary(Pause); continue; } // a long pause ("--")
                    var phoneme = raw.Replace("#", "").Replace(";", "");
                    if (phoneme.Length > 0 && phoneme != "'" && phoneme != ",") tokens.Add(phoneme);
                }
                if (tokens.Count > 0 && tokens[^1] != Pause) tokens.Add(WordBoundary);
            }
            Boundary(Pause);
        }
        if (tokens.Count > 0 && tokens[^1] is WordBoundary or Pause) tokens.RemoveAt(tokens.Count - 1);
        return tokens;
    }
}
