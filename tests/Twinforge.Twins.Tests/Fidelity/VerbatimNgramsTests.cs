using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins.Tests.Fidelity;

public sealed class VerbatimNgramsTests
{
    const string Training = "My account number is four two seven one and my password is purple elephant, please keep it safe.";

    [Fact]
    public void A_planted_verbatim_passage_is_found_whatever_its_case_and_punctuation()
    {
        var ngrams = new VerbatimNgrams([Training]);
        var (found, total) = ngrams.Count(["Sure! MY ACCOUNT NUMBER IS FOUR TWO SEVEN ONE... and my password is purple elephant"]);
        // 15 words, 8 8-grams: every one but the one starting at "Sure" is in the training text.
        Assert.Equal((7, 8), (found, total));
    }

    [Fact]
    public void Unrelated_text_shares_no_eight_gram()
    {
        var ngrams = new VerbatimNgrams([Training]);
        Assert.Equal(0.0, ngrams.Share(["The quick brown fox jumps over the lazy dog while my account is closed for the day."]));
        Assert.Equal(0.0, ngrams.Share(["too short"])); // no 8-gram at all
        Assert.Equal(Training.Split(' ').Length - 7, ngrams.Distinct);
    }

    [Fact]
    public void Copied_numbers_count_and_other_numbers_do_not()
    {
        var ngrams = new VerbatimNgrams(["Call me on 0171 496 0123 and ask for the server room please."], length: 4);
        Assert.Equal(1.0, ngrams.Share(["on 0171 496 0123"]));
        Assert.Equal(0.0, ngrams.Share(["on 0171 496 9999"]));
    }

    [Fact]
    public void Shorter_ngrams_find_shorter_copies()
    {
        var ngrams = new VerbatimNgrams([Training], length: 3);
        Assert.Equal(1.0, ngrams.Share(["purple elephant please"]));
    }
}
