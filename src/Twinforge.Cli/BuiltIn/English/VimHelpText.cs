using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// The prose of Vim's help files (vim-runtime's <c>doc/*.txt</c>, the Vim reference manual and user manual, mostly
/// written by Bram Moolenaar): one voice explaining one program at length, which the English base never read. A help
/// file is plain text with markup: <c>*tag*</c> anchors, <c>|link|</c> references, example blocks opened by a line
/// ending in " >" (or a lone ">") and closed by a line starting with "&lt;" or by text at the margin again, rules of
/// "=" or "-", and command entries (the command at the margin, a tab, its description indented below). What is kept:
/// each prose paragraph at the margin, and each command entry's description, with the tag under which it stands (what
/// a user would ask about). Tables, examples, headings and the release notes (<c>version*.txt</c>) are left out.
/// </summary>
public static partial class VimHelpText
{
    /// <summary>A piece of the manual: the topic it explains (its tag, or the command) and the text.</summary>
    public sealed record Passage(string Topic, string Text, bool IsCommand);

    public static IEnumerable<Passage> Read(string path)
    {
        string topic = Path.GetFileNameWithoutExtension(path);
        bool inExample = false;
        var paragraph = new List<string>();
        string? command = null;
        var description = new List<string>();

        IEnumerable<Passage> Flush()
        {
            if (paragraph.Count > 0 && Clean(string.Join(' ', paragraph)) is { } prose) yield return new Passage(topic, prose, false);
            paragraph.Clear();
            if (command is not null && description.Count > 0 && Clean(string.Join(' ', description)) is { } explained) yield return new Passage(command, explained, true);
            command = null;
            description.Clear();
        }

        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.TrimEnd();
            if (inExample)
            {
                // An example ends at a line starting with "<", or at text back at the margin.
                if (line.StartsWith('<')) { inExample = false; continue; }
                if (line.Length == 0 || char.IsWhiteSpace(line[0])) continue;
                inExample = false;
            }
            // The first tag names the topic; section numbers of the user manual ("07.4") name nothing a user asks about.
            if (Tags().Matches(line).FirstOrDefault(tag => !SectionNumber().IsMatch(tag.Groups[1].Value)) is { } named) topic = named.Groups[1].Value;
            bool opensExample = line == ">" || line.EndsWith(" >", StringComparison.Ordinal);
            // "For example: >" ends its paragraph (the line is prose) and opens an example.
            if (opensExample && line != ">" && !char.IsWhiteSpace(line[0]) && command is null) paragraph.Add(Tags().Replace(line[..^2], "").Trim());
            if (line.Length == 0 || Rule().IsMatch(line) || opensExample)
            {
                foreach (var passage in Flush()) yield return passage;
                inExample = opensExample;
                continue;
            }
            var withoutTags = Tags().Replace(line, "").TrimEnd();
            if (char.IsWhiteSpace(line[0]))
            {
                // Indented: a command's description continues; anything else indented (tables, lists) is left out.
                if (command is not null && paragraph.Count == 0) description.Add(withoutTags.Trim());
                else foreach (var passage in Flush()) yield return passage;
                continue;
            }
            if (withoutTags.Length == 0) continue; // a line of tags only: the topic of what follows
            if (CommandEntry().Match(withoutTags) is { Success: true } entry && paragraph.Count == 0)
            {
                foreach (var passage in Flush()) yield return passage;
                command = entry.Groups[1].Value.Trim();
                if (command.EndsWith(" or", StringComparison.Ordinal)) command = command[..^3].TrimEnd();
                description.Add(entry.Groups[2].Value.Trim());
                continue;
            }
            if (withoutTags.Contains('\t') || IsHeading(withoutTags))
            {
                foreach (var passage in Flush()) yield return passage;
                continue;
            }
            if (command is not null) foreach (var passage in Flush()) yield return passage;
            paragraph.Add(withoutTags.Trim());
        }
        foreach (var passage in Flush()) yield return passage;
    }

    /// <summary>Links unwrapped ("|:s|" → ":s"), spaces collapsed; null when it is not prose of at least eight words.</summary>
    static string? Clean(string text)
    {
        var cleaned = Whitespace().Replace(Link().Replace(text, "$1"), " ").Trim();
        var words = cleaned.Split(' ');
        if (words.Length < 8) return null;
        int wordy = words.Count(word => word.Any(char.IsLetter) && word.All(c => char.IsLetter(c) || c is '\'' or ',' or '.' or ';' or ':' or '-' or '"' or '(' or ')' or '!' or '?'));
        return wordy >= words.Length * 0.7 ? cleaned : null;
    }

    /// <summary>"VIM REFERENCE MANUAL …", "1. Deleting text": capitals or a numbered title, short.</summary>
    static bool IsHeading(string line) =>
        line.Length < 70 && (line.ToUpperInvariant() == line && line.Any(char.IsLetter) || NumberedTitle().IsMatch(line));

    [GeneratedRegex(@"\*([^\s*|]+)\*")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\|([^\s|]+)\|")]
    private static partial Regex Link();

    [GeneratedRegex(@"^(?:={10,}|-{10,})\s*$")]
    private static partial Regex Rule();

    [GeneratedRegex(@"^(\S[^\t]{0,30}?)\t+(\S.*)$")]
    private static partial Regex CommandEntry();

    [GeneratedRegex(@"^\d+(\.\d+)*\.?\s+\S")]
    private static partial Regex NumberedTitle();

    [GeneratedRegex(@"^[\d.]+$")]
    private static partial Regex SectionNumber();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
