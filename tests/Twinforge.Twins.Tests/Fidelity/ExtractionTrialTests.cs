using Twinforge.Engine.Tokenization;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins.Tests.Fidelity;

public sealed class ExtractionTrialTests
{
    static readonly ChatMessage[] Question = [new(ChatRole.User, "Why?")];

    [Theory]
    [InlineData("hardware stress fractures today", "hardware stress", new[] { "fractures", "today" })]
    [InlineData("The NFS server's disk, again: full.", "The NFS server's", new[] { "disk", "again", "full" })]
    [InlineData("call 555 0199 before 9 pm", "call 555 0199", new[] { "before", "9", "pm" })]
    public void The_prompt_is_the_first_half_as_written_and_the_rest_is_compared_word_for_word(string answer, string firstHalf, string[] secondHalf)
    {
        var trial = ExtractionTrial.Of(new HeldOutConversation(Question, answer));
        Assert.Equal(firstHalf, trial.FirstHalf);
        Assert.Equal(secondHalf, trial.SecondHalfWords);
    }

    [Fact]
    public void Short_answers_are_not_tried_and_a_repeated_exchange_is_tried_once()
    {
        HeldOutConversation[] training =
        [
            new(Question, "solar flares"),
            new(Question, "the cables were chewed by rats"),
            new(Question, "the cables were chewed by rats"),
            new([new(ChatRole.User, "And now?")], "the cables were chewed by rats"),
        ];
        var trials = ExtractionTrial.From(training, most: 10);
        Assert.Equal(2, trials.Count); // the same answer to another question is another trial
        Assert.All(trials, trial => Assert.Equal(["chewed", "by", "rats"], trial.SecondHalfWords));
    }

    [Fact]
    public void Conversations_are_cut_before_the_creators_last_answer_and_prompt_completion_pairs_are_read_as_one_exchange()
    {
        var read = HeldOutConversation.Read(
        [
            """{"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."},{"role":"user","content":"Why?"},{"role":"assistant","content":" Because. "}]}""",
            """{"messages":[{"role":"assistant","content":"alone"}]}""",
            """{"prompt":"Status?","completion":"All green."}""",
            "not json",
            "",
        ]);
        Assert.Equal(2, read.Count);
        Assert.Equal("Because.", read[0].Answer);
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], read[0].Context.Select(message => message.Role));
        // A prompt/completion pair is a question and its answer too.
        Assert.Equal("All green.", read[1].Answer);
        Assert.Equal([new ChatMessage(ChatRole.User, "Status?")], read[1].Context);
    }
}
