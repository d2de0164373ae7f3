using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// An entry of the Free On-line Dictionary of Computing (dict-foldoc): headword lines at the margin, then the
/// definition indented by three, opening with its subject tags ("&lt;language&gt;", after the sense number if any). Dropped: headwords, tags, the
/// closing date "(1996-04-07)", source notes and references in brackets ("[{Jargon File}]"), contact lines (E-mail:, Home:, Address:,
/// Telephone:) and short paragraphs that are mostly a web address; code examples indented deeper.
/// </summary>
public static partial class FoldocEntry
{
    static readonly string[] ContactPrefixes = ["E-mail:", "Home:", "Address:", "Telephone:", "Tel:", "Fax:", "Mailing list:", "Usenet newsgroup:", "FTP:"];

    public static string ToText(string entry)
    {
        var lines = entry.Split('\n');
        int start = 0;
        while (start < lines.Length && (string.IsNullOrWhiteSpace(lines[start]) || DictionaryText.Indent(lines[start]) == 0)) start++;
        var kept = new List<string>();
        foreach (var paragraph in DictionaryText.BodyText(DictionaryText.Paragraphs(lines.Skip(start))))
        {
            var text = paragraph.Trim();
            if (Date().IsMatch(text) || Reference().IsMatch(text)) continue;
            if (ContactPrefixes.Any(prefix => text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))) continue;
            text = WebAddressInParentheses().Replace(text, "");
            if (WebAddress().IsMatch(text) && text.Split(' ').Length < 20) continue;
            // What is left of a line that was mostly an address: "Home (http://…)." → "Home."
            if (text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length < 3) continue;
            kept.Add(SubjectTags().Replace(text, "$1"));
        }
        return DictionaryText.WithoutBraces(DictionaryText.Document(kept));
    }

    [GeneratedRegex(@"^\(\d{4}-\d{2}-\d{2}\)$")]
    private static partial Regex Date();

    /// <summary>A paragraph that is only a source or a bibliographic reference: "[{Jargon File}]", "["Title", Author, 1986]."</summary>
    [GeneratedRegex(@"^\[.*\]\.?$", RegexOptions.Singleline)]
    private static partial Regex Reference();

    [GeneratedRegex(@"^((?:\d+\.\s+)?)<[^>\n]*>\s*")]
    private static partial Regex SubjectTags();

    [GeneratedRegex(@"\s*\((?:https?|ftp)://[^)]*\)")]
    private static partial Regex WebAddressInParentheses();

    [GeneratedRegex(@"(?:https?|ftp)://|www\.")]
    private static partial Regex WebAddress();
}
