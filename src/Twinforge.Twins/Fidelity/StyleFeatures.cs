using System.Text;

namespace Twinforge.Twins.Fidelity;

/// <summary>
/// A text's style as numbers: the rate of each function word (per word) and of each of the most frequent character
/// n-grams of a training pool (per n-gram), the features of <see cref="StylometricJudge"/>. Words and n-grams are read
/// lower-cased with runs of whitespace as one space, so layout does not count as style.
/// </summary>
public sealed class StyleFeatures
{
    readonly Dictionary<string, int> words;
    readonly Dictionary<string, int> ngrams;
    readonly int ngramLength;

    StyleFeatures(IReadOnlyList<string> functionWords, IReadOnlyList<string> characterNgrams, int ngramLength)
    {
        words = functionWords.Distinct().Select((word, index) => (word, index)).ToDictionary(pair => pair.word, pair => pair.index);
        ngrams = characterNgrams.Select((ngram, index) => (ngram, index)).ToDictionary(pair => pair.ngram, pair => words.Count + pair.index);
        this.ngramLength = ngramLength;
        Names = [.. words.Keys, .. characterNgrams.Select(ngram => $"\"{ngram}\"")];
    }

    /// <summary>Feature names in vector order: the words, then the quoted n-grams.</summary>
    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>The function words and the <paramref name="ngramCount"/> most frequent character n-grams of <paramref name="pool"/> (ties in ordinal order).</summary>
    public static StyleFeatures Learn(IEnumerable<string> pool, IReadOnlyList<string> functionWords, int ngramCount, int ngramLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ngramLength, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(ngramCount);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in pool)
        {
            var normal = Normalize(text);
            for (int i = 0; i + ngramLength <= normal.Length; i++)
            {
                var ngram = normal.Substring(i, ngramLength);
                counts[ngram] = counts.GetValueOrDefault(ngram) + 1;
            }
        }
        var top = counts.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal).Take(ngramCount).Select(pair => pair.Key).ToList();
        return new StyleFeatures(functionWords, top, ngramLength);
    }

    /// <summary>The text's feature vector: word rates per word, n-gram rates per n-gram (zeros for an empty text).</summary>
    public double[] Measure(string text)
    {
        var vector = new double[Count];
        var normal = Normalize(text);
        int wordCount = 0;
        foreach (var word in Words(normal))
        {
            wordCount++;
            if (words.TryGetValue(word, out int index)) vector[index]++;
        }
        int ngramCount = Math.Max(0, normal.Length - ngramLength + 1);
        for (int i = 0; i < ngramCount; i++)
            if (ngrams.TryGetValue(normal.Substring(i, ngramLength), out int index)) vector[index]++;
        for (int f = 0; f < words.Count; f++) vector[f] = wordCount == 0 ? 0 : vector[f] / wordCount;
        for (int f = words.Count; f < Count; f++) vector[f] = ngramCount == 0 ? 0 : vector[f] / ngramCount;
        return vector;
    }

    /// <summary>The text's words: runs of letters, with an apostrophe inside a word kept ("don't").</summary>
    public static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        for (int i = 0; i <= text.Length; i++)
        {
            char c = i < text.Length ? char.ToLowerInvariant(text[i]) : ' ';
            bool inner = (c == '\'' || c == '’') && word.Length > 0 && i + 1 < text.Length && char.IsLetter(text[i + 1]);
            if (char.IsLetter(c) || inner) word.Append(c == '’' ? '\'' : c);
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }
    }

    static string Normalize(string text)
    {
        var normal = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c)) space = normal.Length > 0;
            else
            {
                if (space) normal.Append(' ');
                space = false;
                normal.Append(char.ToLowerInvariant(c));
            }
        }
        return normal.ToString();
    }
}
