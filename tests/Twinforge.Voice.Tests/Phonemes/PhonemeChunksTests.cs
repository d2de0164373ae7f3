using Twinforge.Voice.Phonemes;

namespace Twinforge.Voice.Tests.Phonemes;

public sealed class PhonemeChunksTests
{
    const string Pause = Phonemiser.Pause, Word = Phonemiser.WordBoundary;

    static string Joined(IReadOnlyList<IReadOnlyList<string>> pieces) => string.Join(" | ", pieces.Select(piece => string.Concat(piece)));

    [Fact]
    public void Clauses_are_joined_while_they_fit_and_cut_at_the_pauses()
    {
        // "ab cd.ef.gh": clauses of 6, 3 and 2 phonemes with their separators.
        string[] phonemes = ["a", "b", Word, "c", "d", Pause, "e", "f", Pause, "g", "h"];

        Assert.Equal("ab cd.ef.gh", Joined(PhonemeChunks.Split(phonemes, maxPhonemes: 100)));
        Assert.Equal("ab cd.ef | gh", Joined(PhonemeChunks.Split(phonemes, maxPhonemes: 9)));
        Assert.Equal("ab cd | ef.gh", Joined(PhonemeChunks.Split(phonemes, maxPhonemes: 6)));
    }

    [Fact]
    public void A_clause_longer_than_a_piece_is_cut_between_words_and_a_word_longer_than_a_piece_inside_it()
    {
        string[] phonemes = ["a", "b", Word, "c", "d", Word, "e", "f", "g", "h", "i", Word, "j"];

        var pieces = PhonemeChunks.Split(phonemes, maxPhonemes: 4);

        Assert.Equal("ab | cd | efgh | i j", Joined(pieces));
        Assert.All(pieces, piece => Assert.InRange(piece.Count, 1, 4));
        // Nothing lost or reordered but the separators at the cuts.
        Assert.Equal(string.Concat(phonemes.Where(p => p != Word)), string.Concat(pieces.SelectMany(p => p).Where(p => p != Word)));
    }

    [Fact]
    public void Nothing_to_say_is_no_piece_and_a_piece_never_starts_or_ends_with_a_separator()
    {
        Assert.Empty(PhonemeChunks.Split([]));
        Assert.Empty(PhonemeChunks.Split([Pause, Word]));
        var pieces = PhonemeChunks.Split(Enumerable.Repeat(new[] { "a", Word, "b", Pause }, 50).SelectMany(p => p).ToList(), maxPhonemes: 7);
        Assert.All(pieces, piece => Assert.True(piece[0] is not (Pause or Word) && piece[^1] is not (Pause or Word), string.Concat(piece)));
    }
}
