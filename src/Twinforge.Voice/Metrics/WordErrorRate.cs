using System.Text;

namespace Twinforge.Voice.Metrics;

/// <summary>
/// Word error rate: the fewest word substitutions, deletions and insertions turning the reference into the
/// hypothesis, over the reference's words; words compared lower-case, punctuation removed (apostrophes kept).
/// </summary>
public static class WordErrorRate
{
    public static IReadOnlyList<string> Words(string text)
    {
        var cleaned = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant()) cleaned.Append(char.IsLetterOrDigit(c) || c == '\'' ? c : ' ');
        return cleaned.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>(errors, reference words) — summed over clips before dividing, as corpus WER is.</summary>
    public static (int Errors, int Words) Count(string reference, string hypothesis)
    {
        var r = Words(reference);
        var h = Words(hypothesis);
        var previous = Enumerable.Range(0, h.Count + 1).ToArray();
        for (int i = 1; i <= r.Count; i++)
        {
            var current = new int[h.Count + 1];
            current[0] = i;
            for (int j = 1; j <= h.Count; j++)
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1));
            previous = current;
        }
        return (previous[h.Count], r.Count);
    }

    /// <summary>
    /// A 95% interval of the corpus WER of <paramref name="sentences"/> (each one's errors and reference words): the
    /// percentile bootstrap over sentences, resampled with replacement (words within a sentence are not independent,
    /// so sentences are the unit). With twenty short sentences a few words move a WER by several points; this says how
    /// many. Seeded: the same sentences give the same interval.
    /// </summary>
    public static (double Low, double High) Interval(IReadOnlyList<(int Errors, int Words)> sentences, int resamples = 2_000, int seed = 0)
    {
        if (sentences.Count == 0) return (double.NaN, double.NaN);
        var random = new Random(seed);
        var rates = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            long errors = 0, words = 0;
            for (int i = 0; i < sentences.Count; i++)
            {
                var (e, w) = sentences[random.Next(sentences.Count)];
                errors += e;
                words += w;
            }
            rates[r] = (double)errors / Math.Max(1, words);
        }
        Array.Sort(rates);
        return (rates[(int)(0.025 * (resamples - 1))], rates[(int)Math.Ceiling(0.975 * (resamples - 1))]);
    }

    public static double Of(string reference, string hypothesis)
    {
        var (errors, words) = Count(reference, hypothesis);
        return words == 0 ? (errors == 0 ? 0 : 1) : (double)errors / words;
    }
}
