using System.Text;
using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// An entry of the GNU Collaborative International Dictionary of English (dict-gcide, mostly Webster's 1913): a header
/// "Aback \A*back"\ ([.a]*b[a^]k"), adv. [Pref. a- + back; …]" that may run over several lines until its brackets close,
/// then numbered senses and indented quotations, each followed by its source ("[1913 Webster]"). Kept as running text:
/// the senses and quotations with their authors ("--Dryden."). Dropped: the header (headword, pronunciation,
/// etymology), every bracketed note (sources, [Obs.], [R.]), and synonym lists ("Syn: …"). GCIDE's ASCII codes for
/// letters ("[ae]", "['e]", "[=a]") become the letters.
/// </summary>
public static partial class GcideEntry
{
    public static string ToText(string entry)
    {
        var lines = entry.Split('\n');
        int index = 0;
        while (index < lines.Length && string.IsNullOrWhiteSpace(lines[index])) index++;
        if (index == lines.Length) return "";
        // The header: its first line, and more while a bracket or parenthesis is open or it ends with a comma.
        var header = new StringBuilder(lines[index++]);
        while (index < lines.Length && (Unbalanced(header.ToString()) || header.ToString().TrimEnd().EndsWith(',')))
            header.Append(' ').Append(lines[index++]);

        var paragraphs = DictionaryText.Paragraphs(lines.Skip(index))
            .Select(paragraph => Clean(paragraph.Unwrapped))
            .Where(text => text.Length > 0 && !text.StartsWith("Syn:", StringComparison.Ordinal) && !text.StartsWith("Syn.", StringComparison.Ordinal));
        return DictionaryText.Document(paragraphs);
    }

    /// <summary>Letters from their codes, bracketed notes and braces removed, spaces tidied.</summary>
    public static string Clean(string text)
    {
        text = LetterCode().Replace(text, match => Letter(match.Groups[1].Value) ?? match.Value);
        text = Bracketed().Replace(text, "");
        text = DictionaryText.WithoutBraces(text);
        text = SpaceBeforePunctuation().Replace(text, "$1");
        return Spaces().Replace(text, " ").Trim();
    }

    /// <summary>The letter a GCIDE code stands for: "ae" → æ, "'e" → é, "=a" → a (a macron is a pronunciation mark).</summary>
    static string? Letter(string code) => code switch
    {
        "ae" => "æ", "AE" => "Æ", "oe" => "œ", "OE" => "Œ", "eth" => "ð", "thorn" => "þ", "deg" => "°", "sect" => "§",
        "imac" => "i", "root" => "√", "frac12" => "½", "frac14" => "¼", "frac34" => "¾", "pound" => "£", "cent" => "¢",
        ",c" => "ç", ",C" => "Ç", "~n" => "ñ", "~N" => "Ñ",
        { Length: 2 } when Accented(code[0], code[1]) is { } letter => letter,
        { Length: 2 } when Accented(code[1], code[0]) is { } letter => letter,
        _ => null,
    };

    /// <summary>A letter with an accent mark: acute, grave and diaeresis are spelling; the rest mark pronunciation.</summary>
    static string? Accented(char mark, char letter)
    {
        if (!char.IsAsciiLetter(letter)) return null;
        var combining = mark switch { '\'' => "\u0301", '`' => "\u0300", '"' => "\u0308", '^' or '=' or '.' or '-' or '~' or '?' or '|' => "", _ => null };
        return combining is null ? null : (letter + combining).Normalize(NormalizationForm.FormC);
    }

    static bool Unbalanced(string text)
    {
        int brackets = 0, parentheses = 0;
        foreach (var character in text)
        {
            if (character == '[') brackets++;
            else if (character == ']') brackets--;
            else if (character == '(') parentheses++;
            else if (character == ')') parentheses--;
        }
        return brackets > 0 || parentheses > 0;
    }

    [GeneratedRegex(@"\[([A-Za-z]{2}|[A-Za-z]{3,5}|['`""=.\-~^,?|][A-Za-z]|[a-z][\^=.\-~?|])\]")]
    private static partial Regex LetterCode();

    [GeneratedRegex(@"\s*\[[^\[\]]*\]")]
    private static partial Regex Bracketed();

    [GeneratedRegex(@"\s+([.,;:])")]
    private static partial Regex SpaceBeforePunctuation();

    [GeneratedRegex(@"[ \t]+")]
    private static partial Regex Spaces();
}
