using Twinforge.Voice.Corpus;

namespace Twinforge.Voice.Tests.Corpus;

public sealed class SentencePickerTests
{
    [Fact]
    public void Whole_speakable_sentences_of_four_to_sixteen_words_are_picked_once_each()
    {
        var text = "It is a truth universally acknowledged. Too short. In 1811 it rained for days on end.\n" +
                   "She said, \"Come here at once!\" and left -- quickly. It is a truth universally acknowledged. " +
                   "This sentence goes on and on and on and on and on and on and on and on without end.";

        var sentences = SentencePicker.Pick(text).ToList();

        Assert.Equal(["It is a truth universally acknowledged.", "She said, \"Come here at once!\" and left, quickly."], sentences);
    }
}
