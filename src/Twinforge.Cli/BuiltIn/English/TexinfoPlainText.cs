using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// The prose of a manual as <c>makeinfo --plaintext</c> writes it (gnu-standards' *.text): headings underlined with
/// <c>*</c>, <c>=</c>, <c>-</c> or <c>.</c> start a new document (a section); prose paragraphs are wrapped at the
/// margin (their first line indented by three); examples are indented by five or more and dropped, as are the table of
/// contents before the first heading, menus ("* Node::") and footnote rules. Cross-references keep their words:
/// "*note Legal Matters::" → "Legal Matters", "*note Introduction: (autoconf)Top." → "Introduction".
/// </summary>
public static partial class TexinfoPlainText
{
    public static List<string> Sections(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var sections = new List<string>();
        var current = new List<string>();
        bool started = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (i + 1 < lines.Length && IsUnderline(lines[i + 1], lines[i]))
            {
                Flush();
                started = true;
                i++;
                continue;
            }
            if (started) current.Add(lines[i]);
        }
        Flush();
        return sections;

        void Flush()
        {
            var paragraphs = DictionaryText.Paragraphs(current)
                .Where(paragraph => paragraph.Lines.Skip(1).All(line => DictionaryText.Indent(line) < 5) && DictionaryText.Indent(paragraph.Lines[0]) <= 3)
                .Select(paragraph => paragraph.Unwrapped)
                .Where(paragraph => !Menu().IsMatch(paragraph) && !paragraph.StartsWith("----------", StringComparison.Ordinal))
                .Select(paragraph => CrossReference().Replace(paragraph, "$1"));
            var document = DictionaryText.Document(paragraphs);
            if (document.Length > 0) sections.Add(document);
            current.Clear();
        }
    }

    /// <summary>A line of one underline character as long as the heading above it.</summary>
    static bool IsUnderline(string line, string heading)
    {
        var trimmed = heading.TrimEnd();
        if (trimmed.Length == 0 || line.Length != trimmed.Length) return false;
        char mark = line[0];
        return mark is '*' or '=' or '-' or '.' && line.All(character => character == mark);
    }

    [GeneratedRegex(@"^\*\s+[^:]+::|^\* Menu:")]
    private static partial Regex Menu();

    [GeneratedRegex(@"\*[Nn]ote\s+(?:\([^)]*\))?([^:]+?)(?:::|:\s*(?:\([^)]*\))?[^.,:)]*[.,]?)")]
    private static partial Regex CrossReference();
}
