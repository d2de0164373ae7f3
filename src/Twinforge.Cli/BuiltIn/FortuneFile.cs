namespace Twinforge.Cli.BuiltIn;

/// <summary>The fortune(6) text format: entries separated by lines holding only <c>%</c>.</summary>
public static class FortuneFile
{
    public static IReadOnlyList<string> ReadEntries(string path)
    {
        var entries = new List<string>();
        var current = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (line == "%")
            {
                Flush();
                continue;
            }
            current.Add(line);
        }
        Flush();
        return entries;

        void Flush()
        {
            var text = string.Join('\n', current).Trim();
            if (text.Length > 0) entries.Add(text);
            current.Clear();
        }
    }
}
