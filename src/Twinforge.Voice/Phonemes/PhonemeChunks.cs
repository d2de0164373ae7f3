namespace Twinforge.Voice.Phonemes;

/// <summary>
/// A long phoneme sequence cut into pieces the acoustic model speaks one at a time. Its decoder attends over every
/// frame of what it speaks, so the memory one call needs grows with the square of its length (a paragraph took 4 GB, a
/// page more than the machine has); pieces of a bounded length keep it bounded. Cut where a speaker pauses (clause
/// ends), else between words, and only inside a word that alone is longer than a piece.
/// </summary>
public static class PhonemeChunks
{
    /// <summary>The default most phonemes a piece holds: a long sentence, well under a gigabyte to speak.</summary>
    public const int DefaultMaxPhonemes = 200;

    public static IReadOnlyList<IReadOnlyList<string>> Split(IReadOnlyList<string> phonemes, int maxPhonemes = DefaultMaxPhonemes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPhonemes, 1);
        var pieces = new List<IReadOnlyList<string>>();
        var current = new List<string>();
        void Close()
        {
            while (current.Count > 0 && current[^1] is Phonemiser.Pause or Phonemiser.WordBoundary) current.RemoveAt(current.Count - 1);
            if (current.Count > 0) pieces.Add(current);
            current = [];
        }
        foreach (var clause in Units(phonemes, Phonemiser.Pause))
        {
            if (current.Count > 0 && current.Count + clause.Count > maxPhonemes) Close();
            if (clause.Count <= maxPhonemes)
            {
                current.AddRange(clause);
                continue;
            }
            // A clause longer than a piece: by words, and a word longer than a piece by itself in parts.
            foreach (var word in Units(clause, Phonemiser.WordBoundary))
            {
                if (current.Count > 0 && current.Count + word.Count > maxPhonemes) Close();
                for (int start = 0; start < word.Count; start += maxPhonemes)
                {
                    current.AddRange(word.Skip(start).Take(maxPhonemes));
                    if (current.Count >= maxPhonemes) Close();
                }
            }
        }
        Close();
        return pieces;
    }

    /// <summary>The sequence in runs that each end with <paramref name="separator"/> (the last may not).</summary>
    static IEnumerable<List<string>> Units(IReadOnlyList<string> phonemes, string separator)
    {
        var unit = new List<string>();
        foreach (var phoneme in phonemes)
        {
            unit.Add(phoneme);
            if (phoneme == separator)
            {
                yield return unit;
                unit = [];
            }
        }
        if (unit.Count > 0) yield return unit;
    }
}
