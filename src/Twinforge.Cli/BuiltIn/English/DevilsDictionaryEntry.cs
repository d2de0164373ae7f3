namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// An entry of Bierce's The Devil's Dictionary (dict-devil): "ABSOLUTE, adj.  Independent, irresponsible. …" — the
/// headword opens the definition's sentence, so it stays; prose paragraphs are unwrapped and the indented verse that
/// illustrates many entries is kept line by line.
/// </summary>
public static class DevilsDictionaryEntry
{
    public static string ToText(string entry)
    {
        var paragraphs = DictionaryText.Paragraphs(entry.Split('\n'));
        var text = paragraphs.Select(paragraph => paragraph.Indent == 0 ? paragraph.Unwrapped : paragraph.LineByLine);
        return DictionaryText.WithoutBraces(DictionaryText.Document(text));
    }
}
