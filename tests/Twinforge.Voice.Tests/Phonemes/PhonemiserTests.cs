using Twinforge.Tests.Shared;
using Twinforge.Voice.Phonemes;

namespace Twinforge.Voice.Tests.Phonemes;

public sealed class PhonemiserTests
{
    [Fact]
    public void Espeak_output_becomes_phonemes_with_word_boundaries_and_pauses_at_clause_ends()
    {
        // espeak-ng -q -x --sep=_ -v en-us on "Truth, acknowledged -- a dog." (its variant marks and pause colons included)
        var output = "t_r_'u:_T\na#_k_n_'0_l_I_dZ_d  d_'0_g__:__:_ a#\n";

        var phonemes = Phonemiser.Parse(output);

        Assert.Equal(["t", "r", "'u:", "T", ".", "a", "k", "n", "'0", "l", "I", "dZ", "d", " ", "d", "'0", "g", ".", "a"], phonemes);
    }

    [SkippableFact]
    public void Espeak_ng_phonemises_a_sentence_in_american_english()
    {
        SpeechTools.Require("espeak-ng");

        var phonemes = Phonemiser.Phonemise("The quick brown fox.");

        Assert.Equal(["D", "@2", " ", "k", "w", "'I", "k", " ", "b", "r", "'aU", "n", " ", "f", "'0", "k", "s"], phonemes);
    }
}
