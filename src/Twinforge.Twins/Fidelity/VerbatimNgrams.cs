namespace Twinforge.Twins.Fidelity;

/// <summary>
/// The word n-grams (8 by default) of a twin's training text, to measure how much of what it writes is copied
/// verbatim: a share of a generation's n-grams found in the training text well above what unrelated text shows means
/// the twin recites its creator's data. Words are runs of letters and digits compared lower-cased, so punctuation and
/// case do not hide a copy, and a copied number (an account, a phone number) counts as the words it is.
/// </summary>
public sealed class VerbatimNgrams
{
    readonly HashSet<string> seen = new(StringComparer.Ordinal);

    public VerbatimNgrams(IEnumerable<string> training, int length = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        Length = length;
        foreach (var text in training)
            foreach (var ngram in Ngrams(text)) seen.Add(ngram);
    }

    /// <summary>Words per n-gram.</summary>
    public int Length { get; }

    /// <summary>Distinct n-grams in the training text.</summary>
    public int Distinct => seen.Count;

    /// <summary>Of all the n-grams of <paramref name="texts"/>, how many, and how many occur in the training text.</summary>
    public (int Found, int Total) Count(IEnumerable<string> texts)
    {
        int found = 0, total = 0;
        foreach (var text in texts)
            foreach (var ngram in Ngrams(text))
            {
                total++;
                if (seen.Contains(ngram)) found++;
            }
        return (found, total);
    }

    /// <summary>The share of the n-grams of <paramref name="texts"/> found in the training text (0 when they have none).</summary>
    public double Share(IEnumerable<string> texts)
    {
        var (found, total) = Count(texts);
        return total == 0 ? 0 : (double)found / total;
    }

    IEnumerable<string> Ngrams(string text)
    {
        var words = Words(text);
        for (int i = 0; i + Length <= words.Count; i++) yield return string.Join(' ', words.Skip(i).Take(Length));
    }

    /// <summary>The words of a text as compared: runs of letters and digits, lower-cased (apostrophes inside words dropped).</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        foreach (char c in text + " ")
        {
            if (char.IsLetterOrDigit(c)) word.Append(char.ToLowerInvariant(c));
            else if (word.Length > 0 && c is not ('\'' or '’'))
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
        return words;
    }
}
