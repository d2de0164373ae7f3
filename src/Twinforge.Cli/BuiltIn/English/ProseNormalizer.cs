using System.Globalization;
using System.Text;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// Puts a document's text in the corpus's one form, and says whether it is prose worth training on. The form: Unicode
/// NFC; Unix newlines; tabs as spaces; control characters, zero-width characters, byte-order marks and replacement
/// characters removed; each line trimmed and its runs of spaces collapsed; a line holding only <c>%</c> dropped (it
/// would end the document in the corpus file); at most one blank line in a row; no blank line at either edge.
/// Kept as prose: at least <see cref="MinimumWords"/> words, mostly letters, mostly of the Latin alphabet.
/// </summary>
public static class ProseNormalizer
{
    /// <summary>Fewer words than this and a document is a fragment (a headword, a date, a "See X").</summary>
    public const int MinimumWords = 6;

    /// <summary>Letters must be at least this share of a document's visible characters: tables, code and art are not.</summary>
    public const double MinimumLetterShare = 0.65;

    /// <summary>The normalised form of <paramref name="text"/> (empty when nothing visible is left).</summary>
    public static string Normalize(string text)
    {
        var cleaned = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char character = text[i];
            if (character == '\r')
            {
                cleaned.Append('\n');
                if (i + 1 < text.Length && text[i + 1] == '\n') i++;
            }
            else if (character is '\n' or '\u2028' or '\u2029') cleaned.Append('\n');
            else if (character == '\t' || character == '\u00A0' || char.GetUnicodeCategory(character) == UnicodeCategory.SpaceSeparator) cleaned.Append(' ');
            else if (char.IsControl(character) || IsInvisible(character)) continue;
            else if (char.IsSurrogate(character))
            {
                // Only whole pairs are text; a lone half is damage.
                if (char.IsHighSurrogate(character) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    cleaned.Append(character).Append(text[i + 1]);
                    i++;
                }
            }
            else cleaned.Append(character);
        }
        var normalized = cleaned.ToString().Normalize(NormalizationForm.FormC);

        var result = new StringBuilder(normalized.Length);
        int pendingBlankLines = 0;
        foreach (var rawLine in normalized.Split('\n'))
        {
            var line = CollapseSpaces(rawLine);
            if (line == SeparatedTextFile.Separator) continue;
            if (line.Length == 0)
            {
                if (result.Length > 0) pendingBlankLines++;
                continue;
            }
            if (result.Length > 0) result.Append(pendingBlankLines > 0 ? "\n\n" : "\n");
            pendingBlankLines = 0;
            result.Append(line);
        }
        return result.ToString();
    }

    /// <summary>More letters than this share outside the Latin alphabet and a document is not English (Chinese, Greek).</summary>
    public const double MaximumNonLatinShare = 0.1;

    /// <summary>
    /// Why a normalised document is not kept as prose, or null when it is: too few words, mostly not letters, or
    /// written in another alphabet.
    /// </summary>
    public static string? NotProse(string normalized)
    {
        int words = 0, letters = 0, nonLatin = 0, visible = 0;
        bool inWord = false;
        foreach (var character in normalized)
        {
            bool space = char.IsWhiteSpace(character);
            if (!space)
            {
                visible++;
                if (char.IsLetter(character))
                {
                    letters++;
                    if (character > '\u024F') nonLatin++; // past Latin Extended-B
                }
                if (!inWord) words++;
            }
            inWord = !space;
        }
        if (words < MinimumWords) return "too short";
        if (letters < MinimumLetterShare * visible) return "mostly not letters";
        if (nonLatin > MaximumNonLatinShare * letters) return "not in the Latin alphabet";
        return null;
    }

    /// <summary>Zero-width and format characters that change nothing a reader sees, and the replacement character.</summary>
    static bool IsInvisible(char character) =>
        character is '\uFEFF' or '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\u00AD' or '\uFFFD' or '\uFFFE' or '\uFFFF';

    static string CollapseSpaces(string line)
    {
        var trimmed = line.Trim(' ');
        if (!trimmed.Contains("  ", StringComparison.Ordinal)) return trimmed;
        var collapsed = new StringBuilder(trimmed.Length);
        foreach (var character in trimmed)
            if (character != ' ' || collapsed[^1] != ' ') collapsed.Append(character);
        return collapsed.ToString();
    }
}
