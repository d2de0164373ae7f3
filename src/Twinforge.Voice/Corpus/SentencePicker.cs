using System.Text.RegularExpressions;

namespace Twinforge.Voice.Corpus;

/// <summary>
/// Sentences to be spoken, cut from running English text: whole sentences of 4 to 16 words of letters and ordinary
/// punctuation (no digits or symbols, which synthesisers and recognisers read each their own way), each once.
/// </summary>
public static partial class SentencePicker
{
    public const int MinWords = 4, MaxWords = 16;

    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z""'])")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"^[A-Z][A-Za-z ,;:'""!?.\-]*[.!?]$")]
    private static partial Regex Speakable();

    [GeneratedRegex(@"\s*--\s*")]
    private static partial Regex Dash();

    public static IEnumerable<string> Pick(string text)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var candidate in SentenceEnd().Split(text))
        {
            var sentence = string.Join(' ', Dash().Replace(candidate, ", ").Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
            int words = sentence.Count(c => c == ' ') + 1;
            if (words < MinWords || words > MaxWords || !Speakable().IsMatch(sentence)) continue;
            if (seen.Add(sentence)) yield return sentence;
        }
    }
}
