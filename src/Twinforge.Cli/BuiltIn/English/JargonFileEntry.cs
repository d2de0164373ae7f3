using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// An entry of the Jargon File (dict-jargon): the headword on its own line, then a line indented by one space with its
/// pronunciation and part of speech (" /bler'gl/, n."), then the definition indented by four, whose paragraphs may
/// open with a usage tag ("[Usenet]", after the sense number if any). The headword and pronunciation lines and the tags are dropped; deeper-indented
/// examples are kept as lines when they are words (a haiku) and dropped when they are code (a BNF grammar).
/// </summary>
public static partial class JargonFileEntry
{
    public static string ToText(string entry)
    {
        var lines = entry.Split('\n');
        int start = 0;
        while (start < lines.Length && (string.IsNullOrWhiteSpace(lines[start]) || DictionaryText.Indent(lines[start]) < 4)) start++;
        var body = DictionaryText.BodyText(DictionaryText.Paragraphs(lines.Skip(start)));
        return DictionaryText.WithoutBraces(DictionaryText.Document(body.Select(paragraph => UsageTag().Replace(paragraph, "$1"))));
    }

    [GeneratedRegex(@"^((?:\d+\.\s+)?)(?:\[[^\]\n]{1,40}\]\s*)+")]
    private static partial Regex UsageTag();
}
