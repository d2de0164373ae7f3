using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// What the dictd dictionaries' entries share: wrapped, indented plain text in paragraphs separated by blank lines,
/// cross-references in braces (<c>{Emacs}</c>), and indented blocks that are either verse and quotations (kept, line
/// by line) or code and tables (dropped). Each dictionary's own rules are in its own class.
/// </summary>
public static partial class DictionaryText
{
    /// <summary>A paragraph: its lines as they are, and the smallest indentation among them.</summary>
    public sealed record Paragraph(IReadOnlyList<string> Lines, int Indent)
    {
        /// <summary>The lines trimmed and joined with single spaces: a wrapped paragraph as running text.</summary>
        public string Unwrapped => string.Join(' ', Lines.Select(line => line.Trim()).Where(line => line.Length > 0));

        /// <summary>The lines trimmed, one per line: verse, or a quotation laid out in lines.</summary>
        public string LineByLine => string.Join('\n', Lines.Select(line => line.Trim()).Where(line => line.Length > 0));
    }

    /// <summary>The paragraphs of <paramref name="lines"/> (runs of non-blank lines).</summary>
    public static List<Paragraph> Paragraphs(IEnumerable<string> lines)
    {
        var paragraphs = new List<Paragraph>();
        var current = new List<string>();
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                Flush();
                continue;
            }
            current.Add(line.TrimEnd());
        }
        Flush();
        return paragraphs;

        void Flush()
        {
            if (current.Count == 0) return;
            paragraphs.Add(new Paragraph(current.ToList(), current.Min(Indent)));
            current.Clear();
        }
    }

    /// <summary>Leading spaces of a line (a tab counts as up to the next multiple of eight).</summary>
    public static int Indent(string line)
    {
        int column = 0;
        foreach (var character in line)
        {
            if (character == ' ') column++;
            else if (character == '\t') column = (column / 8 + 1) * 8;
            else break;
        }
        return column;
    }

    /// <summary>
    /// True when a block reads as code, a table or a diagram rather than words: many characters that prose seldom
    /// uses (brackets, operators, sigils), or few letters.
    /// </summary>
    public static bool LooksLikeCode(string text)
    {
        int visible = 0, letters = 0, symbols = 0;
        foreach (var character in text)
        {
            if (char.IsWhiteSpace(character)) continue;
            visible++;
            if (char.IsLetter(character)) letters++;
            else if ("{}[]<>=;|\\/$#@*_^~+&`".Contains(character)) symbols++;
        }
        return visible == 0 || symbols > 0.04 * visible || letters < 0.7 * visible;
    }

    /// <summary><c>{Black Screen of Death}</c> → <c>Black Screen of Death</c>; stray braces go too.</summary>
    public static string WithoutBraces(string text) =>
        CrossReference().Replace(text, match => match.Groups[1].Value.Trim()).Replace("{", "").Replace("}", "");

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex CrossReference();

    /// <summary>
    /// A dictionary body's paragraphs as text: those at the body's indentation (the one most of its lines have, so
    /// that a stray line at the margin, such as a wrapped web address, does not count) or less unwrapped; deeper ones
    /// (examples, verse, quotations) kept line by line unless they look like code, then dropped.
    /// </summary>
    public static IEnumerable<string> BodyText(IReadOnlyList<Paragraph> paragraphs)
    {
        if (paragraphs.Count == 0) yield break;
        int bodyIndent = paragraphs.GroupBy(paragraph => paragraph.Indent)
            .OrderByDescending(group => group.Sum(paragraph => paragraph.Lines.Count)).ThenBy(group => group.Key)
            .First().Key;
        foreach (var paragraph in paragraphs)
        {
            if (paragraph.Indent <= bodyIndent) yield return paragraph.Unwrapped;
            else if (!LooksLikeCode(paragraph.LineByLine)) yield return paragraph.LineByLine;
        }
    }

    /// <summary>Paragraphs joined as a document: a blank line between them.</summary>
    public static string Document(IEnumerable<string> paragraphs) =>
        string.Join("\n\n", paragraphs.Select(paragraph => paragraph.Trim()).Where(paragraph => paragraph.Length > 0));
}
