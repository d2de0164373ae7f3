using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// An entry of WordNet 3.0 (dict-wn): the headword at the margin, then numbered senses ("n 1: the quality of being
/// ideal; "an example" [syn: {ideal}]"), wrapped and indented. Each sense becomes one line of its gloss and example
/// sentences, without its part of speech, number, or the bracketed lists of synonyms, antonyms and related words.
/// </summary>
public static partial class WordNetEntry
{
    public static string ToText(string entry)
    {
        var senses = new List<string>();
        var current = new List<string>();
        foreach (var line in entry.Split('\n').SkipWhile(line => string.IsNullOrWhiteSpace(line) || DictionaryText.Indent(line) == 0))
        {
            if (SenseStart().Match(line) is { Success: true } start)
            {
                Flush();
                current.Add(line[start.Length..]);
            }
            else if (current.Count > 0) current.Add(line);
        }
        Flush();
        return string.Join('\n', senses);

        void Flush()
        {
            if (current.Count == 0) return;
            var gloss = string.Join(' ', current.Select(line => line.Trim()).Where(line => line.Length > 0));
            gloss = DictionaryText.WithoutBraces(RelatedWords().Replace(gloss, "")).Trim();
            if (gloss.Length > 0) senses.Add(gloss);
            current.Clear();
        }
    }

    [GeneratedRegex(@"^\s+(?:(?:n|v|adj|adv)\s+)?\d+:\s*")]
    private static partial Regex SenseStart();

    [GeneratedRegex(@"\s*\[[a-z ]+:[^\]]*\]")]
    private static partial Regex RelatedWords();
}
