using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// Debian's American English word list (package <c>wamerican</c>, fetched like the corpora, never installed): how
/// much of a text is English words, the demo's check that a twin writes words rather than letters. A word is a run of
/// letters with an optional apostrophe part ("isn't", "user's"); it counts as English when the list holds it as written
/// or in lower case (the list has proper nouns capitalised, possessives and plurals).
/// </summary>
public sealed partial class EnglishWordList
{
    readonly HashSet<string> words;

    EnglishWordList(HashSet<string> words) => this.words = words;

    /// <summary>The list from the package, cached under the corpora directory.</summary>
    public static EnglishWordList Load(string cacheRoot)
    {
        var root = DebianPackage.Extract("wamerican", Path.Combine(new BuiltInCorpora(cacheRoot).Directory, "packages", "wamerican"));
        return FromFile(Path.Combine(root, "usr", "share", "dict", "american-english"));
    }

    /// <summary>A list of one word per line.</summary>
    public static EnglishWordList FromFile(string path) =>
        new(File.ReadLines(path).Select(line => line.Trim()).Where(line => line.Length > 0).ToHashSet(StringComparer.Ordinal));

    /// <summary>The words of <paramref name="text"/> and how many of them are English.</summary>
    public (int English, int Words) Count(string text)
    {
        int english = 0, total = 0;
        foreach (Match match in Word().Matches(text))
        {
            total++;
            if (words.Contains(match.Value) || words.Contains(match.Value.ToLowerInvariant())) english++;
        }
        return (english, total);
    }

    [GeneratedRegex(@"\p{L}+(?:'\p{L}+)?")]
    private static partial Regex Word();
}
